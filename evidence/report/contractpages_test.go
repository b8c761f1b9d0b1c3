package report

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
	"github.com/sealchain/sealchain/signer/ofd"
	ofdrender "github.com/sealchain/sealchain/signer/ofd/render"
	"github.com/sealchain/sealchain/signer/seal"
)

var contractPagesPNG = flag.String("contract-pages-png", "", "write the report page with the OFD contract pages to this PNG (pdftoppm)")

// ofdBundle is a completed one-party contract whose file is an OFD signed
// with an electronic seal, recorded on a synthetic chain.
type ofdBundle struct {
	bundle         *evidence.Bundle
	trust          *evidence.Trust
	unsigned, file []byte
}

func newOFDBundle(t *testing.T) *ofdBundle {
	t.Helper()
	s, err := conformance.NewSynth(conformance.ChainID)
	if err != nil {
		t.Fatal(err)
	}
	add := func(body chain.Body, actor *client.Actor) uint64 {
		tx, err := s.Sub.Build(body, actor)
		if err != nil {
			t.Fatal(err)
		}
		return s.AddTx(tx, false)
	}
	alice, der, err := s.Signer("alice")
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	doc, err := ofd.NewText("买卖合同", [][]string{
		{"买卖合同", "甲方：某某科技有限公司", "乙方：张三", "第一条 标的：服务器 10 台，总价人民币 100,000 元。"},
		{"第二条 交付：2026 年 4 月 1 日前。", "甲方（盖章）：", "乙方（签字）："},
		{"附件：设备清单"},
	}, created)
	if err != nil {
		t.Fatal(err)
	}
	ca := s.PlatformCA()
	pic, err := seal.Enterprise(seal.EnterpriseOptions{Name: "某某科技有限公司", Purpose: "合同专用章"})
	if err != nil {
		t.Fatal(err)
	}
	picPNG, err := seal.EncodePNG(pic)
	if err != nil {
		t.Fatal(err)
	}
	sl, err := seal.Make(seal.SealInfo{ID: "seal-alice", Kind: seal.KindOrganization, Name: "某某科技有限公司合同专用章",
		SignerCerts: [][]byte{der}, Created: created, ValidStart: created, ValidEnd: created.AddDate(5, 0, 0),
		Picture: seal.Picture{Data: picPNG, WidthMM: 40, HeightMM: 40}}, ca.Key, ca.Cert.Raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := ofd.Sign(context.Background(), doc, ofd.SignOptions{Key: alice.Key, Cert: der, Seal: sl, Time: created.Add(24 * time.Hour), Page: 1, X: 40, Y: 40})
	if err != nil {
		t.Fatal(err)
	}
	const contract = "ofd-contract-1"
	cc := conformance.Contract(contract, doc, alice.Cert)
	idx := []uint64{add(&chain.CertIssued{Cert: der}, nil), add(cc, nil)}
	intent, err := s.Intent(contract, alice)
	if err != nil {
		t.Fatal(err)
	}
	s3 := sm3.Sum(signed)
	idx = append(idx, add(intent, alice), add(&chain.ContractSigned{Contract: contract, DocSM3: cc.DocSM3, SignedDocSM3: s3[:]}, alice),
		add(&chain.ContractCompleted{Contract: contract}, nil))
	b, err := s.Bundle(evidence.Subject{ContractID: contract}, idx)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := evidence.ParseTrust(s.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	return &ofdBundle{bundle: b, trust: trust, unsigned: doc, file: signed}
}

// TestContractPagesOFD makes an evidence report for an OFD contract with
// its pages drawn, verifies it, and renders it for a person to look at.
func TestContractPagesOFD(t *testing.T) {
	ob := newOFDBundle(t)
	v, err := evidence.NewVerifier(ob.trust)
	if err != nil {
		t.Fatal(err)
	}
	res := v.Verify(ob.bundle, nil)
	if !res.OK {
		t.Fatalf("bundle: %v", res.Failed())
	}
	ca, key, cert := newIssuer(t, "notary", "北京市某某公证处")
	trust := *ob.trust
	trust.Orgs = append(append([]*chain.Org{}, ob.trust.Orgs...), &chain.Org{ID: "notary", Name: "北京市某某公证处", Role: chain.RoleNotary, CACert: ca.Cert.Raw, Weight: 1})
	opts := Options{IssuerOrg: Issuer{ID: "notary", Name: "北京市某某公证处"}, Now: testNow, VerifyURL: testVerifyURL,
		Key: key, Cert: cert, Chain: [][]byte{ca.Cert.Raw}, Trust: &trust,
		Contract: ob.file, Pages: rendererFunc(ofdrender.PNG)}
	out, err := Make(ob.bundle, res, opts)
	if err != nil {
		t.Fatal(err)
	}
	vr, err := Verify(out, &trust, testNow.Add(time.Hour))
	if err != nil || !vr.OK {
		t.Fatalf("Verify: %v %+v", err, vr)
	}
	all := reportText(t, out)
	for _, want := range []string{"合同文件页面 Contract file pages", "OFD 文件共 3 页", "第 1 页 Page 1", "第 3 页 Page 3", "未绘制 Not drawn",
		"font 宋体 (ID 1) is not embedded"} {
		if !strings.Contains(all, want) {
			t.Errorf("report text lacks %q", want)
		}
	}

	// The unsigned file is named by the bundle too; another file is not.
	opts.Contract = ob.unsigned
	if _, err := Make(ob.bundle, res, opts); err != nil {
		t.Errorf("unsigned contract: %v", err)
	}
	opts.Contract = append([]byte(nil), ob.file...)
	opts.Contract[len(opts.Contract)-30] ^= 1
	if _, err := Make(ob.bundle, res, opts); err == nil || !strings.Contains(err.Error(), "not a document the bundle names") {
		t.Errorf("changed contract: %v", err)
	}
	// No renderer: the report says so.
	opts.Contract, opts.Pages = ob.file, nil
	noR, err := Make(ob.bundle, res, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reportText(t, noR), "OFD 页面未绘制") {
		t.Error("no renderer: the report does not say the pages were not drawn")
	}

	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Skip("pdftoppm not installed")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, out, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "2", in, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	if *contractPagesPNG != "" {
		matches, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
		for i, m := range matches {
			b, _ := os.ReadFile(m)
			_ = os.WriteFile(strings.TrimSuffix(*contractPagesPNG, ".png")+"-"+string(rune('1'+i))+".png", b, 0o644)
		}
	}
}

type rendererFunc func(ctx context.Context, ofdFile []byte, page int, dpi float64) ([]byte, []string, error)

func (f rendererFunc) PNG(ctx context.Context, ofdFile []byte, page int, dpi float64) ([]byte, []string, error) {
	return f(ctx, ofdFile, page, dpi)
}

func reportText(t *testing.T, doc []byte) string {
	t.Helper()
	ctx, err := readPDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	text, err := pageText(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return text
}
