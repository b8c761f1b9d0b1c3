package vendortest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Tencent is a Tencent Cloud API 3.0 endpoint for every service (sms,
// faceid, ocr, cpdp): the service is read from the credential scope.
type Tencent struct {
	*server
	SecretID, SecretKey string
	// Now is the server's clock for the timestamp check (nil: time.Now).
	Now func() time.Time
}

// NewTencent starts a Tencent endpoint accepting requests signed with id
// and key. Close it after use.
func NewTencent(id, key string) *Tencent {
	t := &Tencent{SecretID: id, SecretKey: key}
	t.server = newServer(http.HandlerFunc(t.serve))
	return t
}

// tencentError is the documented error answer.
func tencentError(code, msg, reqID string) map[string]any {
	return map[string]any{"Response": map[string]any{"Error": map[string]any{"Code": code, "Message": msg}, "RequestId": reqID}}
}

func (t *Tencent) serve(w http.ResponseWriter, r *http.Request) {
	reqID := fmt.Sprintf("fake-%d", time.Now().UnixNano())
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil || r.Method != http.MethodPost || r.URL.Path != "/" {
		writeJSON(w, http.StatusOK, tencentError("InvalidParameter", "want POST / with a JSON body", reqID))
		return
	}
	action := r.Header.Get("X-TC-Action")
	service, sigErr := t.verify(r, body)
	params := map[string]any{}
	if err := json.Unmarshal(body, &params); err != nil {
		writeJSON(w, http.StatusOK, tencentError("InvalidParameter", "body is not JSON", reqID))
		return
	}
	h := t.record(Call{Service: service, Action: action, Params: params, SignatureOK: sigErr == ""})
	if sigErr != "" {
		code, msg, _ := strings.Cut(sigErr, ": ")
		writeJSON(w, http.StatusOK, tencentError(code, msg, reqID))
		return
	}
	if h == nil {
		writeJSON(w, http.StatusOK, tencentError("InvalidAction", "no such action "+action, reqID))
		return
	}
	rep := h(params)
	wait(r, rep.Delay)
	switch {
	case rep.Status != 0 && rep.Status != http.StatusOK:
		writeJSON(w, rep.Status, map[string]any{"message": http.StatusText(rep.Status)})
	case rep.Error != "":
		writeJSON(w, http.StatusOK, tencentError(rep.Error, "scripted error", reqID))
	default:
		resp := map[string]any{"RequestId": reqID}
		for k, v := range rep.Body {
			resp[k] = v
		}
		writeJSON(w, http.StatusOK, map[string]any{"Response": resp})
	}
}

// verify recomputes the TC3-HMAC-SHA256 signature. It returns the service
// of the credential scope and "" or "Code: message" of the documented
// AuthFailure error.
func (t *Tencent) verify(r *http.Request, body []byte) (service, failure string) {
	auth := r.Header.Get("Authorization")
	const alg = "TC3-HMAC-SHA256 "
	if !strings.HasPrefix(auth, alg) {
		return "", "AuthFailure.SignatureFailure: Authorization is not TC3-HMAC-SHA256"
	}
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, alg), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/") // id/date/service/tc3_request
	if len(scope) != 4 || scope[3] != "tc3_request" {
		return "", "AuthFailure.SignatureFailure: malformed Credential"
	}
	id, date, service := scope[0], scope[1], scope[2]
	if id != t.SecretID {
		return service, "AuthFailure.SecretIdNotFound: unknown SecretId"
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return service, "AuthFailure.SignatureFailure: X-TC-Timestamp"
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	// The documentation allows five minutes of clock difference.
	if d := now().Unix() - ts; d > 300 || d < -300 {
		return service, "AuthFailure.SignatureExpire: timestamp outside 5 minutes"
	}
	if time.Unix(ts, 0).UTC().Format("2006-01-02") != date {
		return service, "AuthFailure.SignatureFailure: credential date is not the timestamp's"
	}
	signed := fields["SignedHeaders"]
	var canonHeaders strings.Builder
	for _, h := range strings.Split(signed, ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canonHeaders.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	if !strings.Contains(";"+signed+";", ";content-type;") || !strings.Contains(";"+signed+";", ";host;") {
		return service, "AuthFailure.SignatureFailure: content-type and host must be signed"
	}
	payload := sha256.Sum256(body)
	canon := strings.Join([]string{r.Method, "/", r.URL.RawQuery, canonHeaders.String(), signed, hex.EncodeToString(payload[:])}, "\n")
	ch := sha256.Sum256([]byte(canon))
	sts := strings.Join([]string{"TC3-HMAC-SHA256", strconv.FormatInt(ts, 10), date + "/" + service + "/tc3_request", hex.EncodeToString(ch[:])}, "\n")
	k := mac([]byte("TC3"+t.SecretKey), date)
	k = mac(k, service)
	k = mac(k, "tc3_request")
	want := hex.EncodeToString(mac(k, sts))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return service, "AuthFailure.SignatureFailure: the signature does not match"
	}
	return service, ""
}

func mac(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}
