package node

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/chainapi"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
)

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
			body := fmt.Sprintf(`{"kind":"enterprise","name":"北京某某科技有限公司%d","purpose":"合同专用章","size":%d}`, i, chainapi.MaxRenderSize)
			status, _, raw, d := render(body)
			mu.Lock()
			counts[status]++
			mu.Unlock()
			if status != http.StatusOK {
				if code := nodetest.ErrorCode(t, raw); code != "too_many_requests" && code != "busy" {
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
				time.Sleep(time.Duration(chainapi.RenderEvery)) // a token refills
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
		return status, nodetest.ErrorCode(t, raw)
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
		if resp.StatusCode != http.StatusUnprocessableEntity || nodetest.ErrorCode(t, raw) != "too_complex" {
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
