package tencent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/sealchain/sealchain/workflow/providers"
)

// DefaultTimeout bounds one call when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config is a Tencent Cloud account and where to reach it.
type Config struct {
	SecretID, SecretKey string
	// Region is the API region ("ap-guangzhou", "ap-beijing").
	Region string
	// Endpoint overrides the host of every service ("host:port"); empty:
	// <service>.tencentcloudapi.com.
	Endpoint string
	// PlainHTTP talks http:// to Endpoint: tests against a local server
	// only.
	PlainHTTP bool
	// Timeout bounds one call (0: DefaultTimeout).
	Timeout time.Duration

	transport http.RoundTripper // tests: nil is http.DefaultTransport
}

func (c *Config) check() error {
	switch {
	case c.SecretID == "" || c.SecretKey == "":
		return errors.New("tencent: secret id and key are required")
	case c.Region == "":
		return errors.New("tencent: region is required")
	case c.PlainHTTP && c.Endpoint == "":
		return errors.New("tencent: plain HTTP needs an endpoint override")
	}
	return nil
}

func (c *Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// profile is the SDK's client profile for service ("sms", "faceid"...).
func (c *Config) profile(service string) *profile.ClientProfile {
	p := profile.NewClientProfile()
	p.SignMethod = "TC3-HMAC-SHA256"
	p.HttpProfile.ReqMethod = http.MethodPost
	// The SDK counts whole seconds; the context below is the finer bound.
	p.HttpProfile.ReqTimeout = int((c.timeout() + time.Second - 1) / time.Second)
	p.HttpProfile.Endpoint = service + ".tencentcloudapi.com"
	if c.Endpoint != "" {
		p.HttpProfile.Endpoint = c.Endpoint
	}
	if c.PlainHTTP {
		p.HttpProfile.Scheme = "HTTP"
	}
	return p
}

func (c *Config) credential() *common.Credential {
	return common.NewCredential(c.SecretID, c.SecretKey)
}

// ctxTransport binds every request of one SDK client to a context: the SDK
// version pinned has no context parameter.
type ctxTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r.WithContext(t.ctx))
}

// callCtx is ctx bounded by the configured time-out, and the transport
// that applies it.
func (c *Config) callCtx(ctx context.Context) (context.Context, context.CancelFunc, http.RoundTripper) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	base := c.transport
	if base == nil {
		base = http.DefaultTransport
	}
	return ctx, cancel, ctxTransport{ctx: ctx, base: base}
}

// sdkCode is the vendor error code of an SDK error ("" if none).
func sdkCode(err error) string {
	var e *tcerr.TencentCloudSDKError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// callErr classifies an SDK error of call: rejected when the code is one
// of rejectCodes, else unavailable. The vendor's message is kept out: it
// may echo request fields.
func callErr(call string, err error, reject func(code string) error) error {
	code := sdkCode(err)
	if reject != nil && code != "" {
		if rerr := reject(code); rerr != nil {
			return fmt.Errorf("%s: %w", call, rerr)
		}
	}
	if code == "" || strings.HasPrefix(code, "ClientError.") {
		// Network errors, time-outs, non-200 answers: the SDK puts the
		// cause in the message.
		return providers.Unavailable(call, errors.New(sdkMessage(err)))
	}
	return providers.Unavailable(call, fmt.Errorf("vendor code %s", code))
}

func sdkMessage(err error) string {
	var e *tcerr.TencentCloudSDKError
	if errors.As(err, &e) {
		if i := strings.Index(e.Message, ", with body"); i >= 0 {
			return e.Code + ": " + e.Message[:i]
		}
		return e.Code + ": " + e.Message
	}
	return err.Error()
}
