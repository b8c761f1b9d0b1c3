package template

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/stretchr/testify/require"
)

func serviceValues() map[string]string {
	return map[string]string{
		"contract_no": "SC-2026-0001", "party_a": "北京示例科技有限公司 Example Tech Ltd.", "party_b": "上海服务有限公司",
		"service": "软件维护与技术支持 software maintenance and support", "fee": "人民币 10,000 元 / CNY 10,000",
		"start_date": "2026-01-01", "end_date": "2026-12-31", "city": "北京市海淀区",
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, title, body string
		wantFields        []string
		wantParties       []string
		wantErr           string
	}{
		{"fields and areas", "合同 {{no}}", "甲方 {{a}} and {{ b }}\n{{sign:a}}\n  {{sign:b}}  ", []string{"no", "a", "b"}, []string{"a", "b"}, ""},
		{"repeated field once", "T", "{{a}} {{a}}", []string{"a"}, nil, ""},
		{"bad name", "T", "{{Bad}}", nil, nil, `placeholder name "Bad"`},
		{"area not alone", "T", "sign here {{sign:a}}", nil, nil, "alone on its line"},
		{"area twice", "T", "{{sign:a}}\n{{sign:a}}", nil, nil, "second signing area"},
		{"area in title", "T {{sign:a}}", "x", nil, nil, "in the title"},
		{"unclosed", "T", "{{a}} {{b", nil, nil, "unclosed"},
		{"empty title", " ", "x", nil, nil, "empty title"},
		{"two-line title", "a\nb", "x", nil, nil, "one line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := Parse("t", tc.title, tc.body)
			if tc.wantErr != "" {
				require.ErrorIs(t, err, ErrTemplate)
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantFields, tpl.Fields())
			require.Equal(t, tc.wantParties, tpl.Parties())
		})
	}
}

func TestFillErrorsNameFields(t *testing.T) {
	tpl, err := Builtin("service_agreement")
	require.NoError(t, err)
	tests := []struct {
		name string
		edit func(map[string]string)
		want FieldError
	}{
		{"missing", func(v map[string]string) { delete(v, "fee"); v["city"] = " " }, FieldError{Missing: []string{"fee", "city"}}},
		{"unknown", func(v map[string]string) { v["zeta"] = "1"; v["alpha"] = "2" }, FieldError{Unknown: []string{"alpha", "zeta"}}},
		{"invalid", func(v map[string]string) { v["service"] = "a\nb"; v["fee"] = "{{sign:party_a}}" }, FieldError{Invalid: []string{"fee", "service"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := serviceValues()
			tc.edit(v)
			_, err := tpl.Render(v)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tc.want, *fe)
			for _, n := range slices.Concat(tc.want.Missing, tc.want.Unknown, tc.want.Invalid) {
				require.Contains(t, err.Error(), n)
			}
		})
	}
}

func TestBuiltinsRender(t *testing.T) {
	loan := map[string]string{"lender": "张三", "borrower": "李四 Li Si", "borrower_id": "11010519491231002X",
		"amount": "50,000.00", "amount_words": "伍万元整", "purpose": "购房 home purchase", "annual_rate": "3.65%",
		"due_date": "2027-06-30", "date": "2026-07-01"}
	tests := []struct {
		id      string
		values  map[string]string
		parties []string
	}{
		{"service_agreement", serviceValues(), []string{"party_a", "party_b"}},
		{"loan_note", loan, []string{"borrower", "lender"}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			tpl, err := Builtin(tc.id)
			require.NoError(t, err)
			for _, l := range tpl.Labels {
				require.Contains(t, tpl.Fields(), l.Name)
			}
			require.Len(t, tpl.Labels, len(tpl.Fields()), "every built-in field is documented")
			doc, err := tpl.Render(tc.values)
			require.NoError(t, err)
			again, err := tpl.Render(tc.values)
			require.NoError(t, err)
			require.Equal(t, doc.PDF, again.PDF, "rendering is deterministic")
			require.Less(t, len(doc.PDF), 400<<10, "the font is subset")

			ctx, err := api.ReadValidateAndOptimize(bytes.NewReader(doc.PDF), model.NewDefaultConfiguration())
			require.NoError(t, err, "pdfcpu validates the PDF")
			require.Equal(t, doc.Pages, ctx.PageCount)

			var got []string
			for _, a := range doc.Areas {
				got = append(got, a.Role)
				require.True(t, a.Page >= 1 && a.Page <= doc.Pages)
				require.True(t, a.X >= 0 && a.Y >= marginBot-1 && a.X+a.W <= pageW && a.Y+a.H <= pageH-marginTop)
			}
			require.Equal(t, tc.parties, got)
			if os.Getenv("TEMPLATE_PDF_OUT") != "" {
				require.NoError(t, os.WriteFile(os.Getenv("TEMPLATE_PDF_OUT")+"/"+tc.id+".pdf", doc.PDF, 0o644))
			}
		})
	}
}

func TestAreasDoNotOverlapText(t *testing.T) {
	// Enough paragraphs to push the signing areas onto a later page.
	body := strings.Repeat("第一条 很长的条款内容 a long clause with English words that wrap around the line.\n", 60) +
		"{{sign:a}}\n{{sign:b}}"
	tpl, err := Parse("long", "长合同 Long contract", body)
	require.NoError(t, err)
	doc, err := tpl.Render(nil)
	require.NoError(t, err)
	require.Greater(t, doc.Pages, 1)
	require.Len(t, doc.Areas, 2)
	a, b := doc.Areas[0], doc.Areas[1]
	if a.Page == b.Page {
		require.GreaterOrEqual(t, a.Y, b.Y+b.H, "second area below the first")
	}
	require.Equal(t, doc.Pages, b.Page)
}

func TestMissingFont(t *testing.T) {
	tpl, err := Parse("t", "T", "x")
	require.NoError(t, err)
	_, err = tpl.Render(nil, WithFontPath("/nonexistent.ttf"))
	require.True(t, errors.Is(err, ErrFont))
}

func TestLoadedFontGivesSameBytes(t *testing.T) {
	f, err := LoadFont(DefaultFontPath)
	require.NoError(t, err)
	tpl, err := Builtin("service_agreement")
	require.NoError(t, err)
	a, err := tpl.Render(serviceValues())
	require.NoError(t, err)
	b, err := tpl.Render(serviceValues(), WithFont(f))
	require.NoError(t, err)
	require.Equal(t, a.PDF, b.PDF)
	// The second render with f takes its font program from f's cache
	// (pdfgen.Font): the same bytes; other glyphs miss it, at either level.
	c, err := tpl.Render(serviceValues(), WithFont(f))
	require.NoError(t, err)
	require.Equal(t, a.PDF, c.PDF)
	other := serviceValues()
	other["city"] = "上海"
	d, err := tpl.Render(other)
	require.NoError(t, err)
	e, err := tpl.Render(other, WithFont(f))
	require.NoError(t, err)
	require.Equal(t, d.PDF, e.PDF)
	require.NotEqual(t, a.PDF, e.PDF)
	fa, err := tpl.Render(serviceValues(), WithFont(f), WithFastCompression())
	require.NoError(t, err)
	fb, err := tpl.Render(serviceValues(), WithFastCompression())
	require.NoError(t, err)
	require.Equal(t, fb.PDF, fa.PDF)
	_, err = LoadFont("/nonexistent.ttf")
	require.ErrorIs(t, err, ErrFont)
}

// FuzzParse: Parse never panics, and a template it accepts fills with a
// value for every field and keeps one signing-area line per party.
func FuzzParse(f *testing.F) {
	f.Add("T {{a}}", "x {{b}}\n{{sign:p}}")
	f.Add("T", "{{sign:p}} {{sign:q}}")
	f.Add("{{", "}}{{a}")
	f.Add("合同", ServiceAgreement)
	f.Fuzz(func(t *testing.T, title, body string) {
		tpl, err := Parse("f", title, body)
		if err != nil {
			return
		}
		values := map[string]string{}
		for _, n := range tpl.Fields() {
			values[n] = "v"
		}
		_, filled, err := tpl.Fill(values)
		require.NoError(t, err)
		var got []string
		for _, line := range strings.Split(filled, "\n") {
			if p := signArea(line); p != "" {
				got = append(got, p)
			}
		}
		require.Equal(t, tpl.Parties(), got)
	})
}

func TestFieldTypes(t *testing.T) {
	tpl, err := Builtin("loan_note")
	require.NoError(t, err)
	good, ok := tpl.Examples()
	require.True(t, ok)
	_, err = tpl.Render(good)
	require.NoError(t, err)
	tests := []struct {
		field, value string
		ok           bool
	}{
		{"due_date", "2027-02-28", true},
		{"due_date", "2027-02-30", false},
		{"due_date", "2027年6月30日", false},
		{"due_date", " 2027-06-30", false},
		{"amount", "50000", true},
		{"amount", "50,000.5", true},
		{"amount", "5,0000.00", false},
		{"amount", "伍万", false},
		{"annual_rate", "3.65%", true},
		{"annual_rate", "3.65", false},
		{"borrower_id", "11010519491231002X", true},
		{"borrower_id", "1101051949123100", false},
		{"purpose", "anything 任何", true},
	}
	for _, tc := range tests {
		t.Run(tc.field+"="+tc.value, func(t *testing.T) {
			v := maps.Clone(good)
			v[tc.field] = tc.value
			_, err := tpl.Render(v)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, []string{tc.field}, fe.Invalid)
			require.ErrorContains(t, err, tc.field+" (want ")
		})
	}
}

func TestNewChecksRolesAndTypes(t *testing.T) {
	body := "{{a}}\n签 Sign:\n{{sign:p}}"
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"role without area", Spec{Title: "T", Body: body, Roles: []Role{{Name: "q"}}}, `role "q" has no signing area`},
		{"field of unknown role", Spec{Title: "T", Body: body, Fields: []Field{{Name: "a", Role: "q"}}}, `role "q" has no signing area`},
		{"unknown type", Spec{Title: "T", Body: body, Fields: []Field{{Name: "a", Type: "money"}}}, `unknown type "money"`},
		{"bad example", Spec{Title: "T", Body: body, Fields: []Field{{Name: "a", Type: TypeDate, Example: "soon"}}}, `example "soon"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.spec)
			require.ErrorIs(t, err, ErrTemplate)
			require.ErrorContains(t, err, tc.want)
		})
	}
	tpl, err := New(Spec{Title: "T", Body: body, Roles: []Role{{Name: "p", LabelZH: "签署人", LabelEN: "Signer"}}})
	require.NoError(t, err)
	require.Equal(t, "签 Sign:", tpl.Caption("p"))
}

// TestDescribeBuiltins: the description lists every field with its type
// and role, and every role with its label, caption and the area Render
// gives it for the examples.
func TestDescribeBuiltins(t *testing.T) {
	want := map[string]map[string]string{ // role -> caption
		"service_agreement": {"party_a": "甲方签章 Party A:", "party_b": "乙方签章 Party B:"},
		"loan_note":         {"borrower": "借款人签名 Borrower:", "lender": "出借人签名 Lender:"},
	}
	for _, tpl := range Builtins() {
		t.Run(tpl.ID, func(t *testing.T) {
			d, err := tpl.Describe()
			require.NoError(t, err)
			require.NotEmpty(t, d.Name.ZH)
			require.NotEmpty(t, d.Name.EN)
			var names []string
			for _, f := range d.Fields {
				names = append(names, f.Name)
				require.True(t, f.Required)
				require.NotEmpty(t, f.Type)
				require.NotEmpty(t, f.Example)
				if f.Role != "" {
					require.Contains(t, tpl.Parties(), f.Role)
				}
			}
			require.Equal(t, tpl.Fields(), names)
			ex, ok := tpl.Examples()
			require.True(t, ok)
			doc, err := tpl.Render(ex)
			require.NoError(t, err)
			require.Len(t, d.Roles, len(want[tpl.ID]))
			for _, r := range d.Roles {
				require.Equal(t, want[tpl.ID][r.Name], r.Caption, r.Name)
				require.NotEmpty(t, r.Label.ZH, r.Name)
				require.NotEmpty(t, r.Label.EN, r.Name)
				a, ok := doc.Area(r.Name)
				require.True(t, ok)
				require.Equal(t, &AreaExample{Page: a.Page, X: a.X, Y: a.Y, W: a.W, H: a.H}, r.Area.Example)
			}
		})
	}
	_, err := Builtin("nope")
	require.ErrorIs(t, err, ErrUnknown)
	require.ErrorContains(t, err, "loan_note, service_agreement")
}
