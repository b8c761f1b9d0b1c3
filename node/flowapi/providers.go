package flowapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/workflow"
	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/notify"
	"github.com/sealchain/sealchain/workflow/providers"
	"github.com/sealchain/sealchain/workflow/providers/aliyun"
	"github.com/sealchain/sealchain/workflow/providers/tencent"
)

// providerSet is what [workflow.providers] configures: the identity
// provider and bank, the face check, and the SMS sender.
type providerSet struct {
	identity identity.Provider
	bank     identity.Bank
	devBank  *identity.DevBank // the bank when it is the development one
	// face compares a capture with a person's ID photo; nil: the
	// development face check.
	face func(ctx context.Context, p *identity.Person, capture []byte) error
	sms  notify.SMSSender // nil: messages wait in the outbox (development; an external gateway)
	// smsOpts configure the outbox's SMS gateway when sms is set.
	smsOpts []notify.SMSGatewayOption
}

// buildProviders reads the vendors' key files (mode 0600, else refused)
// and builds the adapters. resolve makes key file paths absolute (under
// the node's home). Nothing it logs names a secret.
func buildProviders(p config.Providers, resolve func(string) string, logger *slog.Logger) (*providerSet, error) {
	if resolve == nil {
		resolve = func(s string) string { return s }
	}
	account := func(key string, a config.VendorAccount) (tencent.Config, error) {
		id, err := providers.ReadSecret(resolve(a.SecretIDFile))
		if err != nil {
			return tencent.Config{}, &config.KeyError{Key: key + ".secret_id_file", Err: err}
		}
		secret, err := providers.ReadSecret(resolve(a.SecretKeyFile))
		if err != nil {
			return tencent.Config{}, &config.KeyError{Key: key + ".secret_key_file", Err: err}
		}
		return tencent.Config{SecretID: id, SecretKey: secret, Region: a.Region, Endpoint: a.Endpoint,
			PlainHTTP: a.PlainHTTP, Timeout: a.Timeout.Duration}, nil
	}
	out := &providerSet{}
	switch v := p.Identity.Vendor; {
	case p.Identity.IsDev():
		out.identity = identity.DevProvider{}
	case v == config.VendorTencent:
		cfg, err := account("workflow.providers.identity", p.Identity.VendorAccount)
		if err != nil {
			return nil, err
		}
		id, err := tencent.NewIdentity(cfg, p.Identity.MinSimilarity)
		if err != nil {
			return nil, err
		}
		out.identity, out.face = id, id.CompareFace
	}
	switch v := p.Bank.Vendor; {
	case p.Bank.IsDev():
		out.devBank = &identity.DevBank{}
		out.bank = out.devBank
	case v == config.VendorTencent:
		cfg, err := account("workflow.providers.bank", p.Bank.VendorAccount)
		if err != nil {
			return nil, err
		}
		b, err := tencent.NewBank(tencent.BankConfig{Config: cfg, MerchantID: p.Bank.MerchantID, Profile: p.Bank.Profile})
		if err != nil {
			return nil, err
		}
		out.bank = b
	}
	s := &p.SMS
	switch s.Vendor {
	case config.VendorTencent:
		cfg, err := account("workflow.providers.sms", s.VendorAccount)
		if err != nil {
			return nil, err
		}
		tm := map[string]tencent.Template{}
		for name, id := range s.Templates {
			tm[name] = tencent.Template{ID: id, Params: s.TemplateParams[name]}
		}
		if out.sms, err = tencent.NewSMS(tencent.SMSConfig{Config: cfg, AppID: s.AppID, SignName: s.SignName, Templates: tm}); err != nil {
			return nil, err
		}
	case config.VendorAliyun:
		cfg, err := account("workflow.providers.sms", s.VendorAccount)
		if err != nil {
			return nil, err
		}
		if out.sms, err = aliyun.NewSMS(aliyun.Config{AccessKeyID: cfg.SecretID, AccessKeySecret: cfg.SecretKey, Region: s.Region,
			Endpoint: s.Endpoint, PlainHTTP: s.PlainHTTP, Timeout: s.Timeout.Duration, SignName: s.SignName, Templates: s.Templates}); err != nil {
			return nil, err
		}
	}
	if out.sms != nil {
		base, attempts := s.RetryBackoff.Duration, s.MaxAttempts
		if base == 0 {
			base = notify.DefaultSMSBackoffBase
		}
		if attempts == 0 {
			attempts = notify.DefaultSMSMaxAttempts
		}
		out.smsOpts = []notify.SMSGatewayOption{notify.WithSMSBackoff(base, max(base, notify.DefaultSMSBackoffMax), attempts),
			notify.WithSMSLogger(logger.With("part", "sms", "vendor", s.Vendor))}
		if s.Timeout.Duration > 0 {
			// The gateway's bound leaves the adapter's own time-out room
			// to report first.
			out.smsOpts = append(out.smsOpts, notify.WithSMSTimeout(s.Timeout.Duration+time.Second))
		}
	}
	logger.Info("workflow providers", "sms", vendorName(s.Vendor), "identity", vendorName(p.Identity.Vendor), "bank", vendorName(p.Bank.Vendor))
	return out, nil
}

func vendorName(v string) string {
	if v == "" {
		return config.VendorDev
	}
	return v
}

// faceCheck is the workflow's intent check by face: the development one,
// or the provider's comparison with the ID photo of the identity's person.
func faceCheck(ps *providerSet, engine func() *workflow.Engine) func(ctx context.Context, id string, capture []byte) error {
	if ps.face == nil {
		return devFace
	}
	return func(ctx context.Context, id string, capture []byte) error {
		e := engine()
		if e == nil {
			return errors.New("workflow not started")
		}
		p, err := e.FacePerson(id)
		if err != nil {
			return err
		}
		return ps.face(ctx, p, capture)
	}
}

// MessageDelivery tells what became of a message the outbox took (its
// idempotency key is the workflow's message id).
func (w *wfNotifier) MessageDelivery(ctx context.Context, id string) (*workflow.CodeDelivery, error) {
	m, err := w.outbox.ByKey(ctx, id)
	if errors.Is(err, notify.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", workflow.ErrNotFound, err)
	}
	if err != nil {
		return nil, err
	}
	d := &workflow.CodeDelivery{Attempts: m.Attempts, LastError: m.LastError}
	switch m.State {
	case notify.MessageAcked:
		d.State = workflow.DeliverySent
	case notify.MessageFailed:
		d.State = workflow.DeliveryFailed
	default:
		d.State = workflow.DeliveryPending
		if m.NextAttempt != nil {
			d.NextAttempt = m.NextAttempt.UTC().Format(time.RFC3339)
		}
	}
	return d, nil
}
