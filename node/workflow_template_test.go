package node

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"maps"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/template"
)

func loanFields() map[string]string {
	return map[string]string{"lender": "张三", "borrower": "北京某某科技有限公司", "borrower_id": identity.DevPassIDNumber,
		"amount": "50,000.00", "amount_words": "伍万元整", "purpose": "购房", "annual_rate": "3.65%",
		"due_date": "2027-06-30", "date": "2026-07-01"}
}

// TestWorkflowTemplates: the template routes describe the built-in
// templates, contract creation binds each party to a template role and
// refuses a missing, unknown or duplicate role, and (the regression for a
// lender's seal stamped in the borrower's box) each party's seal lands in
// its own role's box whatever the parties' order, as rendered by poppler.
func TestWorkflowTemplates(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	_, c := newWFCoreNet(ctx, t)
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	acme := c.company("北京某某科技有限公司")

	t.Run("describe", func(t *testing.T) {
		c.t = t
		list := c.must(http.StatusOK, "GET", "/v1/wf/templates", nil)
		var ids []string
		for _, x := range list["templates"].([]any) {
			ids = append(ids, x.(map[string]any)["id"].(string))
		}
		if fmt.Sprint(ids) != "[loan_note service_agreement]" {
			t.Fatalf("templates: %v", ids)
		}
		d := c.must(http.StatusOK, "GET", "/v1/wf/templates/loan_note", nil)
		if n := d["name"].(map[string]any); n["zh"] != "借条" || n["en"] != "Loan Note" {
			t.Fatalf("name: %v", n)
		}
		fields := map[string]map[string]any{}
		for _, x := range d["fields"].([]any) {
			f := x.(map[string]any)
			fields[f["name"].(string)] = f
		}
		for name, want := range map[string][2]string{"borrower_id": {"id_number", "borrower"}, "lender": {"text", "lender"},
			"due_date": {"date", ""}, "amount": {"amount", ""}, "annual_rate": {"rate", ""}} {
			f := fields[name]
			role, _ := f["role"].(string)
			if f["type"] != want[0] || role != want[1] || f["required"] != true || f["format"] == "" {
				t.Errorf("field %s: %v, want type %s role %q", name, f, want[0], want[1])
			}
		}
		if len(fields) != len(loanFields()) {
			t.Errorf("%d fields, want %d", len(fields), len(loanFields()))
		}
		roles := d["roles"].([]any)
		if len(roles) != 2 {
			t.Fatalf("roles: %v", roles)
		}
		b := roles[0].(map[string]any)
		ex := b["area"].(map[string]any)["example"].(map[string]any)
		if b["name"] != "borrower" || b["label"].(map[string]any)["zh"] != "借款人" || b["caption"] != "借款人签名 Borrower:" ||
			ex["page"].(float64) != 1 || ex["w"].(float64) <= 0 {
			t.Fatalf("borrower role: %v", b)
		}
		for _, tc := range []struct{ path, code string }{
			{"/v1/wf/templates/nope", "not_found"},
			{"/v1/wf/templates/loan_note%2F..", "not_found"},
		} {
			r := c.call("GET", tc.path, nil, "")
			if r.status != http.StatusNotFound || r.errCode() != tc.code || !bytes.Contains(r.body, []byte("loan_note, service_agreement")) {
				t.Errorf("GET %s: %d %s", tc.path, r.status, r.body)
			}
		}
		saved := c.token
		c.token = "wrong"
		if r := c.call("GET", "/v1/wf/templates", nil, ""); r.status != http.StatusUnauthorized {
			t.Errorf("without the platform token: %d", r.status)
		}
		c.token = saved
	})

	t.Run("roles are checked", func(t *testing.T) {
		c.t = t
		p := func(id, role string) map[string]any {
			m := map[string]any{"identity_id": id}
			if role != "" {
				m["role"] = role
			}
			return m
		}
		area := map[string]any{"identity_id": acme, "role": "lender", "area": map[string]any{"page": 1, "x": 1, "y": 1, "w": 50, "h": 50}}
		tests := []struct {
			name    string
			tpl     string
			parties []any
			want    []string // substrings of the message
		}{
			{"missing role", "loan_note", []any{p(zhang, ""), p(acme, "lender")}, []string{"parties[0].role", "missing", "borrower, lender"}},
			{"unknown role", "loan_note", []any{p(zhang, "借款人"), p(acme, "lender")}, []string{"parties[0].role", `"借款人" is not a role of template loan_note`}},
			{"another template's role", "loan_note", []any{p(zhang, "borrower"), p(acme, "party_b")}, []string{"parties[1].role", `"party_b"`}},
			{"duplicate role", "service_agreement", []any{p(zhang, "party_a"), p(acme, "party_a")}, []string{"parties[1].role", `role "party_a" is already taken by parties[0]`}},
			{"a role without a party", "service_agreement", []any{p(zhang, "party_b")}, []string{"field parties", `no party has role "party_a"`}},
			{"an area of its own", "loan_note", []any{p(zhang, "borrower"), area}, []string{"parties[1].area", "omit area"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c.t = t
				fields := loanFields()
				if tc.tpl == "service_agreement" {
					fields = serviceFields()
				}
				r := c.call("POST", "/v1/wf/contracts", map[string]any{"title": "roles", "parties": tc.parties,
					"template": map[string]any{"id": tc.tpl, "fields": fields}}, "")
				if r.status != http.StatusBadRequest || r.errCode() != "bad_field" {
					t.Fatalf("status %d, want 400 bad_field: %s", r.status, r.body)
				}
				msg := r.json(t)["error"].(map[string]any)["message"].(string)
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("message %q does not contain %q", msg, w)
					}
				}
			})
		}
		c.t = t
		r := c.call("POST", "/v1/wf/contracts", map[string]any{"title": "types", "parties": []any{p(zhang, "borrower"), p(acme, "lender")},
			"template": map[string]any{"id": "loan_note", "fields": func() map[string]string {
				f := loanFields()
				f["due_date"] = "明年"
				return f
			}()}}, "")
		if r.status != http.StatusBadRequest || !bytes.Contains(r.body, []byte("due_date (want a date, YYYY-MM-DD)")) {
			t.Errorf("a date field with a non-date: %d %s", r.status, r.body)
		}
	})

	pdftoppm, pdftotext := requireCmd(t, "pdftoppm"), requireCmd(t, "pdftotext")
	out := os.Getenv("SEAL_PNG_OUT") // set to keep the rendered pages for a look
	for _, tc := range []struct {
		tpl    string
		fields map[string]string
		roles  [2]string // roles of parties 0 (zhang) and 1 (acme), in signing order
	}{
		{"loan_note", loanFields(), [2]string{"lender", "borrower"}}, // the order of the bug report
		{"loan_note", loanFields(), [2]string{"borrower", "lender"}},
		{"service_agreement", serviceFields(), [2]string{"party_b", "party_a"}},
		{"service_agreement", serviceFields(), [2]string{"party_a", "party_b"}},
	} {
		name := tc.tpl + "/" + tc.roles[0] + "_first"
		t.Run("seals in role boxes/"+name, func(t *testing.T) {
			c.t = t
			tpl, err := template.Builtin(tc.tpl)
			if err != nil {
				t.Fatal(err)
			}
			// The text names each party in its role: the name fields are
			// the roles' own (lender, borrower, party_a, party_b).
			tc.fields = maps.Clone(tc.fields)
			for k, role := range tc.roles {
				tc.fields[role] = [2]string{"张三", "北京某某科技有限公司"}[k]
			}
			doc, err := tpl.Render(tc.fields) // the template's own geometry
			if err != nil {
				t.Fatal(err)
			}
			m := c.must(http.StatusCreated, "POST", "/v1/wf/contracts", map[string]any{"title": name, "order": "sequential",
				"template": map[string]any{"id": tc.tpl, "fields": tc.fields},
				"parties":  []any{map[string]any{"identity_id": zhang, "role": tc.roles[0]}, map[string]any{"identity_id": acme, "role": tc.roles[1]}}})
			id := m["id"].(string)
			var boxes [2]template.Area
			for i, role := range tc.roles {
				a, ok := doc.Area(role)
				if !ok {
					t.Fatalf("template %s has no area for %s", tc.tpl, role)
				}
				boxes[i] = a
				got := m["parties"].([]any)[i].(map[string]any)
				ga := got["area"].(map[string]any)
				if got["role"] != role || int(ga["page"].(float64)) != a.Page || ga["x"] != a.X || ga["y"] != a.Y || ga["w"] != a.W || ga["h"] != a.H {
					t.Errorf("party %d (%s): %v, want the area of %s %+v", i, role, got, role, a)
				}
			}
			sent := c.must(http.StatusOK, "POST", "/v1/wf/contracts/"+id+"/send", map[string]any{})
			links := sent["links"].([]any)
			for i := range 2 {
				c.sign(links[i].(map[string]any)["token"].(string), id, i)
				signed := c.call("GET", "/v1/wf/contracts/"+id+"/pdf", nil, "")
				if signed.status != http.StatusOK {
					t.Fatalf("pdf: %d %s", signed.status, signed.body)
				}
				dir := t.TempDir()
				if out != "" {
					dir = filepath.Join(out, strings.ReplaceAll(name, "/", "-")+fmt.Sprintf("-after-%d", i))
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				f := filepath.Join(dir, "signed.pdf")
				if err := os.WriteFile(f, signed.body, 0o644); err != nil {
					t.Fatal(err)
				}
				// What a person sees: each role's caption sits right above
				// the box the template says is that role's.
				words := pdfWords(t, pdftotext, f)
				for k := range 2 {
					checkCaption(t, words, tpl.Caption(tc.roles[k]), boxes[k])
				}
				pages := renderPages(t, pdftoppm, f, dir)
				for k := 0; k < 2; k++ {
					in, outside := redPixels(pages, boxes[k], boxes[1-k])
					if k <= i {
						// Party k signed: its seal fills part of its own box.
						if min := int(boxes[k].W * boxes[k].H * seaScale * seaScale / 10); in < min {
							t.Errorf("after party %d signed: %d red pixels in the %s box, want >= %d (seal of party %d, role %s)",
								i, in, tc.roles[k], min, k, tc.roles[k])
						}
					} else if in != 0 {
						t.Errorf("after party %d signed: %d red pixels in the %s box, which party %d has not signed yet", i, in, tc.roles[k], k)
					}
					if outside != 0 {
						t.Errorf("after party %d signed: %d red pixels outside both boxes", i, outside)
					}
				}
			}
		})
	}

	// Search goes through the index (workflow/search): template field
	// values, which the store keeps sealed, are found, with filters.
	t.Run("search", func(t *testing.T) {
		c.t = t
		ids := func(path string) []string {
			m := c.must(http.StatusOK, "GET", path, nil)
			var out []string
			for _, x := range m["contracts"].([]any) {
				out = append(out, x.(map[string]any)["id"].(string))
			}
			return out
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			// 伍万元整 is only in the loan notes' amount_words field.
			got := ids("/v1/wf/contracts?q=" + url.QueryEscape("伍万元整") + "&template=loan_note")
			if len(got) == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("field search: %v, want the 2 loan notes", got)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if got := ids("/v1/wf/contracts?q=" + url.QueryEscape("某某科技 张三") + "&party=" + zhang + "&limit=3"); len(got) != 3 {
			t.Errorf("names and party: %v, want a first page of 3", got)
		}
		if got := ids("/v1/wf/contracts?template=service_agreement&status=completed&q=" + url.QueryEscape("伍万元整")); len(got) != 0 {
			t.Errorf("field of another template: %v", got)
		}
		if r := c.call("GET", "/v1/wf/contracts?q="+strings.Repeat("x", 300), nil, ""); r.status != http.StatusBadRequest {
			t.Errorf("a 300-byte query: %d %s", r.status, r.body)
		}
	})
}

func requireCmd(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs %s (poppler-utils): %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// seaScale is the rendering's pixels per point.
const seaScale = 100.0 / 72

// renderPages renders every page at 100 dpi, in page order.
func renderPages(t *testing.T, pdftoppm, f, dir string) []image.Image {
	t.Helper()
	if out, err := exec.Command(pdftoppm, "-png", "-r", "100", f, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	var pages []image.Image
	for _, n := range names { // page-1.png, page-2.png: fewer than 10 pages sort right
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		pages = append(pages, img)
	}
	if len(pages) == 0 {
		t.Fatal("pdftoppm rendered no page")
	}
	return pages
}

// pixelBox is a's rectangle in pixels (origin top left) on a page
// rendered at seaScale, one pixel larger on each side for rounding.
func pixelBox(a template.Area, pageH int) image.Rectangle {
	return image.Rect(int(math.Floor(a.X*seaScale))-1, pageH-int(math.Ceil((a.Y+a.H)*seaScale))-1,
		int(math.Ceil((a.X+a.W)*seaScale))+1, pageH-int(math.Floor(a.Y*seaScale))+1)
}

// redPixels counts the seal-red pixels inside box on its page, and those
// on any page outside both box and other.
func redPixels(pages []image.Image, box, other template.Area) (in, outside int) {
	for p, img := range pages {
		b := img.Bounds()
		mine, theirs := pixelBox(box, b.Dy()), pixelBox(other, b.Dy())
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if !(r>>8 > 150 && g>>8 < 90 && bl>>8 < 90) {
					continue
				}
				pt := image.Pt(x, y)
				switch {
				case p+1 == box.Page && pt.In(mine):
					in++
				case p+1 == other.Page && pt.In(theirs):
				default:
					outside++
				}
			}
		}
	}
	return in, outside
}

// pdfWord is a word as pdftotext -bbox places it: points, origin top left.
type pdfWord struct {
	page                   int
	text                   string
	xMin, yMin, xMax, yMax float64
	pageH                  float64
}

var (
	pageRE = regexp.MustCompile(`<page width="([0-9.]+)" height="([0-9.]+)">`)
	wordRE = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`)
)

func pdfWords(t *testing.T, pdftotext, f string) []pdfWord {
	t.Helper()
	raw, err := exec.Command(pdftotext, "-bbox", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	var words []pdfWord
	for i, page := range strings.Split(string(raw), "<page ")[1:] {
		pm := pageRE.FindStringSubmatch("<page " + page)
		if pm == nil {
			t.Fatalf("pdftotext page %d: no size", i+1)
		}
		ph, _ := strconv.ParseFloat(pm[2], 64)
		for _, m := range wordRE.FindAllStringSubmatch(page, -1) {
			w := pdfWord{page: i + 1, text: m[5], pageH: ph}
			w.xMin, _ = strconv.ParseFloat(m[1], 64)
			w.yMin, _ = strconv.ParseFloat(m[2], 64)
			w.xMax, _ = strconv.ParseFloat(m[3], 64)
			w.yMax, _ = strconv.ParseFloat(m[4], 64)
			words = append(words, w)
		}
	}
	return words
}

// checkCaption finds the caption's first word ("借款人签名") in the text
// poppler extracts and checks that box is right below it, left-aligned.
func checkCaption(t *testing.T, words []pdfWord, caption string, box template.Area) {
	t.Helper()
	first, _, _ := strings.Cut(caption, " ")
	var found []pdfWord
	for _, w := range words {
		if w.text == first {
			found = append(found, w)
		}
	}
	if len(found) != 1 {
		t.Fatalf("caption word %q found %d times in the extracted text", first, len(found))
	}
	w := found[0]
	boxTop := w.pageH - (box.Y + box.H)
	if w.page != box.Page || math.Abs(w.xMin-box.X) > 2 || w.yMax > boxTop || boxTop-w.yMax > 12 {
		t.Errorf("caption %q on page %d at x %.1f, bottom %.1f; box on page %d at x %.1f, top %.1f: the box is not right below its caption",
			caption, w.page, w.xMin, w.yMax, box.Page, box.X, boxTop)
	}
}
