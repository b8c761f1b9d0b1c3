package vendortest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Aliyun is an Alibaba Cloud OpenAPI endpoint (RPC style, signature V3).
type Aliyun struct {
	*server
	AccessKeyID, AccessKeySecret string
	// Now is the server's clock for the x-acs-date check (nil: time.Now).
	Now func() time.Time
}

// NewAliyun starts an endpoint accepting requests signed with id and
// secret. Close it after use.
func NewAliyun(id, secret string) *Aliyun {
	a := &Aliyun{AccessKeyID: id, AccessKeySecret: secret}
	a.server = newServer(http.HandlerFunc(a.serve))
	return a
}

func aliyunError(code, msg, reqID string) map[string]any {
	return map[string]any{"RequestId": reqID, "Code": code, "Message": msg, "HostId": "127.0.0.1"}
}

func (a *Aliyun) serve(w http.ResponseWriter, r *http.Request) {
	reqID := fmt.Sprintf("FAKE-%d", time.Now().UnixNano())
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, aliyunError("InvalidParameter", "body", reqID))
		return
	}
	params := map[string]any{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if form, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range form {
				params[k] = v[0]
			}
		}
	}
	action := r.Header.Get("x-acs-action")
	failure, status := a.verify(r, body)
	h := a.record(Call{Action: action, Params: params, SignatureOK: failure == ""})
	if failure != "" {
		code, msg, _ := strings.Cut(failure, ": ")
		writeJSON(w, status, aliyunError(code, msg, reqID))
		return
	}
	if h == nil {
		writeJSON(w, http.StatusNotFound, aliyunError("InvalidAction.NotFound", "no such action "+action, reqID))
		return
	}
	rep := h(params)
	wait(r, rep.Delay)
	switch {
	case rep.Status != 0 && rep.Status != http.StatusOK:
		code := rep.Error
		if code == "" {
			code = "ServiceUnavailable"
		}
		writeJSON(w, rep.Status, aliyunError(code, "scripted failure", reqID))
	case rep.Error != "":
		// Business failures of SendSms are HTTP 200 with a Code other
		// than OK (the dysmsapi error code list).
		writeJSON(w, http.StatusOK, map[string]any{"RequestId": reqID, "Code": rep.Error, "Message": "scripted error"})
	default:
		resp := map[string]any{"RequestId": reqID}
		for k, v := range rep.Body {
			resp[k] = v
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

// verify recomputes the ACS3-HMAC-SHA256 signature: "" when it matches,
// else "Code: message" and the HTTP status of the documented error.
func (a *Aliyun) verify(r *http.Request, body []byte) (string, int) {
	auth := r.Header.Get("Authorization")
	const alg = "ACS3-HMAC-SHA256 "
	if !strings.HasPrefix(auth, alg) {
		return "IncompleteSignature: Authorization is not ACS3-HMAC-SHA256", http.StatusBadRequest
	}
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, alg), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	if fields["Credential"] != a.AccessKeyID {
		return "InvalidAccessKeyId.NotFound: unknown AccessKeyId", http.StatusNotFound
	}
	payload := sha256.Sum256(body)
	hashed := hex.EncodeToString(payload[:])
	if got := r.Header.Get("x-acs-content-sha256"); got != hashed {
		return "IncompleteSignature: x-acs-content-sha256 is not the body's SHA-256", http.StatusBadRequest
	}
	date, err := time.Parse("2006-01-02T15:04:05Z", r.Header.Get("x-acs-date"))
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	if err != nil || now().Sub(date).Abs() > 15*time.Minute {
		return "InvalidTimeStamp.Expired: x-acs-date is missing or off by more than 15 minutes", http.StatusBadRequest
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	// Every common header but Authorization must be signed.
	for name := range r.Header {
		l := strings.ToLower(name)
		if (strings.HasPrefix(l, "x-acs-") || l == "host") && !slices.Contains(signed, l) {
			return "IncompleteSignature: header " + l + " is not signed", http.StatusBadRequest
		}
	}
	if !slices.Contains(signed, "host") {
		return "IncompleteSignature: host is not signed", http.StatusBadRequest
	}
	if !slices.IsSorted(signed) {
		return "IncompleteSignature: SignedHeaders not sorted", http.StatusBadRequest
	}
	var canonHeaders strings.Builder
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canonHeaders.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	canon := strings.Join([]string{r.Method, canonicalPath(r.URL.EscapedPath()), canonicalQuery(r.URL.Query()),
		canonHeaders.String(), fields["SignedHeaders"], hashed}, "\n")
	ch := sha256.Sum256([]byte(canon))
	m := hmac.New(sha256.New, []byte(a.AccessKeySecret))
	m.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(ch[:])))
	if !hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(fields["Signature"])) {
		return "SignatureDoesNotMatch: the request signature does not conform to Aliyun standards", http.StatusBadRequest
	}
	return "", 0
}

func canonicalPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// canonicalQuery sorts the parameters by name and joins the RFC 3986
// percent-encoded name=value pairs with "&".
func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, percentEncode(k)+"="+percentEncode(v))
		}
	}
	return strings.Join(parts, "&")
}

// percentEncode leaves A-Z a-z 0-9 - _ . ~ and encodes every other byte
// as %XY with upper-case hex, as the signature documents ask.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
