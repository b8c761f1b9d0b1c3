package app

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

func TestIdentity(t *testing.T) {
	for _, require := range []bool{false, true} {
		t.Run(map[bool]string{false: "identity optional", true: "identity required"}[require], func(t *testing.T) {
			net := fixture.New(t, testChain)
			org := net.Orgs[0]
			h := &harness{t: t, dir: t.TempDir(), time: fixture.Epoch.Add(time.Hour)}
			h.open()
			var gs chain.GenesisState
			json.Unmarshal(net.GenesisState(t), &gs)
			gs.RequireIdentity = require
			state, _ := json.Marshal(gs)
			if _, err := h.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch, AppStateBytes: state}); err != nil {
				t.Fatal(err)
			}
			step := func(name string, tx []byte, want uint32, field string) {
				t.Helper()
				r := h.one(tx)
				if want == CodeOK {
					if r.Code != CodeOK {
						t.Fatalf("%s: code %d %s", name, r.Code, r.Log)
					}
					return
				}
				checkRejection(t, name, r.Code, r.Codespace, r.Log, want, field)
			}
			idv, ref := org.Identity(t, "张三", "110101199003078515", "13800138000")
			bound := org.SignerFor(t, signer.AlgSM2, ref)
			_, unknownRef := org.Identity(t, "李四", "x", "y")
			stranger := org.SignerFor(t, signer.AlgSM2, unknownRef)

			step("cert before its identity", org.Tx(t, &chain.CertIssued{Cert: bound.Cert}, nil), CodeUnknownIdentity, "body.identity_ref")
			step("identity verified", org.Tx(t, idv, nil), CodeOK, "")
			step("identity again", org.Tx(t, idv, nil), CodeDuplicate, "body.identity_ref")
			step("cert bound to the identity", org.Tx(t, &chain.CertIssued{Cert: bound.Cert}, nil), CodeOK, "")
			step("cert bound to an unverified identity", org.Tx(t, &chain.CertIssued{Cert: stranger.Cert}, nil), CodeUnknownIdentity, "body.identity_ref")
			other := org.SignerFor(t, signer.AlgSM2, ref)
			step("record names another commitment than the cert", org.Tx(t, &chain.CertIssued{Cert: other.Cert, IdentityRef: unknownRef}, nil), CodeInvalidField, "body.identity_ref")
			plain := org.Signer(t, signer.AlgSM2, time.Time{})
			if require {
				step("cert without identity", org.Tx(t, &chain.CertIssued{Cert: plain.Cert}, nil), CodeUnknownIdentity, "body.cert")
			} else {
				step("cert without identity", org.Tx(t, &chain.CertIssued{Cert: plain.Cert}, nil), CodeOK, "")
			}
			// An identity attested by an unregistered verifier is refused.
			k, _ := signer.GenerateKey(signer.AlgSM2, nil)
			vc, _ := org.CA.Issue(k.Public(), signer.IssueOptions{SubjectRef: "rogue", Usage: signer.UsageIntentVerifier, NotBefore: fixture.Epoch.Add(-time.Hour), NotAfter: fixture.Epoch.AddDate(1, 0, 0)}, nil)
			rogue, _ := org.Identity(t, "王五", "z", "w")
			rogue.VerifierCert = vc
			rogue.VerifierSig, _ = k.Sign(nil, rogue.AttestationBytes(testChain))
			step("unregistered identity verifier", org.Tx(t, rogue, nil), CodeUnknownVerifier, "body.verifier_cert")
		})
	}
}
