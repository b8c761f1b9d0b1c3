package identity

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

const chainID = "identity-test"

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newVerifier(t *testing.T, production bool, opts ...Option) (*Verifier, *fixture.Org, *clock, *DevBank) {
	t.Helper()
	org := fixture.New(t, chainID).Orgs[0]
	clk := &clock{fixture.Epoch.Add(time.Hour)}
	bank := &DevBank{}
	opts = append([]Option{WithProvider(DevProvider{}), WithBank(bank), WithClock(clk.now),
		WithRand(rand.NewChaCha8([32]byte{7}))}, opts...)
	v, err := New(chainID, &chain.GenesisState{Production: production}, org.VerifierKey, org.VerifierCert, opts...)
	require.NoError(t, err)
	return v, org, clk, bank
}

func person(id, phone string) *Person {
	return &Person{Name: "张三", IDNumber: id, Phone: phone, Face: []byte("jpeg bytes")}
}

func company(code string) *Enterprise {
	return &Enterprise{Name: "北京示例科技有限公司", CreditCode: code, Agent: person(DevPassIDNumber2, DevPassPhone),
		LegalRep: &Person{Name: "王五", IDNumber: DevPassIDNumber, Phone: DevPassPhone},
		Account:  &Account{Name: "北京示例科技有限公司", Number: "110012345678", Bank: "示例银行"}}
}

// checkAttestation checks what the chain checks: the body validates, the
// verifier signature is over AttestationBytes for the chain id, and the
// commitment opens with the salt and fields.
func checkAttestation(t *testing.T, org *fixture.Org, at *Attestation, req *Request, wantAt time.Time) {
	t.Helper()
	r := at.Record
	require.NoError(t, r.Validate())
	require.Equal(t, req.Method, r.Method)
	require.Equal(t, req.Subject(), r.Subject)
	require.Equal(t, wantAt.UnixMilli(), r.VerifiedAt)
	require.Equal(t, org.VerifierCert, r.VerifierCert)
	cert, err := signer.ParseCertificate(r.VerifierCert)
	require.NoError(t, err)
	require.NoError(t, signer.Verify(cert.PublicKey, r.AttestationBytes(chainID), r.VerifierSig))
	require.Error(t, signer.Verify(cert.PublicKey, r.AttestationBytes("other-chain"), r.VerifierSig))
	ref, err := signer.IdentityCommitment(at.Salt, at.Fields...)
	require.NoError(t, err)
	require.Equal(t, ref[:], r.IdentityRef)
	require.Equal(t, req.fields(), at.Fields)
	require.True(t, at.DevOnly)
	// The body makes a well-formed transaction.
	require.NotEmpty(t, org.Tx(t, r, nil))
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name     string
		req      *Request
		rejected bool
		field    string
	}{
		{"carrier pass", &Request{Method: chain.IdentityCarrier3Factor, Person: person(DevPassIDNumber, DevPassPhone)}, false, ""},
		{"carrier reject id", &Request{Method: chain.IdentityCarrier3Factor, Person: person(DevRejectIDNumber, DevPassPhone)}, true, ""},
		{"carrier reject phone", &Request{Method: chain.IdentityCarrier3Factor, Person: person(DevPassIDNumber, DevRejectPhone)}, true, ""},
		{"face pass", &Request{Method: chain.IdentityFace, Person: person(DevPassIDNumber2, DevRejectPhone)}, false, ""},
		{"face reject", &Request{Method: chain.IdentityFace, Person: &Person{Name: "张三", IDNumber: DevPassIDNumber, Phone: DevPassPhone, Face: []byte(DevRejectFace)}}, true, ""},
		{"face missing image", &Request{Method: chain.IdentityFace, Person: &Person{Name: "张三", IDNumber: DevPassIDNumber, Phone: DevPassPhone}}, false, "person.face"},
		{"bad id check digit", &Request{Method: chain.IdentityCarrier3Factor, Person: person("110105194912310021", DevPassPhone)}, false, "person.id_number"},
		{"bad phone", &Request{Method: chain.IdentityCarrier3Factor, Person: person(DevPassIDNumber, "2380013800")}, false, "person.phone"},
		{"empty name", &Request{Method: chain.IdentityCarrier3Factor, Person: &Person{IDNumber: DevPassIDNumber, Phone: DevPassPhone}}, false, "person.name"},
		{"person method for company", &Request{Method: chain.IdentityFace, Enterprise: company(DevPassCreditCode)}, false, "method"},
		{"company method for person", &Request{Method: chain.IdentityBusinessRegistry, Person: person(DevPassIDNumber, DevPassPhone)}, false, "method"},
		{"both subjects", &Request{Method: chain.IdentityFace, Person: person(DevPassIDNumber, DevPassPhone), Enterprise: company(DevPassCreditCode)}, false, "request"},
		{"registry pass", &Request{Method: chain.IdentityBusinessRegistry, Enterprise: company(DevPassCreditCode)}, false, ""},
		{"registry reject", &Request{Method: chain.IdentityBusinessRegistry, Enterprise: company(DevRejectCreditCode)}, true, ""},
		{"bad credit code", &Request{Method: chain.IdentityBusinessRegistry, Enterprise: company("91110000MA0000001X")}, false, "enterprise.credit_code"},
		{"agent pass", &Request{Method: chain.IdentityAgentCheck, Enterprise: company(DevPassCreditCode)}, false, ""},
		{"agent reject", &Request{Method: chain.IdentityAgentCheck, Enterprise: func() *Enterprise {
			e := company(DevPassCreditCode)
			e.Agent.Phone = DevRejectPhone
			return e
		}()}, true, ""},
		{"agent missing", &Request{Method: chain.IdentityAgentCheck, Enterprise: func() *Enterprise {
			e := company(DevPassCreditCode)
			e.Agent = nil
			return e
		}()}, false, "enterprise.agent"},
		{"legal rep pass", &Request{Method: chain.IdentityLegalRepAuth, Enterprise: company(DevPassCreditCode)}, false, ""},
		{"legal rep not registered", &Request{Method: chain.IdentityLegalRepAuth, Enterprise: func() *Enterprise {
			e := company(DevPassCreditCode)
			e.LegalRep.Name = DevRejectLegalRep
			return e
		}()}, true, ""},
		{"legal rep unknown company", &Request{Method: chain.IdentityLegalRepAuth, Enterprise: company(DevRejectCreditCode)}, true, ""},
		{"deposit is two steps", &Request{Method: chain.IdentityBankTransfer, Enterprise: company(DevPassCreditCode)}, false, "method"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, org, clk, _ := newVerifier(t, false)
			at, err := v.Verify(context.Background(), tc.req)
			switch {
			case tc.field != "":
				var fe *FieldError
				require.ErrorAs(t, err, &fe)
				require.Equal(t, tc.field, fe.Field)
			case tc.rejected:
				require.ErrorIs(t, err, ErrRejected)
				require.Nil(t, at)
			default:
				require.NoError(t, err)
				checkAttestation(t, org, at, tc.req, clk.t)
			}
		})
	}
}

func TestFreshSaltPerAttestation(t *testing.T) {
	v, _, _, _ := newVerifier(t, false)
	req := &Request{Method: chain.IdentityCarrier3Factor, Person: person(DevPassIDNumber, DevPassPhone)}
	a, err := v.Verify(context.Background(), req)
	require.NoError(t, err)
	b, err := v.Verify(context.Background(), req)
	require.NoError(t, err)
	require.NotEqual(t, a.Salt, b.Salt)
	require.NotEqual(t, a.Record.IdentityRef, b.Record.IdentityRef, "commitments are unlinkable")
}

func TestProductionRefusesDevProviders(t *testing.T) {
	org := fixture.New(t, chainID).Orgs[0]
	prod := &chain.GenesisState{Production: true}
	tests := []struct {
		name string
		opts []Option
		ok   bool
	}{
		{"dev provider", []Option{WithProvider(DevProvider{})}, false},
		{"dev bank", []Option{WithBank(&DevBank{})}, false},
		{"no dev parts", []Option{WithProvider(realProvider{})}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := New(chainID, prod, org.VerifierKey, org.VerifierCert, tc.opts...)
			if tc.ok {
				require.NoError(t, err)
				require.False(t, v.DevOnly())
				return
			}
			require.ErrorIs(t, err, ErrDevOnly)
		})
	}
}

// realProvider stands in for a production provider: not DevOnly.
type realProvider struct{}

func (realProvider) Methods() []chain.IdentityMethod {
	return []chain.IdentityMethod{chain.IdentityFace}
}
func (realProvider) DevOnly() bool { return false }
func (realProvider) Check(context.Context, *Request) error {
	return errors.New("no face service in tests")
}

func TestNewChecks(t *testing.T) {
	net := fixture.New(t, chainID)
	org := net.Orgs[0]
	gs := &chain.GenesisState{}
	signerCert := org.Signer(t, signer.AlgSM2, time.Time{})
	tests := []struct {
		name string
		key  Key
		cert []byte
		opts []Option
		want string
	}{
		{"wrong usage", signerCert.Key, signerCert.Cert, nil, "intent-verifier"},
		{"key mismatch", signerCert.Key, org.VerifierCert, nil, "does not match"},
		{"two providers", org.VerifierKey, org.VerifierCert, []Option{WithProvider(DevProvider{}), WithProvider(realProvider{})}, "two providers"},
		{"bad deposit policy", org.VerifierKey, org.VerifierCert, []Option{WithDepositPolicy(0, time.Hour)}, "deposit policy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(chainID, gs, tc.key, tc.cert, tc.opts...)
			require.ErrorContains(t, err, tc.want)
		})
	}
	v, err := New(chainID, gs, org.VerifierKey, org.VerifierCert, WithProvider(realProvider{}))
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), &Request{Method: chain.IdentityCarrier3Factor, Person: person(DevPassIDNumber, DevPassPhone)})
	require.ErrorIs(t, err, ErrNoProvider)
	require.Equal(t, []chain.IdentityMethod{chain.IdentityFace}, v.Methods())
}

func TestDeposit(t *testing.T) {
	ctx := context.Background()
	req := &Request{Method: chain.IdentityBankTransfer, Enterprise: company(DevPassCreditCode)}
	type step struct {
		advance time.Duration
		amount  func(sent int64) int64
		want    error // nil: success
	}
	wrong := func(sent int64) int64 { return sent%99 + 1 } // never the sent amount (1..99)
	right := func(sent int64) int64 { return sent }
	tests := []struct {
		name  string
		steps []step
	}{
		{"right amount", []step{{0, right, nil}}},
		{"wrong then right", []step{{0, wrong, ErrRejected}, {0, wrong, ErrRejected}, {0, right, nil}}},
		{"attempts used up", []step{{0, wrong, ErrRejected}, {0, wrong, ErrRejected}, {0, wrong, ErrTooManyAttempts}, {0, right, ErrChallengeNotFound}}},
		{"expired", []step{{DefaultDepositTTL, right, ErrChallengeExpired}, {0, right, ErrChallengeNotFound}}},
		{"just before expiry", []step{{DefaultDepositTTL - time.Millisecond, right, nil}}},
		{"used challenge", []step{{0, right, nil}, {0, right, ErrChallengeNotFound}}},
	}
	for _, tc := range tests {
		for _, store := range []string{"memory", "pebble"} {
			t.Run(tc.name+"/"+store, func(t *testing.T) {
				var opts []Option
				if store == "pebble" {
					opts = append(opts, WithDepositStore(openDB(t, t.TempDir())))
				}
				v, org, clk, bank := newVerifier(t, false, opts...)
				ch, err := v.StartDeposit(ctx, req)
				require.NoError(t, err)
				require.Equal(t, DefaultDepositAttempts, ch.AttemptsLeft)
				require.Equal(t, clk.t.Add(DefaultDepositTTL), ch.ExpiresAt)
				sent, ok := bank.LastTransfer(req.Enterprise.Account.Number)
				require.True(t, ok)
				require.True(t, sent.AmountFen >= 1 && sent.AmountFen <= 99)
				for i, s := range tc.steps {
					clk.t = clk.t.Add(s.advance)
					at, err := v.ConfirmDeposit(ctx, ch.ID, s.amount(sent.AmountFen))
					if s.want != nil {
						require.ErrorIs(t, err, s.want, "step %d", i)
						continue
					}
					require.NoError(t, err, "step %d", i)
					checkAttestation(t, org, at, req, clk.t)
				}
			})
		}
	}
}

func TestDepositWrongAmountCounts(t *testing.T) {
	v, _, _, bank := newVerifier(t, false, WithDepositPolicy(2, time.Hour))
	req := &Request{Method: chain.IdentityBankTransfer, Enterprise: company(DevPassCreditCode)}
	ch, err := v.StartDeposit(context.Background(), req)
	require.NoError(t, err)
	sent, _ := bank.LastTransfer(req.Enterprise.Account.Number)
	_, err = v.ConfirmDeposit(context.Background(), ch.ID, sent.AmountFen+100)
	var wa *WrongAmountError
	require.ErrorAs(t, err, &wa)
	require.Equal(t, 1, wa.AttemptsLeft)
	_, err = v.ConfirmDeposit(context.Background(), ch.ID, sent.AmountFen+100)
	require.ErrorIs(t, err, ErrTooManyAttempts)
}

func TestDepositStartErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Enterprise)
		field string
		err   error
	}{
		{"account refused", func(e *Enterprise) { e.Account.Number = DevRejectAccount }, "", ErrRejected},
		{"account name differs", func(e *Enterprise) { e.Account.Name = "别的公司" }, "enterprise.account.name", nil},
		{"account number", func(e *Enterprise) { e.Account.Number = "12ab" }, "enterprise.account.number", nil},
		{"no account", func(e *Enterprise) { e.Account = nil }, "enterprise.account", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, _, _, _ := newVerifier(t, false)
			e := company(DevPassCreditCode)
			tc.edit(e)
			_, err := v.StartDeposit(context.Background(), &Request{Method: chain.IdentityBankTransfer, Enterprise: e})
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tc.field, fe.Field)
		})
	}
}

func TestCheckDigits(t *testing.T) {
	for _, id := range []string{DevPassIDNumber, DevPassIDNumber2, DevRejectIDNumber} {
		require.True(t, ValidIDNumber(id), id)
	}
	for _, c := range []string{DevPassCreditCode, DevRejectCreditCode} {
		require.True(t, ValidCreditCode(c), c)
	}
	require.False(t, ValidIDNumber("11010519491231002Y"))
	require.False(t, ValidCreditCode("91110000MA0000001I"))
	require.True(t, ValidPhone(DevPassPhone))
}

func TestDepositAttestsWhatWasStarted(t *testing.T) {
	v, _, _, bank := newVerifier(t, false)
	e := company(DevPassCreditCode)
	ch, err := v.StartDeposit(context.Background(), &Request{Method: chain.IdentityBankTransfer, Enterprise: e})
	require.NoError(t, err)
	e.Name, e.CreditCode = "另一家公司", DevRejectCreditCode // the caller reuses its struct
	sent, _ := bank.LastTransfer(e.Account.Number)
	at, err := v.ConfirmDeposit(context.Background(), ch.ID, sent.AmountFen)
	require.NoError(t, err)
	require.Equal(t, []string{"北京示例科技有限公司", DevPassCreditCode}, at.Fields)
	require.Equal(t, chain.SubjectEnterprise, at.Record.Subject)
	require.Equal(t, chain.IdentityBankTransfer, at.Record.Method)
}
