package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
)

// TestDocumentsRender makes the four documents and, with
// SEALCHAIN_KEEP_RENDER set, writes them and their pages as PNGs there.
func TestDocumentsRender(t *testing.T) {
	w := newCaseWorld(t)
	docs := w.documents(t)
	dir := os.Getenv("SEALCHAIN_KEEP_RENDER")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, "genesis.json"), w.s.Genesis(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{KindNotarial, KindAppraisal, KindPreservation, KindSignature} {
		ib := must(w.issue(t, kind, docs[kind], nil).Encode())
		if err := os.WriteFile(filepath.Join(dir, "issuance-"+kind+".json"), ib, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for kind, pdf := range docs {
		p := filepath.Join(dir, kind+".pdf")
		if err := os.WriteFile(p, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftoppm", "-png", "-r", "80", p, filepath.Join(dir, kind)).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
	}
}

// TestDocumentSealsCoverNoText is TestSealCoversNoText for each issued
// document, with the issuer's name and a long one.
func TestDocumentSealsCoverNoText(t *testing.T) {
	needPoppler(t)
	w := newCaseWorld(t)
	b, res := w.bundle(t)
	for _, long := range []bool{false, true} {
		opt := func(o *institution) Options {
			opts := w.options(t, o)
			if long {
				// The printed name is the genesis name: a trust that names the
				// issuer so.
				tr := *opts.Trust
				tr.Orgs = nil
				for _, og := range opts.Trust.Orgs {
					c := *og
					if c.ID == o.ID {
						c.Name = "北京市某某区某某街道某某某某某某某某某某有限责任公司电子合同存证服务中心"
					}
					tr.Orgs = append(tr.Orgs, &c)
				}
				opts.Trust = &tr
				opts.IssuerOrg.Name = ""
			}
			return opts
		}
		docs := map[string][]byte{
			KindNotarial: must(MakeNotarial(b, res, NotarialOptions{Options: opt(w.s.Notary), ApplicationID: testApplication,
				NotaryCert: w.s.Notary.Sub.Cert, SignedPDF: w.signedPDF})),
			KindAppraisal: must(MakeAppraisal(b, res, AppraisalOptions{Options: opt(w.s.Appraisal), CommissionID: testCommission,
				Examiners: [][]byte{w.s.Appraisal.Sub.Cert, w.s.Notary.Sub.Cert}, Conclusion: chain.ConclusionIntact})),
			KindPreservation: must(MakePreservation(b, res, opt(w.platform(t)))),
			KindSignature:    must(MakeSignatureReport(b, res, w.signedPDF, opt(w.platform(t)))),
		}
		for kind, doc := range docs {
			t.Run(fmt.Sprintf("%s/long=%v", kind, long), func(t *testing.T) {
				dir := t.TempDir()
				if keep := os.Getenv("SEALCHAIN_KEEP_RENDER"); keep != "" { // to look at
					dir = filepath.Join(keep, fmt.Sprintf("seal-%s-long-%v", kind, long))
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				checkSealCoversNoText(t, doc, dir)
			})
		}
	}
}

// TestOnePageDocuments: the 存证证明 fits one page, and the 验签报告 of a
// one-signature PDF too.
func TestOnePageDocuments(t *testing.T) {
	w := newCaseWorld(t)
	docs := w.documents(t)
	for _, kind := range []string{KindPreservation, KindSignature} {
		// Pages as this package writes them (the signature adds none).
		if n := bytes.Count(docs[kind], []byte("<< /Type /Page /Parent")); n != 1 {
			t.Errorf("%s has %d pages", kind, n)
		}
	}
}

// TestPreservationNo: the number's check character holds and catches a
// changed character; the number is derived from the bundle alone.
func TestPreservationNo(t *testing.T) {
	w := newCaseWorld(t)
	b, _ := w.bundle(t)
	no, err := PreservationNo(b, w.contract)
	if err != nil {
		t.Fatal(err)
	}
	if !ValidPreservationNo(no) {
		t.Fatalf("%s: check character does not hold", no)
	}
	last := w.idx[len(w.idx)-1]
	if want := fmt.Sprintf("SC20260105-%d-%d-", last+1, last); !strings.HasPrefix(no, want) {
		t.Errorf("%s does not start with %s", no, want)
	}
	for i := range len(no) - 2 {
		if no[i] == '-' || no[i] == 'S' || no[i] == 'C' {
			continue
		}
		c := []byte(no)
		c[i] = '0' + (c[i]-'0'+1)%10
		if c[i] == no[i] {
			continue
		}
		if ValidPreservationNo(string(c)) && no[i] >= '0' && no[i] <= '9' {
			t.Errorf("%s: changed character %d still checks", c, i)
		}
	}
	if _, err := PreservationNo(b, "no-such-contract"); err == nil {
		t.Error("a number for a contract the bundle lacks")
	}
}

// TestMakersRefuse: a notary certifies only a bundle that verifies and
// holds its accepted case; an appraisal opinion may report altered data.
func TestMakersRefuse(t *testing.T) {
	w := newCaseWorld(t)
	b, res := w.bundle(t)
	no := NotarialOptions{Options: w.options(t, w.s.Notary), ApplicationID: testApplication, NotaryCert: w.s.Notary.Sub.Cert}
	bad := *res
	bad.OK, bad.Checks = false, append([]evidence.Check{{Name: "checkpoint", Detail: "forged"}}, res.Checks...)
	if _, err := MakeNotarial(b, &bad, no); !errors.Is(err, ErrCase) {
		t.Errorf("notarial certificate of a failing bundle: %v", err)
	}
	other := no
	other.ApplicationID = "NA-unknown"
	if _, err := MakeNotarial(b, res, other); !errors.Is(err, ErrCase) {
		t.Errorf("notarial certificate of an unknown case: %v", err)
	}
	early := must(w.s.Bundle(b.Subject, w.idx[:6])) // the application, not its acceptance
	if _, err := MakeNotarial(early, res, no); !errors.Is(err, ErrCase) {
		t.Errorf("notarial certificate before the acceptance: %v", err)
	}
	wrong := NotarialOptions{Options: w.options(t, w.s.Appraisal), ApplicationID: testApplication, NotaryCert: w.s.Appraisal.Sub.Cert}
	if _, err := MakeNotarial(b, res, wrong); !errors.Is(err, ErrCase) {
		t.Errorf("notarial certificate by another institution: %v", err)
	}
	ao := AppraisalOptions{Options: w.options(t, w.s.Appraisal), CommissionID: testCommission, Examiners: [][]byte{w.s.Appraisal.Sub.Cert},
		Conclusion: chain.ConclusionAltered, Notes: "检查点签名不成立。"}
	if _, err := MakeAppraisal(b, &bad, ao); err != nil {
		t.Errorf("appraisal opinion of altered data: %v", err)
	}
	ao.Examiners = nil
	if _, err := MakeAppraisal(b, res, ao); !errors.Is(err, ErrOptions) {
		t.Errorf("appraisal opinion without examiners: %v", err)
	}
}
