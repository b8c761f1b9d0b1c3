package identity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
)

// testLogger sends pebble's log lines (WAL replay on reopen) to the test
// log instead of stderr.
type testLogger struct{ t *testing.T }

func (l testLogger) Infof(format string, args ...any) { l.t.Logf(format, args...) }

func (l testLogger) Fatalf(format string, args ...any) { l.t.Fatalf(format, args...) }

// openDB opens a pebble database in dir, closed at the end of the test.
func openDB(t *testing.T, dir string) *pebble.DB {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: testLogger{t}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

// keys lists the keys in db.
func keys(t *testing.T, db *pebble.DB) []string {
	t.Helper()
	it, err := db.NewIter(nil)
	require.NoError(t, err)
	var out []string
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, string(it.Key()))
	}
	require.NoError(t, it.Close())
	return out
}

// restarts is a node that restarts: each verifier() closes the previous
// database and opens a new Verifier on it, with the same key, clock and
// bank (the bank is outside the node).
type restarts struct {
	t    *testing.T
	dir  string
	org  *fixture.Org
	clk  *clock
	bank *DevBank
	db   *pebble.DB
	n    int
	opts []Option
}

func newRestarts(t *testing.T, opts ...Option) *restarts {
	r := &restarts{t: t, dir: t.TempDir(), org: fixture.New(t, chainID).Orgs[0],
		clk: &clock{fixture.Epoch.Add(time.Hour)}, bank: &DevBank{}, opts: opts}
	t.Cleanup(func() {
		if r.db != nil {
			require.NoError(t, r.db.Close())
		}
	})
	return r
}

func (r *restarts) verifier() *Verifier {
	r.t.Helper()
	if r.db != nil {
		require.NoError(r.t, r.db.Close())
	}
	db, err := pebble.Open(r.dir, &pebble.Options{Logger: testLogger{r.t}})
	require.NoError(r.t, err)
	r.db = db
	r.n++
	opts := append([]Option{WithProvider(DevProvider{}), WithBank(r.bank), WithClock(r.clk.now),
		WithRand(rand.NewChaCha8([32]byte{byte(r.n)})), WithDepositStore(r.db)}, r.opts...)
	v, err := New(chainID, &chain.GenesisState{}, r.org.VerifierKey, r.org.VerifierCert, opts...)
	require.NoError(r.t, err)
	return v
}

func TestDepositSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	req := &Request{Method: chain.IdentityBankTransfer, Enterprise: company(DevPassCreditCode)}
	const ttl = time.Hour
	type step struct {
		restart bool
		advance time.Duration
		right   bool
		want    error // nil: success
		left    int   // attempts left after a wrong amount
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"confirm after restart", []step{{restart: true, right: true}, {restart: true, right: true, want: ErrChallengeNotFound}}},
		{"wrong amounts count across restarts", []step{
			{right: false, want: ErrRejected, left: 2},
			{restart: true, right: false, want: ErrRejected, left: 1},
			{restart: true, right: false, want: ErrTooManyAttempts},
			{restart: true, right: true, want: ErrChallengeNotFound},
		}},
		{"wrong then right across a restart", []step{{right: false, want: ErrRejected, left: 2}, {restart: true, right: true}}},
		{"expiry survives", []step{{restart: true, advance: ttl, right: true, want: ErrChallengeExpired},
			{restart: true, right: true, want: ErrChallengeNotFound}}},
		{"just before expiry", []step{{restart: true, advance: ttl - time.Millisecond, right: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRestarts(t, WithDepositPolicy(3, ttl))
			v := r.verifier()
			ch, err := v.StartDeposit(ctx, req)
			require.NoError(t, err)
			require.Equal(t, r.clk.t.Add(ttl), ch.ExpiresAt)
			sent, ok := r.bank.LastTransfer(req.Enterprise.Account.Number)
			require.True(t, ok)
			for i, s := range tc.steps {
				if s.restart {
					v = r.verifier()
				}
				r.clk.t = r.clk.t.Add(s.advance)
				amount := sent.AmountFen
				if !s.right {
					amount = sent.AmountFen%99 + 1
				}
				at, err := v.ConfirmDeposit(ctx, ch.ID, amount)
				if s.want == nil {
					require.NoError(t, err, "step %d", i)
					checkAttestation(t, r.org, at, req, r.clk.t)
					continue
				}
				require.ErrorIs(t, err, s.want, "step %d", i)
				if s.left > 0 {
					var wa *WrongAmountError
					require.ErrorAs(t, err, &wa, "step %d", i)
					require.Equal(t, s.left, wa.AttemptsLeft, "step %d", i)
				}
			}
		})
	}
}

// TestDepositStoreKeys: every key is under DepositPrefix, closed and
// expired challenges leave no key behind, and a refused transfer leaves no
// challenge.
func TestDepositStoreKeys(t *testing.T) {
	ctx := context.Background()
	r := newRestarts(t, WithDepositPolicy(3, time.Hour))
	v := r.verifier()
	start := func(account string) (*DepositChallenge, error) {
		e := company(DevPassCreditCode)
		e.Account.Number = account
		return v.StartDeposit(ctx, &Request{Method: chain.IdentityBankTransfer, Enterprise: e})
	}
	first, err := start("110012345601")
	require.NoError(t, err)
	r.clk.t = r.clk.t.Add(30 * time.Minute)
	second, err := start("110012345602")
	require.NoError(t, err)
	require.Len(t, keys(t, r.db), 4, "a challenge and its expiry index entry each")
	for _, k := range keys(t, r.db) {
		require.Contains(t, []string{DepositPrefix + "c/", DepositPrefix + "x/"}, k[:len(DepositPrefix)+2], "key %q", k)
	}

	_, err = start(DevRejectAccount)
	require.ErrorIs(t, err, ErrRejected)
	require.Len(t, keys(t, r.db), 4, "a refused transfer leaves no challenge")

	// The first expires; starting another sweeps it, after a restart too.
	r.clk.t = r.clk.t.Add(31 * time.Minute)
	v = r.verifier()
	_, err = start("110012345603")
	require.NoError(t, err)
	require.Len(t, keys(t, r.db), 4)
	_, err = v.ConfirmDeposit(ctx, first.ID, 1)
	require.ErrorIs(t, err, ErrChallengeNotFound, "swept")
	require.Equal(t, 2, v.deposits.count())

	sent, _ := r.bank.LastTransfer("110012345602")
	_, err = v.ConfirmDeposit(ctx, second.ID, sent.AmountFen)
	require.NoError(t, err)
	require.Len(t, keys(t, r.db), 2, "a confirmed challenge is removed")
	require.Equal(t, 1, r.verifier().deposits.count(), "the count is read back on open")
}

func TestConfirmDepositRejectsMalformedIDs(t *testing.T) {
	v, _, _, _ := newVerifier(t, false, WithDepositStore(openDB(t, t.TempDir())))
	for _, id := range []string{"", "x", "../../wf/notify/seq", "ABCDEF0123456789ABCDEF0123456789"} {
		_, err := v.ConfirmDeposit(context.Background(), id, 1)
		require.ErrorIs(t, err, ErrChallengeNotFound, "id %q", id)
	}
}

// xorSealer is a test Sealer: enough to show nothing is stored in clear
// and that the record id is bound.
type xorSealer struct{}

func (xorSealer) Seal(id string, plain []byte) ([]byte, error) {
	out := append([]byte(id+"|"), plain...)
	for i := range out {
		out[i] ^= 0x5a
	}
	return out, nil
}

func (xorSealer) Open(id string, sealed []byte) ([]byte, error) {
	out := append([]byte(nil), sealed...)
	for i := range out {
		out[i] ^= 0x5a
	}
	rest, ok := bytes.CutPrefix(out, []byte(id+"|"))
	if !ok {
		return nil, errors.New("sealed for another id")
	}
	return rest, nil
}

// TestDepositChallengeSealed: with a sealer the stored challenge holds
// neither the company's name and credit code nor the amount, on disk, and
// it still confirms after a restart.
func TestDepositChallengeSealed(t *testing.T) {
	ctx := context.Background()
	r := newRestarts(t, WithDepositSealer(xorSealer{}))
	v := r.verifier()
	req := &Request{Method: chain.IdentityBankTransfer, Enterprise: company(DevPassCreditCode)}
	ch, err := v.StartDeposit(ctx, req)
	require.NoError(t, err)
	sent, _ := r.bank.LastTransfer(req.Enterprise.Account.Number)
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: []byte(DepositPrefix + "c/"), UpperBound: []byte(DepositPrefix + "c0")})
	require.NoError(t, err)
	for it.First(); it.Valid(); it.Next() {
		val := string(it.Value())
		for _, leak := range []string{req.Enterprise.Name, DevPassCreditCode, fmt.Sprintf(`"amount_fen":%d`, sent.AmountFen)} {
			require.NotContains(t, val, leak)
		}
		require.Contains(t, val, `"v":2`)
	}
	require.NoError(t, it.Close())
	require.NoError(t, r.db.Close())
	r.db = nil
	// Nothing in clear anywhere in the database's files either.
	require.NoError(t, filepath.Walk(r.dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.False(t, bytes.Contains(b, []byte(DevPassCreditCode)), "credit code in %s", p)
		require.False(t, bytes.Contains(b, []byte(req.Enterprise.Name)), "company name in %s", p)
		return nil
	}))
	v = r.verifier()
	_, err = v.ConfirmDeposit(ctx, ch.ID, sent.AmountFen)
	require.NoError(t, err)
}
