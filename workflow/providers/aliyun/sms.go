package aliyun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	dysms "github.com/alibabacloud-go/dysmsapi-20170525/v5/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/sealchain/sealchain/workflow/notify"
	"github.com/sealchain/sealchain/workflow/providers"
)

// DefaultTimeout bounds one call when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config is the Aliyun account and SMS application.
type Config struct {
	AccessKeyID, AccessKeySecret string
	// Region is the region id ("cn-hangzhou").
	Region string
	// Endpoint overrides the host ("host:port"); empty:
	// dysmsapi.aliyuncs.com.
	Endpoint string
	// PlainHTTP talks http:// to Endpoint: tests against a local server
	// only.
	PlainHTTP bool
	Timeout   time.Duration
	SignName  string
	// Templates maps outbox templates to Aliyun template codes
	// ("SMS_123456789").
	Templates map[string]string
}

// SMS sends outbox messages through Aliyun. It implements
// notify.SMSSender.
type SMS struct {
	cfg    Config
	client *dysms.Client
}

// NewSMS checks cfg and builds the SDK client.
func NewSMS(cfg Config) (*SMS, error) {
	switch {
	case cfg.AccessKeyID == "" || cfg.AccessKeySecret == "":
		return nil, errors.New("aliyun sms: access key id and secret are required")
	case cfg.SignName == "":
		return nil, errors.New("aliyun sms: sign name is required")
	case cfg.PlainHTTP && cfg.Endpoint == "":
		return nil, errors.New("aliyun sms: plain HTTP needs an endpoint override")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Region == "" {
		cfg.Region = "cn-hangzhou"
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = "dysmsapi.aliyuncs.com"
	}
	oc := &openapi.Config{AccessKeyId: tea.String(cfg.AccessKeyID), AccessKeySecret: tea.String(cfg.AccessKeySecret),
		RegionId: tea.String(cfg.Region), Endpoint: tea.String(endpoint),
		// ACS3-HMAC-SHA256 is the client's default; named so a change of
		// default cannot weaken it silently.
		SignatureAlgorithm: tea.String("ACS3-HMAC-SHA256"),
		ReadTimeout:        tea.Int(int(cfg.Timeout.Milliseconds())), ConnectTimeout: tea.Int(int(min(cfg.Timeout, 5*time.Second).Milliseconds()))}
	if cfg.PlainHTTP {
		oc.Protocol = tea.String("HTTP")
	}
	c, err := dysms.NewClient(oc)
	if err != nil {
		return nil, fmt.Errorf("aliyun sms: %w", err)
	}
	return &SMS{cfg: cfg, client: c}, nil
}

// permanent are SendSms codes after which sending again is useless.
var permanent = map[string]bool{
	"isv.MOBILE_NUMBER_ILLEGAL":   true,
	"isv.MOBILE_COUNT_OVER_LIMIT": true,
	"isv.PARAM_LENGTH_LIMIT":      true,
	"isv.INVALID_PARAMETERS":      true,
	"isv.BLACK_KEY_CONTROL_LIMIT": true,
}

// SendSMS sends one message to a mainland mobile number.
func (s *SMS) SendSMS(ctx context.Context, phone, template string, params map[string]string) error {
	const call = "aliyun dysmsapi.SendSms"
	code, ok := s.cfg.Templates[template]
	if !ok {
		return fmt.Errorf("%w: aliyun sms: no template configured for %q", notify.ErrPermanent, template)
	}
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	req := &dysms.SendSmsRequest{PhoneNumbers: tea.String(phone), SignName: tea.String(s.cfg.SignName),
		TemplateCode: tea.String(code), TemplateParam: tea.String(string(p))}
	rt := &util.RuntimeOptions{ReadTimeout: tea.Int(int(s.cfg.Timeout.Milliseconds())),
		ConnectTimeout: tea.Int(int(min(s.cfg.Timeout, 5*time.Second).Milliseconds())), Autoretry: tea.Bool(false)}
	type result struct {
		resp *dysms.SendSmsResponse
		err  error
	}
	// The SDK takes no context; its own time-outs bound the goroutine
	// when ctx ends first.
	done := make(chan result, 1)
	go func() {
		r, err := s.client.SendSmsWithOptions(req, rt)
		done <- result{r, err}
	}()
	var r result
	select {
	case <-ctx.Done():
		return providers.Unavailable(call, ctx.Err())
	case r = <-done:
	}
	if r.err != nil {
		var se *tea.SDKError
		if errors.As(r.err, &se) && se.Code != nil {
			if permanent[*se.Code] {
				return fmt.Errorf("%s: %w: vendor code %s", call, notify.ErrPermanent, *se.Code)
			}
			return providers.Unavailable(call, fmt.Errorf("vendor code %s", *se.Code))
		}
		return providers.Unavailable(call, r.err)
	}
	if r.resp == nil || r.resp.Body == nil || r.resp.Body.Code == nil {
		return providers.Unavailable(call, errors.New("answer without a code"))
	}
	switch c := *r.resp.Body.Code; {
	case c == "OK":
		return nil
	case permanent[c]:
		return fmt.Errorf("%s: %w: vendor code %s", call, notify.ErrPermanent, c)
	default:
		return providers.Unavailable(call, fmt.Errorf("vendor code %s", c))
	}
}
