package node

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/web"
	"github.com/sealchain/sealchain/signer"
)

const webChromium = "/usr/bin/chromium"

// testWasm builds the browser verifier from source once per test binary,
// gzip'd as the node serves it: about 10 s on a warm Go cache, minutes on a
// cold one (2.5 min was seen on a fresh machine), hence the generous bound.
var testWasm = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "sealchain-wasm-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "sealchain.wasm")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", filepath.Join("..", "cmd", "sealchain-wasm", "build.sh"), out)
	cmd.Env = append(os.Environ(), "GO="+filepath.Join(runtime.GOROOT(), "bin", "go"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build.sh: %v\n%s", err, msg)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	gz := out + ".gz"
	return gz, os.WriteFile(gz, buf.Bytes(), 0o644)
})

// buildTestWasm is the verifier build the web tests wait for (a variable so
// that TestWebDeadlineAfterBuild can stand in a slow one).
var buildTestWasm = testWasm

func withTestWasm(t *testing.T) func(*config.Config) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the wasm verifier")
	}
	p, err := buildTestWasm()
	if err != nil {
		t.Fatal(err)
	}
	return func(c *config.Config) { c.API.VerifierWasm = p }
}

// webTestContext builds the verifier first and only then starts the test's
// deadline d: the build's time (minutes on a cold Go cache) must not eat
// into what the test allows its requests.
func webTestContext(t *testing.T, d time.Duration) (context.Context, func(*config.Config)) {
	t.Helper()
	mod := withTestWasm(t)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx, mod
}

// TestWebDeadlineAfterBuild stands in a verifier build slower than the
// test's deadline and checks that the deadline is still ahead afterwards
// (on a fresh machine, TestWebRoutes's 30 s ran out during a 2.5 min build).
func TestWebDeadlineAfterBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("web tests build the wasm verifier")
	}
	prev := buildTestWasm
	t.Cleanup(func() { buildTestWasm = prev })
	buildTestWasm = func() (string, error) {
		time.Sleep(300 * time.Millisecond)
		return "slow.wasm.gz", nil
	}
	ctx, mod := webTestContext(t, 200*time.Millisecond)
	if err := ctx.Err(); err != nil {
		t.Fatalf("the deadline ran out during the build: %v", err)
	}
	var c config.Config
	mod(&c)
	if c.API.VerifierWasm != "slow.wasm.gz" {
		t.Fatalf("VerifierWasm %q", c.API.VerifierWasm)
	}
}

// TestWebVerifierBuilding covers `make run`'s background build: while the
// file is missing and <file>.building names a live process, the page says
// the verifier is being built (with the command-line alternative) and the
// wasm route answers 503 with Retry-After; a marker left by a dead build is
// ignored (not built: 404); once the file appears it is served, without a
// restart, and again after it changes.
func TestWebVerifierBuilding(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	wasmPath := filepath.Join(t.TempDir(), "sealchain.wasm.gz")
	n := newITNet(ctx, t, func(c *config.Config) { c.API.VerifierWasm = wasmPath })
	get := func(path string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		tr := &http.Transport{DisableCompression: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	marker := wasmPath + ".building"

	// Building: this test process stands in for the builder.
	if err := os.WriteFile(marker, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
		t.Fatal(err)
	}
	status, hdr, body := get("/web/sealchain.wasm")
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" ||
		!strings.Contains(body, `"verifier_building"`) || !strings.Contains(body, "retry in a minute") || !strings.Contains(body, "sealchain verify --bundle") {
		t.Fatalf("wasm while building: %d %v %s", status, hdr, body)
	}
	if _, _, page := get("/"); !strings.Contains(page, `data-verifier="building"`) || !strings.Contains(page, "being built") ||
		!strings.Contains(page, "正在后台编译") || !strings.Contains(page, "sealchain verify --bundle") {
		t.Fatalf("page while building does not say so:\n%s", page)
	}

	// A marker left by a build that died: not built, not "building" forever.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(marker, []byte(fmt.Sprintf("%d\n", dead.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	if status, _, body := get("/web/sealchain.wasm"); status != http.StatusNotFound || !strings.Contains(body, `"not_built"`) {
		t.Fatalf("wasm with a stale marker: %d %s", status, body)
	}
	if _, _, page := get("/"); !strings.Contains(page, `data-verifier="missing"`) {
		t.Fatalf("page with a stale marker:\n%s", page)
	}

	// A marker naming a live pid but older than any build (the pid reused
	// since, or a system where liveness cannot be checked): stale too.
	if err := os.WriteFile(marker, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-31 * time.Minute)
	if err := os.Chtimes(marker, old, old); err != nil {
		t.Fatal(err)
	}
	if status, _, body := get("/web/sealchain.wasm"); status != http.StatusNotFound || !strings.Contains(body, `"not_built"`) {
		t.Fatalf("wasm with a 31-minute-old marker: %d %s", status, body)
	}

	// The build finishes: served at once, and re-read when it changes.
	for i, content := range []string{"\x00asm first", "\x00asm second build"} {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(content))
		zw.Close()
		tmp := wasmPath + ".tmp"
		if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, wasmPath); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			os.Remove(marker)
		}
		status, hdr, body := get("/web/sealchain.wasm")
		if status != http.StatusOK || hdr.Get("Content-Encoding") != "gzip" || body != buf.String() {
			t.Fatalf("wasm after build %d: %d %v (%d bytes, want %d)", i, status, hdr, len(body), buf.Len())
		}
	}
	if _, _, page := get("/"); strings.Contains(page, "verifier-notice") {
		t.Fatal("page still shows the notice once the verifier is there")
	}
}

func TestWebWasmExec(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatal(err)
	}
	have, _ := web.Verify.ReadFile("wasm_exec.js")
	if !bytes.Equal(want, have) {
		t.Errorf("node/web/wasm_exec.js is not this toolchain's (%s): run `make wasm`", runtime.Version())
	}
}

// TestWebRoutes checks the page's routes without a browser, on a real node.
func TestWebRoutes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node")
	}
	ctx, mod := webTestContext(t, 30*time.Second)
	n := newITNet(ctx, t, mod)
	for _, tc := range []struct {
		name, path, accept string
		status             int
		ctype, encoding    string
		contains           string
	}{
		{"root is the page", "/", "", 200, "text/html; charset=utf-8", "", "sealchainVerify"},
		{"verify is the page", "/verify?lang=en", "", 200, "text/html; charset=utf-8", "", `data-lang="en"`},
		{"script", "/web/app.js", "", 200, "text/javascript; charset=utf-8", "", "sealchainVerify"},
		{"inbox is a page", "/inbox", "", 200, "text/html; charset=utf-8", "", "/web/inbox.js"},
		{"inbox script", "/web/inbox.js", "", 200, "text/javascript; charset=utf-8", "", "/v1/cases?"},
		{"inbox template is not an asset", "/web/inbox.html", "", 404, "application/json; charset=utf-8", "", "not_found"},
		{"wasm gzip", "/web/sealchain.wasm", "gzip, br", 200, "application/wasm", "gzip", ""},
		{"wasm identity", "/web/sealchain.wasm", "identity", 200, "application/wasm", "", "\x00asm"},
		{"template is not an asset", "/web/index.html", "", 404, "application/json; charset=utf-8", "", "not_found"},
		{"unknown path stays a JSON 404", "/nope", "", 404, "application/json; charset=utf-8", "", "no endpoint /nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.base+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Set explicitly so the transport does not add gzip and decode it.
			req.Header.Set("Accept-Encoding", tc.accept)
			tr := &http.Transport{DisableCompression: true}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != tc.ctype || resp.Header.Get("Content-Encoding") != tc.encoding {
				t.Fatalf("GET %s: %d %q %q, want %d %q %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"),
					resp.Header.Get("Content-Encoding"), tc.status, tc.ctype, tc.encoding)
			}
			if tc.contains == "sealchainVerify" && tc.path == "/" {
				tc.contains = "/web/app.js" // the page loads the script that calls the verifier
			}
			if !strings.Contains(string(body), tc.contains) {
				t.Fatalf("GET %s: body does not contain %q", tc.path, tc.contains)
			}
		})
	}
}

// TestWebVerifyInBrowser drives headless Chromium through the verification
// page on a real node: the contract file verifies in the browser (WebAssembly),
// a file that was never recorded is reported as not on chain, and an altered
// file given with the bundle fails the file check. It writes full-page
// screenshots (see saveShot) web-verified.png and web-failed.png.
func TestWebVerifyInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node and a browser")
	}
	if _, err := os.Stat(webChromium); err != nil {
		if os.Getenv("CI") == "1" {
			t.Fatalf("CI=1 needs %s: %v", webChromium, err)
		}
		t.Skipf("no browser: %v", err)
	}
	ctx, mod := webTestContext(t, 55*time.Second)
	n := newITNet(ctx, t, mod)

	alice, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-web-alice")
	bob, _ := n.registerSigner(ctx, t, signer.AlgECDSAP256, "sc-web-bob")
	const contract = "web-contract-1"
	doc := []byte("%PDF-1.4\n% Sealchain web verification test: 房屋租赁合同 / lease agreement\n%%EOF\n")
	n.commit(ctx, t, n.build(t, contractBody(contract, doc, alice, bob), nil))
	n.signContract(ctx, t, contract, doc, alice, bob)
	bundle, _ := n.evidenceFor(ctx, t, doc)

	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	docPath := write("lease-contract.pdf", doc)
	altered := bytes.Replace(doc, []byte("lease"), []byte("lea5e"), 1)
	alteredPath := write("lease-contract-altered.pdf", altered)
	bundlePath := write("bundle.json", bundle)

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
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()

	// The first Run starts the browser and must not be bounded by a step's timeout.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", webChromium, err)
	}
	// step runs actions with a bound and, on failure, shows what the page says.
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 25*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			page, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("%s: %v\npage says:\n%s", what, err, page)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	attrs := func(sel, attr string) []string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll(`+jsString(sel)+`)].map(e => e.getAttribute(`+jsString(attr)+`))`))
		if err != nil {
			t.Fatalf("%s[%s]: %v", sel, attr, err)
		}
		return v
	}
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		saveShot(t, name, png)
	}
	verdictIs := func(kind string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.CSS(`#verdict[data-verdict="` + kind + `"]`))
	}

	// The contract file alone: the page fetches the bundle by hash and verifies it.
	step("load the page and the verifier",
		chromedp.Navigate(n.base+"/verify?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#engine[data-state="ready"]`)))
	step("verify the contract file",
		chromedp.SetUploadFiles(chromedp.CSS(`#doc`), []string{docPath}),
		verdictIs("ok"))
	screenshot("web-verified.png")
	title, body := text(`#verdict-title`), text(`#result`)
	if failed := attrs(`#checks li.fail[data-check]`, "data-check"); title != "验证通过" || len(failed) != 0 {
		t.Fatalf("verdict %q, failed checks %v; want 验证通过 and none", title, failed)
	}
	wantRows := []string{"cert_issued", "cert_issued", "contract_created", "intent_verified", "contract_signed", "intent_verified", "contract_signed", "contract_completed"}
	if rows := attrs(`#timeline tbody tr`, "data-type"); strings.Join(rows, ",") != strings.Join(wantRows, ",") {
		t.Errorf("timeline rows %v, want %v", rows, wantRows)
	}
	if signers := attrs(`#signers tbody tr`, "data-actor"); strings.Join(signers, ",") != alice.Cert.String()+","+bob.Cert.String() {
		t.Errorf("signers %v, want alice %s then bob %s", signers, alice.Cert, bob.Cert)
	}
	// Record types and checks are named from the verifier's table (evidence.Labels), as in the report.
	for _, want := range []string{contract, "短信验证码", "(UTC+8)", "来自本节点", "由本节点提供", "文件与链上登记的哈希一致", "合同创建", "签署意愿认证"} {
		if !strings.Contains(body, want) {
			t.Errorf("verified page does not say %q", want)
		}
	}

	// The language switch.
	step("switch to English", chromedp.Click(chromedp.CSS(`[data-set-lang="en"]`)))
	title, body = text(`#verdict-title`), text(`#result`)
	if title != "Verified" || !strings.Contains(body, "SMS one-time code") || !strings.Contains(body, "for full independence use your own copy") || !strings.Contains(body, "Signing intent verified") {
		t.Errorf("English page: verdict %q; body %q", title, body)
	}

	// A file that was never recorded: not on chain.
	step("altered file alone",
		chromedp.SetUploadFiles(chromedp.CSS(`#doc`), []string{alteredPath}),
		verdictIs("bad"))
	if title = text(`#verdict-title`); title != "Not on chain" {
		t.Errorf("altered file alone: verdict %q, want Not on chain", title)
	}

	// The altered file with the real bundle: the bundle verifies, the file does not.
	step("altered file with the bundle",
		chromedp.Click(chromedp.CSS(`[data-set-lang="zh"]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#bundle`), []string{bundlePath}),
		chromedp.WaitVisible(chromedp.CSS(`#checks li[data-check="file"].fail`)),
		verdictIs("bad"))
	screenshot("web-failed.png")
	title, body = text(`#verdict-title`), text(`#result`)
	if failed := attrs(`#checks li.fail[data-check]`, "data-check"); title != "验证失败" || strings.Join(failed, ",") != "file" || !strings.Contains(body, "可能已被修改") {
		t.Errorf("altered file with the bundle: verdict %q, failed %v", title, failed)
	}

	// An evidence report: the page takes the bundle out of its attachment.
	status, _, jb := itDo(ctx, t, http.MethodPost, n.base+"/v1/reports", "application/json", []byte(`{"contract_id":`+jsString(contract)+`}`))
	if status != http.StatusAccepted {
		t.Fatalf("POST /v1/reports: %d %s", status, jb)
	}
	var job struct{ ID, Status string }
	json.Unmarshal(jb, &job)
	nodetest.WaitFor(t, 30*time.Second, "the report", func() bool {
		_, _, b := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+job.ID, "", nil)
		json.Unmarshal(b, &job)
		return job.Status == "done" || job.Status == "failed"
	})
	_, _, pdfBytes := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+job.ID+"/pdf", "", nil)
	reportPath := filepath.Join(dir, "evidence-report.pdf")
	if err := os.WriteFile(reportPath, pdfBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	step("an evidence report",
		chromedp.Click(chromedp.CSS(`#reset`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#doc`), []string{reportPath}),
		verdictIs("ok"))
	screenshot("web-report.png")
	if body = text(`#result`); !strings.Contains(body, "证据报告") || !strings.Contains(body, "evidence-report.pdf") {
		t.Errorf("report page does not name the report: %q", body)
	}

	// The report's QR code opens this node's page with ?bundle=<SM3>: the page
	// says so, and checks the report it is given against the code.
	var rj struct {
		BundleSM3 string `json:"bundle_sm3"`
		VerifyURL string `json:"verify_url"`
	}
	_, _, jb = itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+job.ID, "", nil)
	json.Unmarshal(jb, &rj)
	if rj.VerifyURL != n.base+"/verify" || !bytes.Contains(pdfBytes, []byte(rj.VerifyURL+"?bundle="+rj.BundleSM3)) {
		t.Fatalf("report QR URL %q?bundle=%s, want this node's page %s/verify", rj.VerifyURL, rj.BundleSM3, n.base)
	}
	for _, tc := range []struct{ sm3, verdict, qr string }{
		{rj.BundleSM3, "ok", "match"},
		{strings.Repeat("0", 64), "bad", "mismatch"},
	} {
		step("the QR code's page, "+tc.qr,
			chromedp.Navigate(rj.VerifyURL+"?lang=zh&bundle="+tc.sm3),
			chromedp.WaitVisible(chromedp.CSS(`#engine[data-state="ready"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#qr-note`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#doc`), []string{reportPath}),
			verdictIs(tc.verdict),
			chromedp.WaitVisible(chromedp.CSS(`#facts [data-qr="`+tc.qr+`"]`)))
		screenshot("web-qr-" + tc.qr + ".png")
		if note := text(`#qr-note`); !strings.Contains(note, tc.sm3) {
			t.Errorf("QR note %q does not name %s", note, tc.sm3)
		}
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// saveShot writes a screenshot for people to look at: under
// testdata/screenshots/web when SEALCHAIN_SCREENSHOTS is set, else into the
// test's temporary directory, so an ordinary run leaves the tree untouched.
func saveShot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := t.TempDir()
	if os.Getenv("SEALCHAIN_SCREENSHOTS") != "" {
		dir = filepath.Join("testdata", "screenshots", "web")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
