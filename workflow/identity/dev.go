package identity

import (
	"context"
	"fmt"
	"sync"

	"github.com/sealchain/sealchain/chain"
)

// Documented development inputs (see the package doc).
const (
	DevPassIDNumber     = "11010519491231002X"
	DevPassIDNumber2    = "440304198510101232"
	DevRejectIDNumber   = "110101199003070003"
	DevPassPhone        = "13800138000"
	DevRejectPhone      = "13900000000"
	DevRejectFace       = "dev-face-mismatch"
	DevPassCreditCode   = "91110000MA0000001L"
	DevRejectCreditCode = "91110000MA0000009D"
	DevRejectLegalRep   = "非法定代表人"
	DevRejectAccount    = "6222000000000000"
)

// DevProvider is the development provider for every one-step method. It
// decides by the documented inputs and is DevOnly.
type DevProvider struct{}

var _ Provider = DevProvider{}

// Methods are face, carrier three-factor, agent check, business
// registration and legal-representative authorisation.
func (DevProvider) Methods() []chain.IdentityMethod {
	return []chain.IdentityMethod{chain.IdentityFace, chain.IdentityCarrier3Factor, chain.IdentityLegalRepAuth,
		chain.IdentityBusinessRegistry, chain.IdentityAgentCheck}
}

// DevOnly is true.
func (DevProvider) DevOnly() bool { return true }

// Check applies the development rules.
func (DevProvider) Check(ctx context.Context, req *Request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch req.Method {
	case chain.IdentityFace:
		if err := devPerson(req.Person, false); err != nil {
			return err
		}
		if string(req.Person.Face) == DevRejectFace {
			return fmt.Errorf("%w: face does not match the ID photo", ErrRejected)
		}
		return nil
	case chain.IdentityCarrier3Factor:
		return devPerson(req.Person, true)
	}
	e := req.Enterprise
	if e.CreditCode == DevRejectCreditCode {
		return fmt.Errorf("%w: credit code not in the business registry", ErrRejected)
	}
	switch req.Method {
	case chain.IdentityAgentCheck:
		return devPerson(e.Agent, true)
	case chain.IdentityLegalRepAuth:
		if e.LegalRep.Name == DevRejectLegalRep {
			return fmt.Errorf("%w: not the registered legal representative", ErrRejected)
		}
		return devPerson(e.LegalRep, true)
	}
	return nil
}

func devPerson(p *Person, carrier bool) error {
	if p.IDNumber == DevRejectIDNumber {
		return fmt.Errorf("%w: name and ID number do not match", ErrRejected)
	}
	if carrier && p.Phone == DevRejectPhone {
		return fmt.Errorf("%w: the carrier does not register the phone to this ID number", ErrRejected)
	}
	return nil
}

// Transfer is a micro-deposit the development bank made.
type Transfer struct {
	To        Account
	AmountFen int64
	Memo      string
}

// DevBank is the development bank: it records transfers instead of sending
// money, refuses account DevRejectAccount, and is DevOnly. Development
// pages and tests read the amount with LastTransfer.
type DevBank struct {
	mu   sync.Mutex
	sent map[string]Transfer
}

var _ Bank = (*DevBank)(nil)

// DevOnly is true.
func (*DevBank) DevOnly() bool { return true }

// Transfer records the deposit.
func (b *DevBank) Transfer(ctx context.Context, to Account, amountFen int64, memo string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if to.Number == DevRejectAccount {
		return fmt.Errorf("%w: account %s cannot receive transfers", ErrRejected, to.Number)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sent == nil {
		b.sent = map[string]Transfer{}
	}
	b.sent[to.Number] = Transfer{To: to, AmountFen: amountFen, Memo: memo}
	return nil
}

// LastTransfer returns the latest deposit to an account number.
func (b *DevBank) LastTransfer(accountNumber string) (Transfer, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.sent[accountNumber]
	return t, ok
}
