package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow/identity"
)

// judicialNode is one organisation of the judicial testnet: its node (nil
// for an organisation without one) and a client signing as it.
type judicialNode struct {
	org  string
	home string
	n    *Node
	c    *client.Client // to its own node, signed with its credential
}

// TestJudicial runs institution cases end to end on a testnet of court,
// notary, arbitration and platform validators and an appraisal observer,
// with [api] auth = signed, plus a second notary office in the genesis
// whose node never runs: a contract signed through the platform's workflow;
// a notarisation applied for, accepted and issued, the certificate fetched
// from the court's node and verified offline, an edited copy refused; the
// other notary's staff refused; a rejected, a withdrawn and a repeated
// application; an appraisal commissioned by the court, accepted and
// issued, the opinion seen through the court's own node.
func TestJudicial(t *testing.T) {
	if testing.Short() {
		t.Skip("five in-process nodes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const chainID = "judicial-test"
	dir := t.TempDir()
	base := freeBase(t, 6)
	homes, err := nodehome.Testnet(nodehome.TestnetOptions{Out: dir, ChainID: chainID, BasePort: base,
		BlockInterval: 50 * time.Millisecond,
		Validators:    []string{"court", "notary", "arbitration", "platform"},
		Observers:     []string{"appraisal", "notary-2"}})
	if err != nil {
		t.Fatal(err)
	}
	net := map[string]*judicialNode{}
	apiOf := map[string]string{}
	for _, tn := range homes {
		apiOf[tn.Org] = "http://" + tn.API
		cfg, err := config.Load(tn.Home)
		if err != nil {
			t.Fatal(err)
		}
		if tn.Org != "notary-2" && cfg.Institution.Peers["platform"] == "" && tn.Org != "platform" {
			t.Fatalf("%s: testnet wrote no [institution] peers: %v", tn.Org, cfg.Institution.Peers)
		}
		cfg.API.Auth = config.AuthSigned
		cfg.Log.Level = "error"
		if tn.Org == "platform" {
			withWorkflow(cfg)
			cfg.Workflow.OTPCooldown = config.Duration{}
		}
		if err := cfg.Save(tn.Home); err != nil {
			t.Fatal(err)
		}
	}
	for _, tn := range homes {
		j := &judicialNode{org: tn.Org, home: tn.Home}
		net[tn.Org] = j
		if tn.Org == "notary-2" {
			continue // in the genesis, no node
		}
		n, err := New(tn.Home, apiContract(t), WithLogger(NewLogger(discard{}, config.Log{Level: "error", Format: "text"})))
		if err != nil {
			t.Fatalf("%s: %v", tn.Org, err)
		}
		sctx, scancel := context.WithTimeout(ctx, time.Minute)
		err = n.Start(sctx)
		scancel()
		if err != nil {
			t.Fatalf("%s: start: %v", tn.Org, err)
		}
		t.Cleanup(func() { n.Stop() })
		j.n = n
	}
	for org, j := range net {
		target := org
		if org == "notary-2" {
			target = "notary" // its staff try the notary office's node
		}
		h := nodehome.Home(j.home)
		sub, err := client.LoadSubmitter(chainID, org, h.SubmitterCert(), h.SubmitterKey())
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.New(apiOf[target], nil)
		if err != nil {
			t.Fatal(err)
		}
		j.c = c.WithRequestSigner(chainID, sub.Cert, sub.Key)
	}
	court, notary, platform, appraisal, arbitration, notary2 := net["court"], net["notary"], net["platform"], net["appraisal"], net["arbitration"], net["notary-2"]

	// A contract signed through the platform's workflow.
	wf := newWFCore(t, apiOf["platform"], nodehome.Home(platform.home))
	zhang := wf.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	li := wf.person("李四", identity.DevPassIDNumber2, "13800138001")
	contract, toks := wf.contract("sequential", nil, zhang, li)
	wf.sign(toks[0], contract, 0)
	wf.sign(toks[1], contract, 1)
	wf.settled(contract)
	for _, j := range []*judicialNode{court, notary, appraisal} {
		nodetest.WaitFor(t, 30*time.Second, j.org+" has the signed contract", func() bool {
			k, ok, _ := j.n.Store().View().Contract(contract)
			return ok && k.Status == chain.StatusCompleted
		})
	}

	// No case yet: the notary office no longer sees the platform's evidence.
	_, err = notary.c.Evidence(ctx, "contract_id", contract)
	wantAPIStatus(t, "notary's evidence query before any case", err, http.StatusForbidden)

	// Apply; the notary office sees it in its inbox and opens the evidence.
	na, err := platform.c.ApplyNotarization(ctx, client.NotarizationRequest{ContractID: contract, NotaryOrg: "notary",
		Scope: []string{"contract", "signed_pdf", "timeline"}, Purpose: "litigation", PurposeText: "合同纠纷诉讼举证"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if na.Status != "pending" || na.Applicant != "platform" || na.Institution != "notary" || na.Purpose != "litigation" || len(na.Scope) != 3 {
		t.Fatalf("application: %+v", na)
	}
	waitCase(t, notary, na.ID, "pending")
	inbox, err := notary.c.Inbox(ctx, "pending", "notarization")
	if err != nil || !slices.ContainsFunc(inbox, func(c client.Case) bool { return c.ID == na.ID }) {
		t.Fatalf("notary inbox: %v %+v", err, inbox)
	}
	if _, err := notary.c.Evidence(ctx, "contract_id", contract); err != nil {
		t.Fatalf("notary's evidence query with a pending case: %v", err)
	}
	// Its records by time: the case's contract's, its own, nobody else's.
	var page struct {
		Records []struct {
			Record evidence.RecordView `json:"record"`
		} `json:"records"`
	}
	raw, err := notary.c.Get(ctx, "/v1/records?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=1000")
	if err != nil || json.Unmarshal(raw, &page) != nil {
		t.Fatalf("notary's records by time: %v", err)
	}
	seen := 0
	for _, r := range page.Records {
		if r.Record.ContractID == contract {
			seen++
		} else if r.Record.Org != "notary" {
			t.Fatalf("notary sees record %d of %q (contract %q)", r.Record.Index, r.Record.Org, r.Record.ContractID)
		}
	}
	if seen == 0 {
		t.Fatal("notary's records by time hold none of the case's contract")
	}
	if _, err := notary.c.CaseBundle(ctx, na.ID); err != nil {
		t.Fatalf("notary: case bundle: %v", err)
	}
	signed, err := notary.c.CaseSignedPDF(ctx, na.ID, 64<<20)
	if err != nil {
		t.Fatalf("notary: signed PDF through the platform's node: %v", err)
	}
	if len(signed) < 1000 || !bytes.HasPrefix(signed, []byte("%PDF")) {
		t.Fatalf("signed PDF: %d bytes", len(signed))
	}

	// Another notary office's staff: refused everywhere.
	_, err = notary2.c.CaseView(ctx, na.ID)
	wantAPIStatus(t, "notary-2 views the case", err, http.StatusForbidden)
	_, err = notary2.c.Inbox(ctx, "", "")
	wantAPIStatus(t, "notary-2 lists the notary's inbox", err, http.StatusForbidden)
	_, err = notary2.c.DecideCase(ctx, na.ID, "accept", "")
	wantAPIStatus(t, "notary-2 decides", err, http.StatusForbidden)
	_, err = notary2.c.Evidence(ctx, "contract_id", contract)
	wantAPIStatus(t, "notary-2 queries the evidence", err, http.StatusForbidden)
	_, err = notary2.c.CaseSignedPDF(ctx, na.ID, 64<<20)
	wantAPIStatus(t, "notary-2 fetches the signed PDF", err, http.StatusForbidden)

	// A staff member of the notary office with her own API credential
	// (cert_issued) accepts and issues: staff_cert and notary_cert are hers.
	staff := staffClient(ctx, t, notary, apiOf["notary"], chainID)
	acc, err := staff.c.DecideCase(ctx, na.ID, "accept", "")
	if err != nil || acc.Status != "accepted" || acc.DecidedIn == nil {
		t.Fatalf("accept: %v %+v", err, acc)
	}
	iss, err := staff.c.IssueCase(ctx, na.ID, client.IssueRequest{})
	if err != nil {
		t.Fatalf("issue: %v", err)
	}
	if iss.Case.Status != "issued" || iss.Number == "" || iss.DocumentSM3 != iss.Case.DocumentSM3 || iss.TxHash == "" {
		t.Fatalf("issued: %+v", iss)
	}
	waitCase(t, court, na.ID, "issued")

	// The court fetches the certificate through its own node (from the
	// notary's) and verifies it offline.
	cert, err := court.c.CaseDocument(ctx, na.ID, 64<<20)
	if err != nil {
		t.Fatalf("court: the certificate: %v", err)
	}
	if s := sm3.Sum(cert); hex.EncodeToString(s[:]) != iss.DocumentSM3 {
		t.Fatal("the certificate's SM3 is not the recorded one")
	}
	trust := judicialTrust(t, platform.home)
	issuance := issuanceBundle(ctx, t, court, iss.DocumentSM3)
	if err := verifyIssued(cert, trust, issuance); err != nil {
		t.Fatalf("the certificate does not verify offline: %v", err)
	}
	edited := bytes.Clone(cert)
	if i := bytes.Index(edited, []byte("/Producer")); i > 0 {
		edited[i+1] = 'p'
	} else {
		edited[len(edited)/2] ^= 0x01
	}
	if err := verifyIssued(edited, trust, issuance); err == nil || !strings.Contains(err.Error(), "document_signature") {
		t.Fatalf("an edited certificate: %v, want its signature refused", err)
	}
	// The case's records: applied, decided, issued, the staff member's.
	view, err := arbitration.c.CaseView(ctx, na.ID)
	if err != nil || len(view.Records) != 3 {
		t.Fatalf("arbitration views the case: %v, %d records", err, len(view.Records))
	}
	for _, raw := range view.Records[1:] {
		var rv evidence.RecordView
		if err := json.Unmarshal(raw, &rv); err != nil {
			t.Fatal(err)
		}
		fp := rv.Body["staff_cert"]
		if fp == nil {
			fp = rv.Body["notary_cert"]
		}
		if fp != staff.fp {
			t.Fatalf("%s names %v, want the staff member's %s", rv.Type, fp, staff.fp)
		}
	}
	// The platform still sees its own contract's whole evidence, the
	// notary staff's certificate record included.
	if _, err := platform.c.Evidence(ctx, "contract_id", contract); err != nil {
		t.Fatalf("the platform's evidence of its own contract after the case: %v", err)
	}

	// A rejected application, its reason recorded.
	rej, err := platform.c.ApplyNotarization(ctx, client.NotarizationRequest{ContractID: contract, NotaryOrg: "notary",
		Scope: []string{"contract"}, Purpose: "preservation"})
	if err != nil {
		t.Fatal(err)
	}
	waitCase(t, notary, rej.ID, "pending")
	if got, err := notary.c.DecideCase(ctx, rej.ID, "reject", "材料不全"); err != nil || got.Status != "rejected" || got.Reason != "材料不全" {
		t.Fatalf("reject: %v %+v", err, got)
	}
	_, err = notary.c.IssueCase(ctx, rej.ID, client.IssueRequest{})
	wantAPIStatus(t, "issue a rejected case", err, http.StatusConflict)

	// A withdrawn one (only by its applicant), then a new application.
	wd, err := platform.c.ApplyNotarization(ctx, client.NotarizationRequest{ContractID: contract, NotaryOrg: "notary",
		Scope: []string{"contract", "timeline"}, Purpose: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := platform.c.WithdrawNotarization(ctx, wd.ID, "已和解"); err != nil || got.Status != "withdrawn" || got.ClosedIn == nil {
		t.Fatalf("withdraw: %v %+v", err, got)
	}
	again, err := platform.c.ApplyNotarization(ctx, client.NotarizationRequest{ContractID: contract, NotaryOrg: "notary",
		Scope: []string{"contract", "timeline"}, Purpose: "other"})
	if err != nil || again.Status != "pending" || again.ID == wd.ID {
		t.Fatalf("re-application: %v %+v", err, again)
	}
	waitCase(t, notary, again.ID, "pending")
	_, err = notary.c.Post(ctx, "/v1/notarizations/"+again.ID+"/withdraw", "application/json", []byte(`{"reason":"x"}`))
	wantAPIStatus(t, "the notary withdraws the platform's application", err, http.StatusForbidden)

	// An appraisal commissioned by the court.
	ac, err := court.c.CommissionAppraisal(ctx, client.AppraisalRequest{ContractID: contract, AppraisalOrg: "appraisal",
		Items: []string{"bundle", "pdf_signature", "certificates", "intent", "time"}, MattersText: "涉案电子合同数据是否完整、未被篡改"})
	if err != nil {
		t.Fatalf("commission: %v", err)
	}
	if ac.Kind != "appraisal" || len(ac.Items) != 5 {
		t.Fatalf("commission: %+v", ac)
	}
	waitCase(t, appraisal, ac.ID, "pending")
	if cs, err := appraisal.c.Inbox(ctx, "pending", "appraisal"); err != nil || len(cs) != 1 || cs[0].ID != ac.ID {
		t.Fatalf("appraisal inbox: %v %+v", err, cs)
	}
	if _, err := appraisal.c.CaseSignedPDF(ctx, ac.ID, 64<<20); err != nil {
		t.Fatalf("appraisal: the signed PDF: %v", err)
	}
	if got, err := appraisal.c.DecideCase(ctx, ac.ID, "accept", ""); err != nil || got.Status != "accepted" {
		t.Fatalf("appraisal accepts: %v %+v", err, got)
	}
	op, err := appraisal.c.IssueCase(ctx, ac.ID, client.IssueRequest{Notes: "经检验，证据包哈希链完整。", Conclusion: "intact"})
	if err != nil || op.Case.Status != "issued" {
		t.Fatalf("appraisal issues: %v %+v", err, op)
	}
	waitCase(t, court, ac.ID, "issued")
	opinion, err := court.c.CaseDocument(ctx, ac.ID, 64<<20)
	if err != nil {
		t.Fatalf("court: the opinion through its own node: %v", err)
	}
	if s := sm3.Sum(opinion); hex.EncodeToString(s[:]) != op.DocumentSM3 {
		t.Fatal("the opinion's SM3 is not the recorded one")
	}
	if err := verifyIssued(opinion, trust, issuanceBundle(ctx, t, court, op.DocumentSM3)); err != nil {
		t.Fatalf("the opinion does not verify offline: %v", err)
	}
	// Every view was audited on chain: the notary's (case, bundle, signed
	// PDF, inbox) and the notary's node's own fetch from the platform's.
	nodetest.WaitFor(t, 30*time.Second, "the views' query_logged records", func() bool {
		byOrg := queriesBy(t, court.n)
		return byOrg["notary"] >= 4 && byOrg["court"] >= 2 && byOrg["appraisal"] >= 2
	})
	t.Logf("certificate %s (%d bytes), opinion %s (%d bytes)", iss.Number, len(cert), op.Number, len(opinion))
	if err := os.WriteFile(filepath.Join(dir, "opinion.pdf"), opinion, 0o600); err != nil {
		t.Fatal(err)
	}
}

// waitCase waits until j's node has case id with status.
func waitCase(t *testing.T, j *judicialNode, id, status string) {
	t.Helper()
	nodetest.WaitFor(t, 30*time.Second, j.org+" sees case "+id+" "+status, func() bool {
		cs, ok, _ := j.n.Store().View().Case(id)
		return ok && cs.Status.String() == status
	})
}

func wantAPIStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Status != status {
		t.Fatalf("%s: %v, want HTTP %d", what, err, status)
	}
}

func judicialTrust(t *testing.T, home string) *evidence.Trust {
	t.Helper()
	gen, err := os.ReadFile(nodehome.Home(home).Genesis())
	if err != nil {
		t.Fatal(err)
	}
	trust, err := evidence.ParseTrust(gen)
	if err != nil {
		t.Fatal(err)
	}
	return trust
}

// queriesBy counts the query_logged records on n's chain by caller org.
func queriesBy(t *testing.T, n *Node) map[string]int {
	t.Helper()
	view := n.Store().View()
	out := map[string]int{}
	for i := range n.Store().Last().LogSize {
		leaf, err := view.Entry(i)
		if err != nil {
			t.Fatal(err)
		}
		_, tx, err := evidence.Describe(leaf)
		if err != nil {
			t.Fatal(err)
		}
		if q, ok := tx.Body.(*chain.QueryLogged); ok {
			out[q.CallerOrg]++
		}
	}
	return out
}

// issuanceBundle fetches, through j's node, the bundle of the records
// naming document SM3 doc: the *_issued record.
func issuanceBundle(ctx context.Context, t *testing.T, j *judicialNode, doc string) *evidence.Bundle {
	t.Helper()
	raw, err := j.c.Evidence(ctx, "doc_hash", doc)
	if err != nil {
		t.Fatalf("%s: evidence of document %s: %v", j.org, doc, err)
	}
	b, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// staffMember is an institution's staff member with her own credential.
type staffMember struct {
	c  *client.Client
	fp string
}

// staffClient registers a new API credential of j's organisation on chain
// (cert_issued) and returns a client to addr signing with it.
func staffClient(ctx context.Context, t *testing.T, j *judicialNode, addr, chainID string) staffMember {
	t.Helper()
	h := nodehome.Home(j.home)
	ca, err := signer.LoadCA(h.CACert(), h.CAKey())
	if err != nil {
		t.Fatal(err)
	}
	k, err := signer.GenerateKey(signer.AlgSM2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	nb := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: j.org + "-staff-1", Usage: signer.UsageSubmitter, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := client.LoadSubmitter(chainID, j.org, h.SubmitterCert(), h.SubmitterKey())
	if err != nil {
		t.Fatal(err)
	}
	tx, err := sub.Build(&chain.CertIssued{Cert: der}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.c.Submit(ctx, tx, true); err != nil {
		t.Fatalf("%s: register a staff credential: %v", j.org, err)
	}
	c, err := client.New(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return staffMember{c: c.WithRequestSigner(chainID, der, k), fp: chain.FingerprintOf(der).String()}
}
