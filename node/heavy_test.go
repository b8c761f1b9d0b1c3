package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
)

// errorCode decodes a JSON error body.
func errorCode(t *testing.T, raw []byte) string {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not a JSON error: %v: %s", err, raw)
	}
	return e.Error.Code
}

// TestSealRenderUnderLoad runs 16 maximum-size seal renders in parallel on
// a real node and checks that /healthz keeps answering within 200 ms, that
// the renders beyond the limits get 429/503 JSON at once, and that a
// repeated render comes from the cache (issue 12, item 5).
func TestSealRenderUnderLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	n := newITNet(ctx, t)
	render := func(body string) (int, http.Header, []byte, time.Duration) {
		t0 := time.Now()
		status, hdr, raw := itDo(ctx, t, http.MethodPost, n.base+"/v1/seals/render", "application/json", []byte(body))
		return status, hdr, raw, time.Since(t0)
	}
	if status, _, raw, _ := render(`{"kind":"personal","name":"张三","size":2048}`); status != http.StatusBadRequest || !strings.Contains(string(raw), "size") {
		t.Fatalf("2048 px: status %d: %s", status, raw)
	}

	stop := make(chan struct{})
	var worst time.Duration
	var checks int
	hdone := make(chan struct{})
	go func() {
		defer close(hdone)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			t0 := time.Now()
			status, _, _ := itDo(ctx, t, http.MethodGet, n.base+"/healthz", "", nil)
			if d := time.Since(t0); status == http.StatusOK {
				worst = max(worst, d)
				checks++
			}
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"kind":"enterprise","name":"北京某某科技有限公司%d","purpose":"合同专用章","size":%d}`, i, maxRenderSize)
			status, _, raw, d := render(body)
			mu.Lock()
			counts[status]++
			mu.Unlock()
			if status != http.StatusOK {
				if code := errorCode(t, raw); code != "too_many_requests" && code != "busy" {
					t.Errorf("render %d: %d %s", i, status, code)
				}
				if d > time.Second {
					t.Errorf("render %d refused after %v, want at once", i, d)
				}
			}
		}()
	}
	wg.Wait()
	time.Sleep(100 * time.Millisecond)
	close(stop)
	<-hdone
	t.Logf("renders by status %v; /healthz worst %v over %d checks", counts, worst, checks)
	if counts[http.StatusOK] < 1 || counts[http.StatusOK]+counts[http.StatusTooManyRequests]+counts[http.StatusServiceUnavailable] != 16 {
		t.Errorf("statuses %v", counts)
	}
	switch {
	case checks == 0:
		t.Errorf("no /healthz check answered while renders ran")
	case worst > 200*time.Millisecond && !raceEnabled:
		t.Errorf("/healthz took up to %v (%d checks) while renders ran, want < 200ms", worst, checks)
	}

	// The same request again is served from the cache.
	body := `{"kind":"personal","name":"李四"}`
	for i, want := range []string{"miss", "hit"} {
		for try := 0; ; try++ {
			status, hdr, raw, _ := render(body)
			if status == http.StatusTooManyRequests && try < 20 {
				time.Sleep(time.Duration(renderEvery)) // a token refills
				continue
			}
			if status != http.StatusOK || hdr.Get("X-Seal-Cache") != want {
				t.Fatalf("render %d: status %d cache %q, want %q: %s", i, status, hdr.Get("X-Seal-Cache"), want, raw)
			}
			break
		}
	}
}

// TestPDFVerifyLimits checks the verify route's own body limit, the 422 for
// files past the verifier's caps, and the per-client and node-wide
// concurrency limits (issue 12, item 2).
func TestPDFVerifyLimits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := newITNet(ctx, t, func(c *config.Config) { c.API.PDFMaxBytes = 64 << 10 })
	post := func(body []byte) (int, string) {
		status, _, raw := itDo(ctx, t, http.MethodPost, n.base+"/v1/pdf/verify", "application/pdf", body)
		if status == http.StatusOK {
			return status, ""
		}
		return status, errorCode(t, raw)
	}
	if status, code := post(make([]byte, 64<<10+1)); status != http.StatusRequestEntityTooLarge || code != "too_large" {
		t.Errorf("body over api.pdf_max_bytes: %d %s", status, code)
	}
	var many bytes.Buffer
	many.WriteString("%PDF-1.7\n")
	for range pdf.MaxSignatures + 1 {
		many.WriteString("1 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n")
	}
	if status, code := post(many.Bytes()); status != http.StatusUnprocessableEntity || code != "too_complex" {
		t.Errorf("%d signature dictionaries: %d %s", pdf.MaxSignatures+1, status, code)
	}

	// A slow upload holds this client's upload slot, but not the only
	// verification slot: that is taken only once the body is in.
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.base+"/v1/pdf/verify", pr)
	if err != nil {
		t.Fatal(err)
	}
	slow := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	if _, err := pw.Write([]byte("%PDF-1.7\n")); err != nil {
		t.Fatal(err)
	}
	// Until the slow request's handler has started, a second one is served.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		status, code := post(many.Bytes())
		if status == http.StatusTooManyRequests && code == "too_many_requests" {
			break
		}
		if code != "too_complex" || time.Now().After(deadline) {
			t.Fatalf("second request of one client: %d %s", status, code)
		}
	}
	// Another client (127.0.0.2) is served meanwhile.
	other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	oreq, _ := http.NewRequestWithContext(ctx, http.MethodPost, n.base+"/v1/pdf/verify", bytes.NewReader(many.Bytes()))
	if resp, err := other.Do(oreq); err != nil {
		t.Errorf("second client: %v", err)
	} else {
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || errorCode(t, raw) != "too_complex" {
			t.Errorf("second client while a slow upload runs: %d %s, want 422 too_complex", resp.StatusCode, raw)
		}
	}
	pw.Close()
	if status := <-slow; status != http.StatusUnprocessableEntity {
		t.Errorf("slow upload: %d", status)
	}
	if status, code := post(many.Bytes()); status != http.StatusUnprocessableEntity || code != "too_complex" {
		t.Errorf("after the slot is free: %d %s", status, code)
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter("things", "api.x", 2)
	req := func(ip string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.RemoteAddr = ip + ":1234"
		return r
	}
	var releases []func()
	for _, tc := range []struct {
		ip     string
		status int
	}{
		{"10.0.0.1", 0}, {"10.0.0.1", http.StatusTooManyRequests}, {"10.0.0.2", 0},
		{"10.0.0.3", http.StatusServiceUnavailable},
	} {
		w := httptest.NewRecorder()
		rel, ok := l.acquire(w, req(tc.ip))
		if ok != (tc.status == 0) || (!ok && w.Code != tc.status) {
			t.Fatalf("%s: ok %v status %d, want %d", tc.ip, ok, w.Code, tc.status)
		}
		if ok {
			releases = append(releases, rel)
		}
	}
	releases[0]()
	if _, ok := l.acquire(httptest.NewRecorder(), req("10.0.0.3")); !ok {
		t.Fatal("slot not released")
	}
}

func TestClientOf(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:1234", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:1234", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:443", "2001:db8:1:3::/64"},
		{"[fe80::1%eth0]:443", "fe80::/64"},
		{"not-an-address", "not-an-address"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		if got := clientOf(r); got != tc.want {
			t.Errorf("clientOf(%s) = %s, want %s", tc.remote, got, tc.want)
		}
	}
}

// TestSealRenderRefusedKeepsToken checks that a render refused for want of
// a slot does not spend the client's rate token.
func TestSealRenderRefusedKeepsToken(t *testing.T) {
	a := &api{heavy: newHeavy(config.Default().API)}
	h := a.heavyRoutes()
	busy := httptest.NewRequest(http.MethodPost, "/", nil)
	busy.RemoteAddr = "10.0.0.9:1"
	release, ok := h.render.acquire(httptest.NewRecorder(), busy)
	if !ok {
		t.Fatal("slot")
	}
	defer release()
	for i := range renderBurst + 2 {
		r := httptest.NewRequest(http.MethodPost, "/v1/seals/render", strings.NewReader(fmt.Sprintf(`{"kind":"personal","name":"张%d"}`, i)))
		r.RemoteAddr = "10.0.0.1:1"
		w := httptest.NewRecorder()
		a.sealRender(w, r)
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("render %d: %d %s", i, w.Code, w.Body)
		}
	}
	h.renderRate.mu.Lock()
	b := h.renderRate.m["10.0.0.1"]
	h.renderRate.mu.Unlock()
	if b != nil && b.tokens < renderBurst-1 {
		t.Errorf("tokens %.1f after refused renders, want %d", b.tokens, renderBurst)
	}
}

func TestLRU(t *testing.T) {
	c := newLRU(2, 10)
	c.put("a", []byte("1234"))
	c.put("b", []byte("1234"))
	c.get("a")
	c.put("c", []byte("12")) // evicts b (entries)
	if _, ok := c.get("b"); ok {
		t.Error("b kept")
	}
	c.put("d", []byte("12345678")) // evicts by bytes
	if _, ok := c.get("d"); !ok || c.bytes > 10 {
		t.Errorf("bytes %d", c.bytes)
	}
	c.put("e", make([]byte, 11)) // larger than the cache: not kept
	if _, ok := c.get("e"); ok {
		t.Error("oversized entry kept")
	}
}

// bigPDF is onePagePDF with an unused stream object making it about size
// bytes.
func bigPDF(size int) []byte {
	doc := onePagePDF("big")
	i := bytes.LastIndex(doc, []byte("\nxref\n")) + 1
	end := bytes.LastIndex(doc, []byte("%%EOF\n")) + 6
	fill := bytes.Repeat([]byte("0123456789abcdef"), max(0, size-len(doc)-200)/16)
	body := append([]byte(nil), doc[:end]...)
	off := len(body)
	body = fmt.Appendf(body, "6 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", len(fill), fill)
	xref := len(body)
	body = fmt.Appendf(body, "xref\n0 1\n0000000000 65535 f \n6 1\n%010d 00000 n \ntrailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", off, xref)
	// The original xref section stays valid for objects 1-5: chain it.
	body = bytes.Replace(body, []byte("<< /Size 7 /Root 1 0 R >>"), fmt.Appendf(nil, "<< /Size 7 /Root 1 0 R /Prev %d >>", i), 1)
	return append(body[:0:0], body...)
}

// TestPDFVerify64MiB posts 64 MiB inputs, normal and hostile, to a real
// node and requires each answer within 2 s. It takes a minute and much
// memory, so it runs only with SEALCHAIN_PDF_STRESS=1.
func TestPDFVerify64MiB(t *testing.T) {
	if os.Getenv("SEALCHAIN_PDF_STRESS") != "1" {
		t.Skip("set SEALCHAIN_PDF_STRESS=1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	n := newITNet(ctx, t)
	alice, aliceDER := n.registerSigner(ctx, t, signer.AlgSM2, "sc-big-alice")
	const size = 64<<20 - 64<<10
	sign := func(doc []byte) []byte {
		out, err := pdf.Sign(doc, pdf.SignOptions{Key: alice.Key, Cert: aliceDER, Page: 1, Rect: [4]float64{400, 100, 100, 100}, Time: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	small := sign(onePagePDF("small"))
	pad := func(head []byte, unit, tail string) []byte {
		b := append([]byte(nil), head...)
		for len(b)+len(unit)+len(tail) <= size {
			b = append(b, unit...)
		}
		return append(b, tail...)
	}
	big := sign(bigPDF(size - 40<<10))
	inputs := []struct {
		name string
		data []byte
	}{
		{"normal signed", big},
		{"signed twice", sign(big)[:0]},
		{"startxref repeated", pad(small, "startxref ", "\n0\n%%EOF\n")},
		{"bare /ByteRange", pad([]byte("%PDF-1.7\n1 0 obj\n("), "/ByteRange ", ")\nendobj\n")},
		{"huge /Contents", pad([]byte("%PDF-1.7\n1 0 obj\n<< /ByteRange [0 10 20 30] /Contents <"), "30", "> >>\nendobj\nstartxref\n0\n%%EOF\n")},
		{"increments", func() []byte {
			b := big
			for range 20 {
				b = append(b, fmt.Sprintf("5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(b))...)
			}
			return b
		}()},
		{"field open strings", func() []byte {
			b := []byte("%PDF-1.7\n")
			for k := 1; k <= pdf.MaxSignatures; k++ {
				b = fmt.Appendf(b, "%d 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n", k)
			}
			fill := bytes.Repeat([]byte("a"), (size-len(b))/pdf.MaxSignatures-40)
			for k := 1; k <= pdf.MaxSignatures; k++ {
				b = fmt.Appendf(b, "%d 0 obj << /T (/V %d 0 R ", 100+k, k)
				b = append(b, fill...)
			}
			return b
		}()},
		{"xref open trailers", func() []byte {
			b := append([]byte(nil), small...)
			fill := bytes.Repeat([]byte("a"), (size-len(b))/(pdf.MaxRevisions-2)-64)
			for range pdf.MaxRevisions - 2 {
				off := len(b)
				b = append(b, "xref\ntrailer\n<< /X ("...)
				b = append(b, fill...)
				b = fmt.Appendf(b, "\nstartxref\n%d\n%%%%EOF\n", off)
			}
			return b
		}()},
		{"xref comment tables", func() []byte {
			b := append([]byte(nil), small...)
			var offs []int
			for range pdf.MaxRevisions - 2 {
				offs = append(offs, len(b))
				b = append(b, "xref %"...)
			}
			b = append(b, "\n0 1\n"...)
			for len(b) < size-pdf.MaxRevisions*40-64 {
				b = append(b, "0000000000 65535 f\r\n"...)
			}
			b = append(b, "trailer\n<< /Size 1 >>\n"...)
			for _, off := range offs {
				b = fmt.Appendf(b, "startxref\n%d\n%%%%EOF\n", off)
			}
			return b
		}()},
		{"huge string object", func() []byte {
			b := append([]byte(nil), small...)
			i := bytes.LastIndex(b, []byte("startxref"))
			var prev int
			fmt.Sscanf(string(b[i+len("startxref"):]), "%d", &prev)
			incr := func(nr int, body []byte) {
				off := len(b)
				b = fmt.Appendf(b, "%d 0 obj\n", nr)
				b = append(b, body...)
				b = append(b, "\nendobj\n"...)
				x := len(b)
				b = fmt.Appendf(b, "xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \ntrailer\n<< /Size 60 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", nr, off, prev, x)
				prev = x
			}
			big := append(append([]byte("("), bytes.Repeat([]byte("a"), size-len(b)-4096)...), ')')
			incr(50, big)
			for range 3 {
				incr(5, []byte("<< /Producer (x) >>"))
			}
			return b
		}()},
	}
	inputs[1].data = sign(big)
	for _, in := range inputs {
		t0 := time.Now()
		status, _, raw := itDo(ctx, t, http.MethodPost, n.base+"/v1/pdf/verify", "application/pdf", in.data)
		d := time.Since(t0)
		t.Logf("%-20s %6.1f MiB: %d in %v %.700s", in.name, float64(len(in.data))/(1<<20), status, d, bytes.ReplaceAll(raw[:min(len(raw), 400)], []byte("\n"), nil))
		if d > 2*time.Second {
			t.Errorf("%s: %v, want <= 2s", in.name, d)
		}
	}
}

// TestPDFVerifyDeadline checks that a verification past its deadline is
// answered 422 too_complex, and a body not received in time 408.
func TestPDFVerifyDeadline(t *testing.T) {
	net := fixture.New(t, apiTestChainID)
	a := newTestAPI(t, net, &fakeMempool{}, time.Second)
	h := a.heavyRoutes()
	h.verifyTimeout = time.Nanosecond
	doc := []byte("%PDF-1.7\n1 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\nstartxref\n0\n%%EOF\n")
	r := httptest.NewRequest(http.MethodPost, "/v1/pdf/verify", bytes.NewReader(doc))
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	if w.Code != http.StatusUnprocessableEntity || errorCode(t, w.Body.Bytes()) != "too_complex" || !strings.Contains(w.Body.String(), "did not finish") {
		t.Errorf("expired verification: %d %s", w.Code, w.Body)
	}
	h.verifyTimeout = pdfVerifyTimeout
	w = httptest.NewRecorder()
	a.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/pdf/verify", bytes.NewReader(doc)))
	if w.Code != http.StatusOK {
		t.Errorf("in time: %d %s", w.Code, w.Body)
	}
}

// TestPDFUploadReadDeadline checks that a body that does not arrive in
// time is answered 408 and frees the client's upload slot.
func TestPDFUploadReadDeadline(t *testing.T) {
	net0 := fixture.New(t, apiTestChainID)
	a := newTestAPI(t, net0, &fakeMempool{}, time.Second)
	a.heavyRoutes().readTimeout = 300 * time.Millisecond
	srv := httptest.NewServer(a)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	// Headers announce 1000 bytes; 9 come and the rest never do.
	fmt.Fprintf(conn, "POST /v1/pdf/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\nContent-Length: 1000\r\n\r\n%%PDF-1.7\n")
	t0 := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || errorCode(t, raw) != "timeout" {
		t.Errorf("stalled upload: %d %s", resp.StatusCode, raw)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("answered after %v", d)
	}
	doc := []byte("%PDF-1.7\n1 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\nstartxref\n0\n%%EOF\n")
	resp, err = srv.Client().Post(srv.URL+"/v1/pdf/verify", "application/pdf", bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("next upload: %d", resp.StatusCode)
	}
}
