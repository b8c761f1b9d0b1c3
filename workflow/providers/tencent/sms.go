package tencent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sms "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sms/v20210111"

	"github.com/sealchain/sealchain/workflow/notify"
	"github.com/sealchain/sealchain/workflow/providers"
)

// Template is a Tencent SMS template for one outbox template: its id and
// the outbox parameters filling its {1}, {2}... in order.
type Template struct {
	ID     string
	Params []string
}

// SMSConfig is the SMS application.
type SMSConfig struct {
	Config
	AppID    string // SmsSdkAppId
	SignName string
	// Templates maps outbox templates (notify.TemplateSMSCode, "sign_link",
	// "reminder") to Tencent templates.
	Templates map[string]Template
}

// SMS sends outbox messages through Tencent Cloud SMS. It implements
// notify.SMSSender.
type SMS struct{ cfg SMSConfig }

// NewSMS checks cfg and returns the sender.
func NewSMS(cfg SMSConfig) (*SMS, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.AppID == "" || cfg.SignName == "" {
		return nil, errors.New("tencent sms: app id and sign name are required")
	}
	for name, t := range cfg.Templates {
		if t.ID == "" {
			return nil, fmt.Errorf("tencent sms: template %s has no id", name)
		}
	}
	return &SMS{cfg: cfg}, nil
}

// permanentSMS are SendStatus codes after which sending again is useless:
// the number itself is wrong or barred.
var permanentSMS = map[string]bool{
	"InvalidParameterValue.IncorrectPhoneNumber":                      true,
	"FailedOperation.PhoneNumberInBlacklist":                          true,
	"UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber": true,
	"UnsupportedOperation.UnsupportedRegion":                          true,
}

// SendSMS sends one message to a mainland mobile number.
func (s *SMS) SendSMS(ctx context.Context, phone, template string, params map[string]string) error {
	t, ok := s.cfg.Templates[template]
	if !ok {
		return fmt.Errorf("%w: tencent sms: no template configured for %q", notify.ErrPermanent, template)
	}
	req := sms.NewSendSmsRequest()
	to := phone
	if !strings.HasPrefix(to, "+") {
		to = "+86" + to
	}
	req.PhoneNumberSet = []*string{&to}
	req.SmsSdkAppId, req.SignName, req.TemplateId = &s.cfg.AppID, &s.cfg.SignName, &t.ID
	for _, name := range t.Params {
		v := params[name]
		req.TemplateParamSet = append(req.TemplateParamSet, &v)
	}
	ctx, cancel, tr := s.cfg.callCtx(ctx)
	defer cancel()
	c, err := sms.NewClient(s.cfg.credential(), s.cfg.Region, s.cfg.profile("sms"))
	if err != nil {
		return fmt.Errorf("tencent sms: %w", err)
	}
	c.WithHttpTransport(tr)
	resp, err := c.SendSms(req)
	if err != nil {
		return callErr("tencent sms.SendSms", err, func(code string) error {
			if permanentSMS[code] {
				return fmt.Errorf("%w: vendor code %s", notify.ErrPermanent, code)
			}
			return nil
		})
	}
	if resp.Response == nil || len(resp.Response.SendStatusSet) != 1 || resp.Response.SendStatusSet[0].Code == nil {
		return providers.Unavailable("tencent sms.SendSms", errors.New("answer without a send status"))
	}
	code := *resp.Response.SendStatusSet[0].Code
	switch {
	case code == "Ok":
		return nil
	case permanentSMS[code]:
		return fmt.Errorf("tencent sms.SendSms: %w: vendor code %s", notify.ErrPermanent, code)
	}
	return providers.Unavailable("tencent sms.SendSms", fmt.Errorf("vendor code %s", code))
}
