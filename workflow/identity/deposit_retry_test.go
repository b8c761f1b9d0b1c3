package identity

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/chain"
)

// flakyBank fails its first transfers with errs, then records them.
type flakyBank struct {
	mu   sync.Mutex
	errs []error
	sent []Transfer
}

func (*flakyBank) DevOnly() bool { return false }

func (b *flakyBank) Transfer(_ context.Context, to Account, amountFen int64, memo string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, Transfer{To: to, AmountFen: amountFen, Memo: memo})
	if len(b.errs) > 0 {
		err := b.errs[0]
		b.errs = b.errs[1:]
		return err
	}
	return nil
}

// TestDepositRetry: a transfer whose outcome is unknown keeps the
// challenge; RetryDeposit sends the same amount with the same memo; the
// amount confirms. A rejection on retry closes the challenge.
func TestDepositRetry(t *testing.T) {
	ctx := context.Background()
	timeout := errors.New("bank: time-out")
	bank := &flakyBank{errs: []error{timeout, timeout}}
	v, _, _, _ := newVerifier(t, false, WithBank(bank))
	req := &Request{Method: chain.IdentityBankTransfer, Enterprise: company(DevPassCreditCode)}
	ch, err := v.StartDeposit(ctx, req)
	require.ErrorIs(t, err, timeout)
	require.NotNil(t, ch, "the challenge is kept when the bank could not say")
	ch2, err := v.RetryDeposit(ctx, ch.ID, req)
	require.ErrorIs(t, err, timeout)
	require.Equal(t, ch.ID, ch2.ID)
	_, err = v.RetryDeposit(ctx, ch.ID, req)
	require.NoError(t, err)
	require.Len(t, bank.sent, 3)
	for _, s := range bank.sent[1:] {
		require.Equal(t, bank.sent[0].AmountFen, s.AmountFen, "the same amount")
		require.Equal(t, bank.sent[0].Memo, s.Memo, "the same memo (the bank's order id)")
	}
	other := &Request{Method: chain.IdentityBankTransfer, Enterprise: company(DevPassCreditCode)}
	other.Enterprise.Name, other.Enterprise.Account.Name = "别的公司", "别的公司"
	_, err = v.RetryDeposit(ctx, ch.ID, other)
	var fe *FieldError
	require.ErrorAs(t, err, &fe, "another company cannot take over the challenge")
	at, err := v.ConfirmDeposit(ctx, ch.ID, bank.sent[0].AmountFen)
	require.NoError(t, err)
	require.Equal(t, chain.IdentityBankTransfer, at.Record.Method)

	// A refusal on retry closes the challenge.
	bank.errs = []error{timeout, ErrRejected}
	ch, err = v.StartDeposit(ctx, req)
	require.ErrorIs(t, err, timeout)
	_, err = v.RetryDeposit(ctx, ch.ID, req)
	require.ErrorIs(t, err, ErrRejected)
	_, err = v.ConfirmDeposit(ctx, ch.ID, 1)
	require.ErrorIs(t, err, ErrChallengeNotFound)
}
