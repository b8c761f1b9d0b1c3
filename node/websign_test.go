package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/internal/testport"
	"github.com/sealchain/sealchain/node/chainapi"
	"github.com/sealchain/sealchain/node/flowapi"
	"github.com/sealchain/sealchain/node/httpjson"
)

// browser is headless Chromium on a phone-sized viewport, for the signing
// pages' tests. Every helper fails the test with what the page says.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string // screenshot directory
	n     int    // screenshots taken, for their file names' order
}

// needChromium skips without a browser, except on CI where it must be there.
func needChromium(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if _, err := os.Stat(webChromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs %s (installed by .ci/run): %v", webChromium, err)
		}
		t.Skipf("no browser at %s (apt-get install chromium): %v", webChromium, err)
	}
}

// shotDir is testdata/screenshots/<dir> when SEALCHAIN_SCREENSHOTS is set
// (for people to look at), else a temporary directory.
func shotDir(t *testing.T, dir string) string {
	t.Helper()
	if os.Getenv("SEALCHAIN_SCREENSHOTS") == "" {
		return t.TempDir()
	}
	p := filepath.Join("testdata", "screenshots", dir)
	// A fresh directory, so no screenshot of an earlier run is mistaken for this one's.
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// newBrowser starts Chromium (the flags of TestWebVerifyInBrowser) with a
// 390×844 touch viewport and Accept-Language lang.
func newBrowser(ctx context.Context, t *testing.T, shots, lang string) *browser {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(webChromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	// The first action starts the browser and must not be bounded by a step's timeout.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank"),
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateTouch)); err != nil {
		t.Fatalf("start %s: %v", webChromium, err)
	}
	return &browser{t: t, ctx: bctx, shots: shots}
}

// step runs actions within 20 s; on failure it shows the page's text.
func (b *browser) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		page, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.dataset.phase + "\n" + document.body.innerText`))
		b.t.Fatalf("%s: %v\npage (phase, text):\n%s", what, err, page)
	}
}

// text is the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`(() => { const e = document.querySelector(`+jsString(sel)+`); return e ? e.innerText : "<none>"; })()`))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// shot saves a full-page screenshot as NN-name.png and returns its path.
func (b *browser) shot(name string) string {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.n++
	p := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// phaseIs waits until the page is in phase (body[data-phase]).
func phaseIs(phase string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(`body[data-phase="` + phase + `"] main`))
}

// fakeSigner is a hand-written stand-in for the signer API
// (docs/workflow.md, "Signer API") with one link per page state, so the
// page's states can be checked without the workflow module.
type fakeSigner struct {
	mu       sync.Mutex
	views    map[string]map[string]any // token -> GET /v1/sign/{token}
	tries    int
	keys     []string // Idempotency-Key of every POST
	pdf      []byte
	page     []byte // GET /v1/sign/{token}/page/{n}: an OFD page's picture
	signed   bool
	declined string // the reason given
}

func newFakeSigner() *fakeSigner {
	parties := func(me int, statuses ...string) []any {
		var out []any
		names := []string{"张*", "李*"}
		roles := []string{"甲方", "乙方"}
		for i, s := range statuses {
			out = append(out, map[string]any{"index": i, "display_name": names[i], "role": roles[i], "status": s})
		}
		return out
	}
	view := func(status string, me int, used bool, statuses ...string) map[string]any {
		ps := parties(me, statuses...)
		p := ps[me].(map[string]any)
		turn := status == "signing" && p["status"] != "signed" && (me == 0 || statuses[me-1] == "signed")
		party := map[string]any{"index": me, "display_name": p["display_name"], "role": p["role"], "status": p["status"],
			"turn": turn, "area": map[string]any{"page": 1, "x": 72, "y": 72, "w": 120, "h": 120}, "phone_masked": "138****000" + string(rune('1'+me))}
		if p["status"] == "signed" {
			party["signed_sm3"] = strings.Repeat("cd", 32)
		}
		return map[string]any{"contract_id": "wf-fake-1", "title": "房屋租赁合同 2026-001", "status": status, "order": "sequential",
			"deadline": "2026-12-31T00:00:00Z", "party": party, "parties": ps, "link_used": used, "can_sign": turn && !used,
			"current_sm3": strings.Repeat("9a", 32)}
	}
	f := &fakeSigner{views: map[string]map[string]any{
		"tok-a":       view("signing", 0, false, "viewed", "pending"),
		"tok-b-early": view("signing", 1, false, "pending", "viewed"),
		"tok-void":    view("voided", 1, false, "signed", "viewed"),
		"tok-expired": view("expired", 0, false, "viewed", "pending"),
		"tok-used":    view("completed", 1, true, "signed", "signed"),
		"tok-decline": view("signing", 0, false, "viewed", "pending"),
		"tok-cool":    view("signing", 0, false, "viewed", "pending"),
		"tok-locked":  view("signing", 0, false, "viewed", "pending"),
	}, pdf: onePagePDF("Lease agreement 2026-001")}
	f.views["tok-locked"]["party"].(map[string]any)["locked"] = true
	f.views["tok-locked"]["can_sign"] = false
	return f
}

func (f *fakeSigner) register(mux *http.ServeMux) {
	view := func(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
		v, ok := f.views[r.PathValue("token")]
		if !ok {
			writeError(w, http.StatusNotFound, "not_found", "no signing link")
		}
		if ok && r.Method == http.MethodPost {
			k := r.Header.Get("Idempotency-Key")
			if k == "" {
				writeError(w, http.StatusBadRequest, "idempotency_key_required", "header Idempotency-Key")
				return nil, false
			}
			f.keys = append(f.keys, k)
		}
		return v, ok
	}
	mux.HandleFunc("GET /v1/sign/{token}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if v, ok := view(w, r); ok {
			writeJSON(w, http.StatusOK, v)
		}
	})
	mux.HandleFunc("GET /v1/sign/{token}/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(f.pdf)
	})
	mux.HandleFunc("GET /v1/sign/{token}/page/{n}", func(w http.ResponseWriter, r *http.Request) {
		if f.page == nil {
			writeError(w, http.StatusNotImplemented, "render_unavailable", "this node cannot draw OFD pages")
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("X-Sealchain-Unsupported", "TextObject with an embedded font (drawn with a fallback font)")
		w.Write(f.page)
	})
	mux.HandleFunc("POST /v1/sign/{token}/code", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		v, ok := view(w, r)
		if !ok {
			return
		}
		var in struct{ Purpose string }
		json.NewDecoder(r.Body).Decode(&in)
		switch {
		case v["status"] != "signing":
			writeError(w, http.StatusGone, "contract_"+v["status"].(string), "the contract is closed")
		case r.PathValue("token") == "tok-cool":
			w.Header().Set("Retry-After", "42")
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]any{"code": "otp_cooldown",
				"message": "a code was sent 18s ago; ask again in 42s", "retry_after_seconds": 42}})
		case in.Purpose != "decline" && v["party"].(map[string]any)["turn"] != true:
			writeError(w, http.StatusConflict, "not_your_turn", "an earlier party has not signed")
		default:
			writeJSON(w, http.StatusOK, map[string]any{"sent_to": "138****0001", "expires_at": time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339),
				"attempts_left": 5, "resend_after": time.Now().Add(time.Minute).UTC().Format(time.RFC3339), "codes_left": 9})
		}
	})
	mux.HandleFunc("POST /v1/sign/{token}/sign", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		v, ok := view(w, r)
		if !ok {
			return
		}
		var in struct{ Method, Code string }
		json.NewDecoder(r.Body).Decode(&in)
		if in.Code != "246810" {
			f.tries++
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]any{"code": "otp_mismatch", "message": "wrong code: " + string(rune('0'+5-f.tries)) + " attempts left"}})
			return
		}
		p := v["party"].(map[string]any)
		p["status"], p["signed_at"], p["signed_sm3"] = "signed", "2026-11-27T00:01:02Z", strings.Repeat("ab", 32)
		v["parties"].([]any)[0].(map[string]any)["status"] = "signed"
		v["link_used"] = true
		f.signed = true
		writeJSON(w, http.StatusOK, map[string]any{"status": "signed", "contract_status": "signing", "signed_sm3": strings.Repeat("ab", 32)})
	})
	mux.HandleFunc("POST /v1/sign/{token}/decline", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		v, ok := view(w, r)
		if !ok {
			return
		}
		var in struct{ Reason, Method, Code string }
		json.NewDecoder(r.Body).Decode(&in)
		if in.Reason == "" {
			writeError(w, http.StatusBadRequest, "bad_field", "field reason: empty")
			return
		}
		if in.Method != "sms" || in.Code != "246810" {
			writeError(w, http.StatusUnprocessableEntity, "otp_mismatch", "field code: wrong code")
			return
		}
		f.declined = in.Reason
		v["party"].(map[string]any)["status"], v["status"], v["link_used"] = "declined", "declined", true
		writeJSON(w, http.StatusOK, map[string]any{"status": "declined"})
	})
	mux.HandleFunc("GET /v1/sign/{token}/result", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		v, ok := view(w, r)
		if !ok {
			return
		}
		p := v["party"].(map[string]any)
		writeJSON(w, http.StatusOK, map[string]any{"party_status": p["status"], "contract_status": v["status"], "signed_at": p["signed_at"],
			"signed_sm3": p["signed_sm3"], "current_sm3": v["current_sm3"], "pending_records": 0,
			"records": []any{
				map[string]any{"type": "intent_verified", "tx": strings.Repeat("1f", 32), "status": "committed", "height": 41, "index": 17},
				map[string]any{"type": "contract_signed", "tx": strings.Repeat("2e", 32), "status": "committed", "height": 42, "index": 18},
			}})
	})
}

// serveSignPages serves the signing pages and the fake API on a free
// 127.0.0.1 port and returns the base URL.
func serveSignPages(t *testing.T, f *fakeSigner) string {
	t.Helper()
	a := httpjson.NewRouter(nil)
	flowapi.RegisterPages(a, "sealchain-test", "platform", nil)
	fake := http.NewServeMux()
	f.register(fake)
	a.Handle("/v1/sign/", fake)
	addr, err := testport.Free()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("close: %v", err)
		}
	})
	return "http://" + addr
}

// TestSignPageStates drives the signing page in a browser through its
// states against a fake signer API: a wrong code with attempts left, a
// successful signature, not your turn, a voided and an expired contract, a
// used link, an unknown link, and the language defaults and switch.
func TestSignPageStates(t *testing.T) {
	needChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	f := newFakeSigner()
	base := serveSignPages(t, f)
	b := newBrowser(ctx, t, shotDir(t, "sign-states"), "zh-CN,zh")

	// Party A: read, ask for a code, enter a wrong one, then the right one.
	b.step("open A's link", chromedp.Navigate(base+"/sign/tok-a"), phaseIs("read"))
	if got := b.text("#c-title"); got != "房屋租赁合同 2026-001" {
		t.Errorf("title %q", got)
	}
	if got := b.text("#parties"); !strings.Contains(got, "甲方 · 张*") || !strings.Contains(got, "当前签署方") || !strings.Contains(got, "乙方 · 李*") {
		t.Errorf("parties say %q", got)
	}
	if dis := eval[bool](b, `document.getElementById("send-code").disabled`); !dis {
		t.Error("the code button is enabled before the party agreed")
	}
	b.shot("a-read-zh")
	b.step("agree and ask for a code",
		chromedp.Click(chromedp.CSS(`#agree`)),
		chromedp.Click(chromedp.CSS(`#send-code`)),
		phaseIs("code"))
	if got := b.text("#code-sent"); !strings.Contains(got, "138****0001") {
		t.Errorf("code sent says %q", got)
	}
	b.step("a wrong code",
		chromedp.SendKeys(chromedp.CSS(`#code`), "111111"),
		chromedp.Click(chromedp.CSS(`#sign`)),
		chromedp.WaitVisible(chromedp.CSS(`#code-err[data-code="otp_mismatch"]`)))
	if got := b.text("#code-err"); got != "验证码错误，还可尝试 4 次。" {
		t.Errorf("wrong code says %q", got)
	}
	b.shot("a-wrong-code")
	b.step("the right code",
		chromedp.SetValue(chromedp.CSS(`#code`), ""),
		chromedp.SendKeys(chromedp.CSS(`#code`), "246810"),
		chromedp.Click(chromedp.CSS(`#sign`)),
		phaseIs("done"),
		chromedp.WaitVisible(chromedp.CSS(`#dl-evidence`)))
	res := b.text("#result")
	for _, want := range []string{"签署成功", "区块高度", "42", strings.Repeat("2e", 32), "下载已签署的合同 PDF", "下载证据包"} {
		if !strings.Contains(res, want) {
			t.Errorf("result does not say %q:\n%s", want, res)
		}
	}
	b.shot("a-signed")
	b.step("English", chromedp.Click(chromedp.CSS(`[data-set-lang="en"]`)))
	if got := b.text("#r-title"); got != "Signed" {
		t.Errorf("English result title %q", got)
	}
	b.shot("a-signed-en")

	// Decline with a reason: an empty reason is refused on the page.
	b.step("open a link to decline", chromedp.Navigate(base+"/sign/tok-decline?lang=zh"), phaseIs("read"),
		chromedp.Click(chromedp.CSS(`#show-decline`)), phaseIs("decline"),
		chromedp.Click(chromedp.CSS(`#decline`)), chromedp.WaitVisible(chromedp.CSS(`#reason-err`)))
	if got := b.text("#reason-err"); got != "请填写拒签原因。" {
		t.Errorf("empty reason says %q", got)
	}
	// Declining needs an SMS code too: without one the page asks for it.
	b.step("a reason but no code",
		chromedp.SendKeys(chromedp.CSS(`#reason`), "租金条款有误"),
		chromedp.Click(chromedp.CSS(`#decline`)), chromedp.WaitVisible(chromedp.CSS(`#reason-err`)))
	if got := b.text("#reason-err"); got != "请先获取验证码。" {
		t.Errorf("decline without a code says %q", got)
	}
	b.step("ask for a code to decline",
		chromedp.Click(chromedp.CSS(`#decline-send-code`)),
		// The paragraph is laid out (visible) before the answer fills it.
		chromedp.Poll[chromedp.Void](`document.getElementById("decline-sent").textContent !== ""`))
	if got := b.text("#decline-sent"); !strings.Contains(got, "138****0001") {
		t.Errorf("decline code sent says %q", got)
	}
	if dis := eval[bool](b, `document.getElementById("decline-send-code").disabled`); !dis {
		t.Error("the decline code button is enabled during the cooldown")
	}
	b.shot("decline-code")
	b.step("decline with the code",
		chromedp.SendKeys(chromedp.CSS(`#decline-code`), "246810"),
		chromedp.Click(chromedp.CSS(`#decline`)),
		phaseIs("done"), chromedp.WaitVisible(chromedp.CSS(`#result[data-outcome="declined"]`)))
	if got := b.text("#r-title"); got != "您已拒签" {
		t.Errorf("declined title %q", got)
	}
	b.shot("declined")

	// Asking for codes too often: the wait is shown.
	b.step("a code too soon", chromedp.Navigate(base+"/sign/tok-cool?lang=zh"), phaseIs("read"),
		chromedp.Click(chromedp.CSS(`#agree`)), chromedp.Click(chromedp.CSS(`#send-code`)),
		chromedp.WaitVisible(chromedp.CSS(`#read-err`)))
	if got := b.text("#read-err"); got != "获取过于频繁，请 42 秒后再获取验证码。" {
		t.Errorf("cooldown says %q", got)
	}
	b.shot("code-cooldown")

	// Closed and early states.
	for _, tc := range []struct {
		name, token, phase, sel, want string
	}{
		{"not your turn", "tok-b-early", "wait", `#notice[data-kind="not_your_turn"]`, "还未轮到您签署"},
		{"voided", "tok-void", "closed", `#notice[data-kind="contract_voided"]`, "合同已撤销"},
		{"expired", "tok-expired", "closed", `#notice[data-kind="contract_expired"]`, "签署已过期"},
		{"used link", "tok-used", "done", `#result[data-outcome="signed"]`, "签署成功"},
		{"unknown link", "tok-nope", "fatal", `#fatal[data-code="not_found"]`, "链接无效"},
		{"locked link", "tok-locked", "closed", `#notice[data-kind="link_locked"]`, "链接已锁定"},
	} {
		b.step(tc.name, chromedp.Navigate(base+"/sign/"+tc.token+"?lang=zh"), phaseIs(tc.phase), chromedp.WaitVisible(chromedp.CSS(tc.sel)))
		if got := b.text(tc.sel); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %s says %q, want %q", tc.name, tc.sel, got, tc.want)
		}
		if tc.phase == "wait" || tc.phase == "closed" {
			if vis := eval[bool](b, `[...document.querySelectorAll(".act")].some(e => !e.hidden)`); vis {
				t.Errorf("%s: an action form is showing", tc.name)
			}
		}
		b.shot(strings.ReplaceAll(tc.name, " ", "-"))
	}

	// Accept-Language decides without ?lang.
	b2 := newBrowser(ctx, t, b.shots, "en-US,en")
	b2.step("English by default", chromedp.Navigate(base+"/sign/tok-b-early"), phaseIs("wait"))
	if got := b2.text(`#notice`); !strings.Contains(got, "Not your turn yet") || !strings.Contains(got, "甲方 · 张* must sign first") {
		t.Errorf("English notice %q", got)
	}
	b2.n = b.n
	b2.shot("not-your-turn-en")

	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for _, k := range f.keys {
		if seen[k] {
			t.Errorf("Idempotency-Key %s used for two different POSTs", k)
		}
		seen[k] = true
	}
	if len(f.keys) != 6 || !f.signed || f.declined != "租金条款有误" {
		t.Errorf("POSTs with keys: %d (want 6: code, wrong sign, sign, decline code, decline, code too soon); signed %v; declined %q", len(f.keys), f.signed, f.declined)
	}
}

// TestSignRoutes checks the pages' routes, language choice and headers
// without a browser.
func TestSignRoutes(t *testing.T) {
	base := serveSignPages(t, newFakeSigner())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name, path, acceptLang string
		status                 int
		ctype, contains        string
	}{
		{"signing page, Chinese by default", "/sign/tok-a", "", 200, "text/html; charset=utf-8", `data-lang="zh"`},
		{"signing page, English browser", "/sign/tok-a", "en-US,en;q=0.9", 200, "text/html; charset=utf-8", `data-lang="en"`},
		{"signing page, Chinese browser that also reads English", "/sign/tok-a", "zh-CN,zh;q=0.9,en;q=0.8", 200, "text/html; charset=utf-8", `data-lang="zh"`},
		{"?lang wins", "/sign/tok-a?lang=en", "zh-CN", 200, "text/html; charset=utf-8", `data-lang="en"`},
		{"progress page", "/wf/contracts/wf-1", "", 200, "text/html; charset=utf-8", "/web/sign/progress.js"},
		{"script", "/web/sign/sign.js", "", 200, "text/javascript; charset=utf-8", "/v1/sign/"},
		{"styles", "/web/sign/sign.css", "", 200, "text/css; charset=utf-8", ".btn"},
		{"a template is not an asset", "/web/sign/index.html", "", 404, "application/json; charset=utf-8", "not_found"},
		{"no such asset", "/web/sign/nope.js", "", 404, "application/json; charset=utf-8", "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept-Language", tc.acceptLang)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body strings.Builder
			if _, err := io.Copy(&body, resp.Body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != tc.ctype {
				t.Fatalf("GET %s: %d %q, want %d %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.ctype)
			}
			if !strings.Contains(body.String(), tc.contains) {
				t.Errorf("GET %s: body does not contain %q", tc.path, tc.contains)
			}
			if tc.status == 200 {
				h := resp.Header
				if h.Get("Content-Security-Policy") != flowapi.SignCSP || h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
					t.Errorf("GET %s: headers CSP %q, Referrer-Policy %q, Cache-Control %q", tc.path,
						h.Get("Content-Security-Policy"), h.Get("Referrer-Policy"), h.Get("Cache-Control"))
				}
			}
		})
	}
}

// TestSignPagesOnlyWithWorkflow: a node that does not run the workflow
// serves no signing pages.
func TestSignPagesOnlyWithWorkflow(t *testing.T) {
	a := httpjson.NewRouter(nil)
	chainapi.New(chainapi.Config{Genesis: &types.GenesisDoc{ChainID: "sealchain-test"}, Org: "platform",
		Logger: slog.New(slog.DiscardHandler)}).Register(a)
	for _, path := range []string{"/sign/tok-a", "/wf/contracts/wf-1", "/web/sign/sign.js"} {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s without the workflow: %d, want 404", path, rec.Code)
		}
	}
}
