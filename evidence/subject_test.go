package evidence_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
)

func u64p(v uint64) *uint64 { return &v }

// TestVerifySubject: the subject check passes only for a subject the
// bundle's records are indexed under, spelled canonically, with a
// consistent page and consistency proof.
func TestVerifySubject(t *testing.T) {
	v := newVerifier(t, loadTrust(t))
	base := loadBundle(t)
	// Alice's certificate: records 0 (issued), 2 (her seal), 6 (intent), 7 (signature).
	alice := actorOf(t, base, recordOf(t, base, chain.TypeContractSigned, 0))
	sha := sha256.Sum256(readTestdata(t, contractFile))
	doc := base.Subject.DocHash
	tests := []struct {
		name    string
		subject evidence.Subject
		next    *uint64
		ok      bool
	}{
		{"fixture doc_hash (SM3)", evidence.Subject{DocHash: doc}, nil, true},
		{"doc_hash as the SHA-256", evidence.Subject{DocHash: hex.EncodeToString(sha[:])}, nil, true},
		{"doc_hash upper-case", evidence.Subject{DocHash: strings.ToUpper(doc)}, nil, false},
		{"doc_hash with 0x", evidence.Subject{DocHash: "0x" + doc}, nil, false},
		{"doc_hash of another document", evidence.Subject{DocHash: strings.Repeat("ab", 32)}, nil, false},
		{"doc_hash too short", evidence.Subject{DocHash: doc[:62]}, nil, false},
		{"contract", evidence.Subject{ContractID: "fixture-contract-1"}, nil, true},
		{"another contract", evidence.Subject{ContractID: "fixture-contract-2"}, nil, false},
		{"signer certificate", evidence.Subject{Cert: alice}, nil, true},
		{"unknown certificate", evidence.Subject{Cert: strings.Repeat("cd", 32)}, nil, false},
		{"no subject", evidence.Subject{}, nil, false},
		{"two kinds", evidence.Subject{DocHash: doc, ContractID: "fixture-contract-1"}, nil, false},
		{"page of two with next", evidence.Subject{Cert: alice, Limit: 2}, u64p(2), true},
		{"page of two, next too far", evidence.Subject{Cert: alice, Limit: 2}, u64p(6), false},
		{"page of two, next not a subject record", evidence.Subject{Cert: alice, Limit: 2}, u64p(1), false},
		{"last page after a cursor", evidence.Subject{Cert: alice, Limit: 2, After: u64p(2)}, nil, true},
		{"second page with next", evidence.Subject{Cert: alice, Limit: 1, After: u64p(2)}, u64p(6), true},
		{"limit below the records, no next", evidence.Subject{Cert: alice, Limit: 3}, nil, false},
		{"next without limit", evidence.Subject{Cert: alice}, u64p(2), false},
		{"cursor past every subject record", evidence.Subject{DocHash: doc, After: u64p(3)}, nil, false},
		{"negative limit", evidence.Subject{DocHash: doc, Limit: -1}, nil, false},
		{"since_size without a consistency proof", evidence.Subject{DocHash: doc, SinceSize: 3}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := loadBundle(t)
			b.Subject, b.Next = tc.subject, tc.next
			res := v.Verify(b, nil)
			if got := !strings.Contains(fmt.Sprint(res.Failed()), "subject"); got != tc.ok {
				t.Fatalf("subject check passed = %v, want %v: %s", got, tc.ok, detail(res, "subject"))
			}
			if res.OK != tc.ok {
				t.Fatalf("Verify OK = %v, want %v (failed %v)", res.OK, tc.ok, res.Failed())
			}
			if (res.Subject != nil) != tc.ok {
				t.Fatalf("Result.Subject = %v, want it set only when verified", res.Subject)
			}
		})
	}
}

// actorOf is the actor fingerprint of b.Records[i].
func actorOf(t testing.TB, b *evidence.Bundle, i int) string {
	t.Helper()
	v, _, err := evidence.Describe(b.Records[i].Leaf)
	if err != nil || v.Actor == "" {
		t.Fatalf("records[%d] has no actor (%v)", i, err)
	}
	return v.Actor
}

// TestVerifyCompleteness: records that the chain accepts only after others
// fail offline when those are left out, each with a named check.
func TestVerifyCompleteness(t *testing.T) {
	v := newVerifier(t, loadTrust(t))
	base := loadBundle(t)
	rec := func(typ chain.Type, n int) int { return recordOf(t, base, typ, n) }
	name := func(i int, check string) string { return fmt.Sprintf("record[%d].%s", base.Records[i].Index, check) }
	tests := []struct {
		name string
		drop int
		want string
	}{
		{"contract_created", rec(chain.TypeContractCreated, 0), name(rec(chain.TypeContractSigned, 0), "contract")},
		{"first signature of a sequential contract", rec(chain.TypeContractSigned, 0), name(rec(chain.TypeContractSigned, 1), "contract")},
		{"last signature before completion", rec(chain.TypeContractSigned, 1), name(rec(chain.TypeContractCompleted, 0), "contract")},
		{"contract_sent before a view", rec(chain.TypeContractSent, 0), name(rec(chain.TypeContractViewed, 0), "contract")},
		{"seal registration", rec(chain.TypeSealRegistered, 0), name(rec(chain.TypeContractSigned, 0), "signatures")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := loadBundle(t)
			b.Records = append(b.Records[:tc.drop:tc.drop], b.Records[tc.drop+1:]...)
			res := v.Verify(b, nil)
			if res.OK || !strings.Contains(" "+strings.Join(res.Failed(), " ")+" ", " "+tc.want+" ") {
				t.Fatalf("failed %v, want %s among them", res.Failed(), tc.want)
			}
		})
	}
}

// TestVerifyUnregisteredVerifier: an attestation whose verifier the trusted
// genesis does not list, with no passed register_verifier proposal in the
// bundle, fails record[i].verifier.
func TestVerifyUnregisteredVerifier(t *testing.T) {
	tr := loadTrust(t)
	tr.Verifiers = nil
	b := loadBundle(t)
	res := newVerifier(t, tr).Verify(b, nil)
	for _, typ := range []int{0, 1} {
		i := recordOf(t, b, chain.TypeIntentVerified, typ)
		want := fmt.Sprintf("record[%d].verifier", b.Records[i].Index)
		if !strings.Contains(fmt.Sprint(res.Failed()), want) {
			t.Errorf("failed %v, want %s", res.Failed(), want)
		}
	}
	if len(res.Records) != len(b.Records)-2 {
		t.Errorf("Result.Records has %d records, want the %d whose checks passed", len(res.Records), len(b.Records)-2)
	}
}

// TestVerifyUntrustedShowsNothing: when the checkpoint is not signed by the
// trusted validators, the result carries no record, subject or anchor, only
// the checks.
func TestVerifyUntrustedShowsNothing(t *testing.T) {
	res := newVerifier(t, otherGenesisTrust(t)).Verify(loadBundle(t), readTestdata(t, contractFile))
	if res.OK || evidence.SignedByTrusted(res) {
		t.Fatalf("OK %v, signed by trusted %v; want neither", res.OK, evidence.SignedByTrusted(res))
	}
	if len(res.Records) != 0 || res.Subject != nil || len(res.Anchors) != 0 {
		t.Fatalf("untrusted result shows %d records, subject %v, %d anchors", len(res.Records), res.Subject, len(res.Anchors))
	}
	if good := newVerifier(t, loadTrust(t)).Verify(loadBundle(t), nil); !evidence.SignedByTrusted(good) || good.Subject == nil || len(good.Records) != 12 {
		t.Fatalf("trusted result: signed %v, subject %v, %d records", evidence.SignedByTrusted(good), good.Subject, len(good.Records))
	}
}
