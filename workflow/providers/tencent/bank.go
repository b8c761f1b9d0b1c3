package tencent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	cpdp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cpdp/v20190820"

	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/providers"
)

// BankConfig is the Tencent Cloud Payment merchant that pays the
// micro-deposits.
type BankConfig struct {
	Config
	MerchantID string
	// Profile is the cpdp environment: "" for production, "sandbox".
	Profile string
}

// Bank pays micro-deposits with cpdp TransferSinglePay (Ping An
// bank-enterprise direct transfer). It implements identity.Bank.
type Bank struct{ cfg BankConfig }

var _ identity.Bank = (*Bank)(nil)

// NewBank checks cfg.
func NewBank(cfg BankConfig) (*Bank, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.MerchantID == "" {
		return nil, errors.New("tencent cpdp: merchant id is required")
	}
	return &Bank{cfg: cfg}, nil
}

// DevOnly is false.
func (*Bank) DevOnly() bool { return false }

// transferType 3 is Ping An's bank-enterprise direct transfer: PayeeId
// is the receiving account number, PayeeName its holder.
const transferType = 3

// Transfer pays amountFen to the account. The order id is derived from
// memo (which carries the challenge id), so asking again after a time-out
// cannot pay twice: the vendor refuses a second order with the same id.
func (b *Bank) Transfer(ctx context.Context, to identity.Account, amountFen int64, memo string) error {
	const call = "tencent cpdp.TransferSinglePay"
	ext, err := json.Marshal(map[string]string{"PayeeBankName": to.Bank, "CcyCode": "RMB", "UnionFlag": "0"})
	if err != nil {
		return err
	}
	req := cpdp.NewTransferSinglePayRequest()
	tt, amount := int64(transferType), amountFen
	order := orderID(memo)
	extS := string(ext)
	req.MerchantId, req.MerchantAppId, req.TransferType = &b.cfg.MerchantID, &b.cfg.MerchantID, &tt
	req.OrderId, req.TransferAmount, req.PayeeId, req.PayeeName = &order, &amount, &to.Number, &to.Name
	req.PayeeExtends, req.Remark = &extS, &memo
	if b.cfg.Profile != "" {
		req.Profile = &b.cfg.Profile
	}
	ctx, cancel, tr := b.cfg.callCtx(ctx)
	defer cancel()
	c, err := cpdp.NewClient(b.cfg.credential(), b.cfg.Region, b.cfg.profile("cpdp"))
	if err != nil {
		return fmt.Errorf("%s: %w", call, err)
	}
	c.WithHttpTransport(tr)
	resp, err := c.TransferSinglePay(req)
	if err != nil {
		return callErr(call, err, nil)
	}
	r := resp.Response
	if r == nil || r.ErrCode == nil {
		return providers.Unavailable(call, errors.New("answer without an error code"))
	}
	if *r.ErrCode != "SUCCESS" {
		// The bank refused the transfer to this account (closed, name
		// and number do not match): the company's "no".
		return fmt.Errorf("%s: %w: transfer refused (%s)", call, identity.ErrRejected, *r.ErrCode)
	}
	return nil
}

// orderID makes an order id of memo: letters, digits, "-" and "_" only,
// at most 64 characters.
func orderID(memo string) string {
	id := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		case r == ' ':
			return '-'
		}
		return -1
	}, memo)
	if len(id) > 64 {
		id = id[:64]
	}
	return id
}
