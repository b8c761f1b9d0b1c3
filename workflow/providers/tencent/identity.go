package tencent

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	faceid "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/faceid/v20180301"
	ocr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/ocr/v20181119"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/providers"
)

// DefaultMinSimilarity is the ImageRecognition similarity (0..100) from
// which a face passes: Tencent documents 70 as about one false accept in a
// thousand and 80 as one in ten thousand; signing a contract takes the
// stricter.
const DefaultMinSimilarity = 80

// Identity runs the one-step identity methods on Tencent Cloud FaceID and
// OCR. It implements identity.Provider.
type Identity struct {
	cfg           Config
	minSimilarity float64
}

var _ identity.Provider = (*Identity)(nil)

// NewIdentity checks cfg; minSimilarity 0 means DefaultMinSimilarity.
func NewIdentity(cfg Config, minSimilarity float64) (*Identity, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if minSimilarity == 0 {
		minSimilarity = DefaultMinSimilarity
	}
	if minSimilarity < 50 || minSimilarity > 100 {
		return nil, fmt.Errorf("tencent faceid: min similarity %v, want 50..100", minSimilarity)
	}
	return &Identity{cfg: cfg, minSimilarity: minSimilarity}, nil
}

// Methods are face, carrier three-factor, legal-representative
// authorisation, business registration and agent check.
func (*Identity) Methods() []chain.IdentityMethod {
	return []chain.IdentityMethod{chain.IdentityFace, chain.IdentityCarrier3Factor, chain.IdentityLegalRepAuth,
		chain.IdentityBusinessRegistry, chain.IdentityAgentCheck}
}

// DevOnly is false.
func (*Identity) DevOnly() bool { return false }

// Check runs req's method (the Verifier validated it).
func (p *Identity) Check(ctx context.Context, req *identity.Request) error {
	switch req.Method {
	case chain.IdentityFace:
		return p.CompareFace(ctx, req.Person, req.Person.Face)
	case chain.IdentityCarrier3Factor:
		return p.threeFactor(ctx, req.Person)
	}
	e := req.Enterprise
	legalRep := ""
	if req.Method == chain.IdentityLegalRepAuth {
		legalRep = e.LegalRep.Name
	}
	if err := p.registered(ctx, e, legalRep); err != nil {
		return err
	}
	switch req.Method {
	case chain.IdentityAgentCheck:
		return p.threeFactor(ctx, e.Agent)
	case chain.IdentityLegalRepAuth:
		return p.threeFactor(ctx, e.LegalRep)
	}
	return nil
}

// Phone verification result codes (FaceID PhoneVerification): "0" passed;
// these are the person's "no"; "-11" (busy) and anything else could not
// decide.
var phoneRejected = map[string]string{
	"-4":  "the name and ID number are not the phone's registered owner",
	"-5":  "the phone number is not registered under a real name",
	"-6":  "the phone number is not valid",
	"-7":  "the ID number is not valid",
	"-8":  "the name is not valid",
	"-9":  "the carrier has no record of the phone number",
	"-10": "the carrier check did not pass",
}

// threeFactor is the carrier check of name, ID number and phone.
func (p *Identity) threeFactor(ctx context.Context, person *identity.Person) error {
	const call = "tencent faceid.PhoneVerification"
	req := faceid.NewPhoneVerificationRequest()
	req.Name, req.IdCard, req.Phone = &person.Name, &person.IDNumber, &person.Phone
	ctx, cancel, tr := p.cfg.callCtx(ctx)
	defer cancel()
	c, err := faceid.NewClient(p.cfg.credential(), p.cfg.Region, p.cfg.profile("faceid"))
	if err != nil {
		return fmt.Errorf("%s: %w", call, err)
	}
	c.WithHttpTransport(tr)
	resp, err := c.PhoneVerification(req)
	if err != nil {
		return callErr(call, err, nil)
	}
	if resp.Response == nil || resp.Response.Result == nil {
		return providers.Unavailable(call, errors.New("answer without a result"))
	}
	res := *resp.Response.Result
	if res == "0" {
		return nil
	}
	if why, ok := phoneRejected[res]; ok {
		return fmt.Errorf("%s: %w: %s (result %s)", call, identity.ErrRejected, why, res)
	}
	return providers.Unavailable(call, fmt.Errorf("result %s", res))
}

// faceRejected are ImageRecognition outcomes that say the person did not
// pass (the vendor's FailedOperation codes of this API).
var faceRejected = map[string]bool{
	"FailedOperation.CompareLowSimilarity":   true,
	"FailedOperation.IdFormatError":          true,
	"FailedOperation.IdNameMisMatch":         true,
	"FailedOperation.IdNoExistSystem":        true,
	"FailedOperation.IdPhotoNoExist":         true,
	"FailedOperation.ImageNoFace":            true,
	"FailedOperation.ImageDecodeFailed":      true,
	"FailedOperation.ImageBlur":              true,
	"FailedOperation.ImageSizeTooLarge":      true,
	"FailedOperation.CompareFail":            true,
	"FailedOperation.LifePhotoDetectNoFaces": true,
	"FailedOperation.LifePhotoDetectFake":    true,
}

// CompareFace compares a capture (an image, or its base64) with the
// public-security ID photo of the person's name and ID number. It is the
// face method of identity verification and the intent check by face at
// signing time.
func (p *Identity) CompareFace(ctx context.Context, person *identity.Person, capture []byte) error {
	const call = "tencent faceid.ImageRecognition"
	if len(capture) == 0 {
		return fmt.Errorf("%s: %w: no face capture", call, identity.ErrRejected)
	}
	img := string(capture)
	if _, err := base64.StdEncoding.DecodeString(img); err != nil {
		img = base64.StdEncoding.EncodeToString(capture)
	}
	req := faceid.NewImageRecognitionRequest()
	req.Name, req.IdCard, req.ImageBase64 = &person.Name, &person.IDNumber, &img
	ctx, cancel, tr := p.cfg.callCtx(ctx)
	defer cancel()
	c, err := faceid.NewClient(p.cfg.credential(), p.cfg.Region, p.cfg.profile("faceid"))
	if err != nil {
		return fmt.Errorf("%s: %w", call, err)
	}
	c.WithHttpTransport(tr)
	reject := func(code string) error {
		if faceRejected[code] {
			return fmt.Errorf("%w: face check: %s", identity.ErrRejected, code)
		}
		return nil
	}
	resp, err := c.ImageRecognition(req)
	if err != nil {
		return callErr(call, err, reject)
	}
	if resp.Response == nil || resp.Response.Result == nil {
		return providers.Unavailable(call, errors.New("answer without a result"))
	}
	if res := *resp.Response.Result; res != "Success" {
		if rerr := reject(res); rerr != nil {
			return fmt.Errorf("%s: %w", call, rerr)
		}
		return providers.Unavailable(call, fmt.Errorf("result %s", res))
	}
	if resp.Response.Sim == nil || *resp.Response.Sim < p.minSimilarity {
		sim := 0.0
		if resp.Response.Sim != nil {
			sim = *resp.Response.Sim
		}
		return fmt.Errorf("%s: %w: similarity %.2f below %.0f", call, identity.ErrRejected, sim, p.minSimilarity)
	}
	return nil
}

// closedStates are business states of a company that cannot sign.
var closedStates = []string{"注销", "吊销", "撤销", "迁出", "停业", "歇业", "清算"}

// registered looks the company up by credit code and name (OCR
// VerifyBasicBizLicense, text mode): it must be found, with the same
// name, not deregistered or revoked, and, when legalRep is set, with that
// legal representative.
func (p *Identity) registered(ctx context.Context, e *identity.Enterprise, legalRep string) error {
	const call = "tencent ocr.VerifyBasicBizLicense"
	req := ocr.NewVerifyBasicBizLicenseRequest()
	req.RegNum, req.Name = &e.CreditCode, &e.Name
	ctx, cancel, tr := p.cfg.callCtx(ctx)
	defer cancel()
	c, err := ocr.NewClient(p.cfg.credential(), p.cfg.Region, p.cfg.profile("ocr"))
	if err != nil {
		return fmt.Errorf("%s: %w", call, err)
	}
	c.WithHttpTransport(tr)
	resp, err := c.VerifyBasicBizLicense(req)
	if err != nil {
		return callErr(call, err, nil)
	}
	r := resp.Response
	if r == nil || r.ErrorCode == nil {
		return providers.Unavailable(call, errors.New("answer without an error code"))
	}
	if *r.ErrorCode != 0 {
		return providers.Unavailable(call, fmt.Errorf("error code %d", *r.ErrorCode))
	}
	res := r.RegNumResult
	switch {
	case res == nil || res.RegNum == nil:
		return providers.Unavailable(call, errors.New("answer without a verification result"))
	case *res.RegNum != "0":
		return fmt.Errorf("%s: %w: credit code not in the business registry", call, identity.ErrRejected)
	case res.Name == nil || *res.Name != "0":
		return fmt.Errorf("%s: %w: the registered name is not %q", call, identity.ErrRejected, e.Name)
	}
	if r.Entstatus != nil {
		for _, s := range closedStates {
			if strings.Contains(*r.Entstatus, s) {
				return fmt.Errorf("%s: %w: the company is %s", call, identity.ErrRejected, *r.Entstatus)
			}
		}
	}
	if legalRep != "" && (r.Frname == nil || *r.Frname != legalRep) {
		return fmt.Errorf("%s: %w: not the registered legal representative", call, identity.ErrRejected)
	}
	return nil
}
