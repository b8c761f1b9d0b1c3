package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
)

// broadcastCommit sends tx through CometBFT's RPC broadcast_tx_commit and
// fails unless CheckTx and FinalizeBlock both answered code 0.
func broadcastCommit(ctx context.Context, t *testing.T, rpc string, tx []byte) {
	t.Helper()
	url := "http://" + strings.TrimPrefix(rpc, "tcp://") + "/broadcast_tx_commit?tx=0x" + hex.EncodeToString(tx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("broadcast_tx_commit: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Result struct {
			CheckTx struct {
				Code uint32 `json:"code"`
				Log  string `json:"log"`
			} `json:"check_tx"`
			TxResult struct {
				Code uint32 `json:"code"`
				Log  string `json:"log"`
			} `json:"tx_result"`
			Height string `json:"height"`
		} `json:"result"`
		Error json.RawMessage `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("broadcast_tx_commit: %v", err)
	}
	r := out.Result
	if len(out.Error) > 0 || r.CheckTx.Code != 0 || r.TxResult.Code != 0 || r.Height == "" || r.Height == "0" {
		t.Fatalf("batch not committed: error %s, check_tx %d %s, tx_result %d %s", out.Error, r.CheckTx.Code, r.CheckTx.Log, r.TxResult.Code, r.TxResult.Log)
	}
}

// TestEvidenceBatchedRecords: records committed in batches by a real node
// (rules version 2 from genesis) give a bundle that verifies offline; it
// carries the cert_issued of the credential that signed a batch (not of the
// genesis credential), each batched record shows its batch, and without
// that cert_issued the batch's records fail their signatures check.
func TestEvidenceBatchedRecords(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var rpc string
	n := newITNet(ctx, t, func(c *config.Config) { rpc = c.Consensus.RPCListen })

	alice, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-batched-alice")
	// A second credential, registered by cert_issued from the genesis one.
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	nb := time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
	credDER, err := n.ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "platform-batcher", Usage: signer.UsageSubmitter,
		NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	credIssued := n.commit(ctx, t, n.build(t, &chain.CertIssued{Cert: credDER}, nil))
	cred := &client.Submitter{ChainID: itChainID, Org: "platform", Cert: credDER, Key: k}

	doc := []byte("%PDF-1.4\n% a contract recorded in batches\n%%EOF\n")
	const contract = "batched-e2e-contract"
	item := func(sub *client.Submitter, body chain.Body, actor *client.Actor) *chain.Tx {
		it, err := sub.BuildItem(body, actor)
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	batch := func(sub *client.Submitter, items ...*chain.Tx) {
		raw, err := sub.BuildBatch(items)
		if err != nil {
			t.Fatal(err)
		}
		broadcastCommit(ctx, t, rpc, raw)
	}
	// The genesis credential batches the contract and its sending.
	batch(n.sub, item(n.sub, contractBody(contract, doc, alice), nil), item(n.sub, &chain.ContractSent{Contract: contract}, nil))
	n.intent(ctx, t, contract, alice) // standalone, between the batches
	d3 := sm3.Sum(doc)
	// The second credential batches the signature and the completion.
	batch(cred, item(cred, &chain.ContractSigned{Contract: contract, DocSM3: d3[:]}, alice), item(cred, &chain.ContractCompleted{Contract: contract}, nil))

	_, b := n.evidenceFor(ctx, t, doc)
	res := n.verifyAll(t, b, doc)
	var regs []string
	for _, r := range res.Records {
		if r.Batch != nil {
			regs = append(regs, fmt.Sprintf("%s %d/%d %s", r.Type, r.Batch.Index+1, r.Batch.Size, r.Batch.Registration))
		}
	}
	want := []string{"contract_created 1/2 genesis", "contract_sent 2/2 genesis", "contract_signed 1/2 cert_issued", "contract_completed 2/2 cert_issued"}
	if fmt.Sprint(regs) != fmt.Sprint(want) {
		t.Fatalf("batched records %v, want %v", regs, want)
	}
	at := slices.IndexFunc(b.Records, func(r evidence.Record) bool { return r.Index == *credIssued.LogIndex })
	if at < 0 {
		t.Fatalf("the bundle lacks the credential's cert_issued (record %d)", *credIssued.LogIndex)
	}

	// Without the credential's registration the second batch's records fail.
	b.Records = slices.Delete(b.Records, at, at+1)
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	res = v.Verify(b, doc)
	failed := strings.Join(res.Failed(), " ")
	for _, r := range b.Records {
		rv, tx, err := evidence.Describe(r.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("record[%d].signatures", rv.Index)
		if tx.Batched != nil && tx.Batched.Cert == chain.FingerprintOf(credDER) && !strings.Contains(failed, name) {
			t.Errorf("%s passed without the credential's registration", name)
		}
	}
}
