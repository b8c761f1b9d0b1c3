package chainapi

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/internal/nodetest"
)

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
	a := &API{heavy: newHeavy(config.Default().API)}
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
	if w.Code != http.StatusUnprocessableEntity || nodetest.ErrorCode(t, w.Body.Bytes()) != "too_complex" || !strings.Contains(w.Body.String(), "did not finish") {
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
	if resp.StatusCode != http.StatusRequestTimeout || nodetest.ErrorCode(t, raw) != "timeout" {
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
