package casepkg

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
	sigpdf "github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/workflow/template"
)

// world is a synthetic chain (internal/conformance) with a court and an
// arbitration commission, on which a platform's lender made n loan notes
// (workflow/template's built-in loan_note) with n borrowers, each signed
// by both and completed: the workflow fixture the builder reads.
type world struct {
	s         *conformance.Synth
	trust     *evidence.Trust
	contracts map[string]*ContractData
	order     []string
	now       time.Time
}

var (
	fontOnce sync.Once
	font     *template.Font
	fontErr  error
)

func testFont(t testing.TB) *template.Font {
	t.Helper()
	fontOnce.Do(func() { font, fontErr = template.LoadFont(template.DefaultFontPath) })
	if fontErr != nil {
		t.Fatalf("font: %v", fontErr)
	}
	return font
}

// must unwraps a setup call's result; setup fails only on a bug, so a
// panic is the report.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func (w *world) add(t testing.TB, sub *client.Submitter, body chain.Body, actor *client.Actor) uint64 {
	t.Helper()
	tx, err := sub.Build(body, actor)
	if err != nil {
		t.Fatal(err)
	}
	return w.s.AddTx(tx, false)
}

// newWorld makes n loan notes; every contract's status is completed.
func newWorld(t testing.TB, n int) *world {
	t.Helper()
	s := must(conformance.NewFilingSynth(conformance.ChainID))
	w := &world{s: s, trust: must(evidence.ParseTrust(s.Genesis())), contracts: map[string]*ContractData{}}
	tpl := must(template.Builtin("loan_note"))
	f := testFont(t)
	lender, lenderDER, err := s.Signer("lender")
	if err != nil {
		t.Fatal(err)
	}
	lenderIdx := w.add(t, s.Sub, &chain.CertIssued{Cert: lenderDER}, nil)
	lenderID := &Identity{Kind: "enterprise", Name: "北京示例小额贷款有限公司", IDNumber: "91110108MA00000000", Address: "北京市海淀区中关村大街1号"}
	for i := range n {
		id := fmt.Sprintf("loan-%04d", i)
		bor, borDER, err := s.Signer(fmt.Sprintf("borrower-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		idx := []uint64{lenderIdx, w.add(t, s.Sub, &chain.CertIssued{Cert: borDER}, nil)}
		fields := map[string]string{"lender": lenderID.Name, "borrower": fmt.Sprintf("借款人%d", i), "borrower_id": fmt.Sprintf("1101051990010%05d", i),
			"amount": "10,000.00", "amount_words": "壹万元整", "purpose": "经营周转 working capital",
			"annual_rate": "7.2%", "due_date": "2025-12-31", "date": "2025-06-01"}
		doc := must(tpl.Render(fields, template.WithFont(f)))
		created := conformance.Contract(id, doc.PDF, bor.Cert, lender.Cert)
		idx = append(idx, w.add(t, s.Sub, created, nil))
		pdf := doc.PDF
		for k, a := range []struct {
			act  *client.Actor
			der  []byte
			role string
		}{{bor, borDER, "borrower"}, {lender, lenderDER, "lender"}} {
			idx = append(idx, w.add(t, s.Sub, must(s.Intent(id, a.act)), a.act))
			area, _ := doc.Area(a.role)
			pdf = must(sigpdf.Sign(pdf, sigpdf.SignOptions{Key: a.act.Key, Cert: a.der, Page: area.Page,
				Name: a.role, Reason: "签署借条", Time: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).Add(time.Duration(i*10+k) * time.Minute)}))
			sum := sm3.Sum(pdf)
			idx = append(idx, w.add(t, s.Sub, &chain.ContractSigned{Contract: id, DocSM3: created.DocSM3, SignedDocSM3: sum[:]}, a.act))
		}
		idx = append(idx, w.add(t, s.Sub, &chain.ContractCompleted{Contract: id}, nil))
		borID := &Identity{Kind: "person", Name: fields["borrower"], IDNumber: fields["borrower_id"], Address: fmt.Sprintf("上海市浦东新区世纪大道%d号", i+1)}
		w.contracts[id] = &ContractData{ID: id, Title: "借条 Loan Note", Status: "completed", Template: "loan_note", Fields: fields,
			SignedPDF: pdf, Parties: []PartyInput{{Role: "borrower", CertDER: borDER, Identity: borID}, {Role: "lender", CertDER: lenderDER, Identity: lenderID}},
		}
		w.order = append(w.order, id)
		// Each bundle's checkpoint covers the log as it is when the
		// contract completed (the synthetic log computes proofs from the
		// leaves: one checkpoint over the final log would make the fixture
		// quadratic in n twice over).
		b := must(s.Bundle(evidence.Subject{ContractID: id}, idx))
		w.contracts[id].BundleJSON = must(b.Encode())
		if last := must(describeLast(b)); last.After(w.now) {
			w.now = last
		}
	}
	w.now = w.now.Add(time.Minute)
	return w
}

func describeLast(b *evidence.Bundle) (time.Time, error) {
	v, _, err := evidence.Describe(b.Records[len(b.Records)-1].Leaf)
	if err != nil {
		return time.Time{}, err
	}
	return v.Time, nil
}

// Select and Load make the world a Source.
func (w *world) Select(ctx context.Context, q Query) ([]string, error) {
	var out []string
	for _, id := range w.order {
		c := w.contracts[id]
		if (q.Template == "" || c.Template == q.Template) && (q.Status == "" || c.Status == q.Status) &&
			(q.Counterparty == "" || slices.ContainsFunc(c.Parties, func(p PartyInput) bool { return p.Identity != nil && strings.Contains(p.Identity.Name, q.Counterparty) })) {
			out = append(out, id)
		}
	}
	return out, nil
}

func (w *world) Load(ctx context.Context, id string) (*ContractData, error) {
	c, ok := w.contracts[id]
	if !ok {
		return nil, &SkipError{Contract: id, Reason: "no such contract on this platform"}
	}
	cp := *c
	return &cp, nil
}
