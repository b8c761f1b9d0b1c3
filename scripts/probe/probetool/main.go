// Command probetool is the Go half of scripts/probe/probe.sh: the outside
// probe of a running node (issue #12). It talks only to 127.0.0.1.
//
//	probetool ports N                 N free 127.0.0.1 TCP ports, one a line
//	probetool authz FLAGS             an Authorization header value for a signed request
//	probetool pdf -kind K -size N     a hostile PDF on stdout (see kinds below)
//	probetool load FLAGS              N parallel POSTs, /healthz polled meanwhile
//	probetool hooksrv -for D          a 127.0.0.1 webhook receiver that redirects
//
// Every request count and time is bounded by its flags.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probetool ports|authz|pdf|load ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "ports":
		err = ports(os.Args[2:])
	case "authz":
		err = authz(os.Args[2:])
	case "pdf":
		err = hostilePDF(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	case "hooksrv":
		err = hooksrv(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "probetool:", err)
		os.Exit(1)
	}
}

// ports holds all listeners open until all are chosen, so they differ.
func ports(args []string) error {
	n := 1
	if len(args) > 0 {
		if _, err := fmt.Sscan(args[0], &n); err != nil {
			return err
		}
	}
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ls = append(ls, l)
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
	}
	return nil
}

func authz(args []string) error {
	fs := flag.NewFlagSet("authz", flag.ExitOnError)
	certPath := fs.String("cert", "", "credential certificate (PEM)")
	keyPath := fs.String("key", "", "credential key (PEM)")
	method := fs.String("method", "GET", "HTTP method")
	uri := fs.String("uri", "/", "request URI (path and query) as sent")
	bodyPath := fs.String("body", "", "file holding the body the signature covers (empty: no body)")
	tsOff := fs.Duration("ts-offset", 0, "added to the current time for ts (e.g. -2m, 45s)")
	chainID := fs.String("chain", os.Getenv("PROBE_CHAIN"), "chain id the signature is bound to (default $PROBE_CHAIN)")
	host := fs.String("host", os.Getenv("PROBE_HOST"), "Host the request is sent to (default $PROBE_HOST)")
	nonceHex := fs.String("nonce", "", "nonce in hex (default: fresh random)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pemBytes, err := os.ReadFile(*certPath)
	if err != nil {
		return err
	}
	cert, err := signer.ParseCertificatePEM(pemBytes)
	if err != nil {
		return err
	}
	key, err := signer.LoadPrivateKey(*keyPath)
	if err != nil {
		return err
	}
	var body []byte
	if *bodyPath != "" {
		if body, err = os.ReadFile(*bodyPath); err != nil {
			return err
		}
	}
	nonce := make([]byte, client.NonceBytes)
	if *nonceHex != "" {
		if nonce, err = hex.DecodeString(*nonceHex); err != nil {
			return err
		}
	} else if _, err := rand.Read(nonce); err != nil {
		return err
	}
	ts := time.Now().Add(*tsOff).Unix()
	sig, err := key.Sign(nil, client.RequestSignBytes(*chainID, *host, *method, *uri, ts, nonce, body))
	if err != nil {
		return err
	}
	fmt.Printf("%s cert=%s,ts=%d,nonce=%x,sig=%s\n", client.AuthScheme,
		base64.StdEncoding.EncodeToString(cert.Raw), ts, nonce, base64.StdEncoding.EncodeToString(sig))
	return nil
}

// hostilePDF writes one adversarial input of about -size bytes, after the
// generators of signer/pdf/adversarial_test.go (rewritten here: those use
// test helpers). -base, a real signed PDF, is the head of the kinds that
// need a signature.
func hostilePDF(args []string) error {
	fs := flag.NewFlagSet("pdf", flag.ExitOnError)
	kind := fs.String("kind", "bare-byterange", "bare-byterange|sig-dicts|eof-revisions|open-strings|huge-contents|nested-headers")
	size := fs.Int("size", 64<<20, "bytes")
	basePath := fs.String("base", "", "a signed PDF (eof-revisions)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	n := *size
	var b []byte
	switch *kind {
	case "bare-byterange":
		b = repeatTo(n, "%PDF-1.7\n1 0 obj\n(", "/ByteRange ", ")\nendobj\nstartxref\n0\n%%EOF\n")
	case "sig-dicts":
		b = repeatTo(n, "%PDF-1.7\n", "1 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n", "startxref\n0\n%%EOF\n")
	case "huge-contents":
		b = repeatTo(n, "%PDF-1.7\n1 0 obj\n<< /ByteRange [0 10 20 30] /Contents <", "30", "> >>\nendobj\nstartxref\n0\n%%EOF\n")
	case "nested-headers":
		b = repeatTo(n, "%PDF-1.7\n", "1 0 obj (", "/ByteRange\nstartxref\n0\n%%EOF\n")
	case "eof-revisions":
		if *basePath == "" {
			return errors.New("eof-revisions needs -base")
		}
		base, err := os.ReadFile(*basePath)
		if err != nil {
			return err
		}
		b = repeatTo(n, string(base), "startxref\n0\n%%EOF\n", "")
	case "open-strings":
		// 32 signature dictionaries, then 32 objects naming them from
		// inside strings that never close.
		var w bytes.Buffer
		w.WriteString("%PDF-1.7\n")
		for k := 1; k <= 32; k++ {
			fmt.Fprintf(&w, "%d 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n", k)
		}
		fill := max(0, (n-w.Len())/32-40)
		for k := 1; k <= 32; k++ {
			fmt.Fprintf(&w, "%d 0 obj (/V %d 0 R ", 100+k, k)
			w.Write(bytes.Repeat([]byte("a"), fill))
		}
		b = w.Bytes()
	default:
		return fmt.Errorf("unknown kind %q", *kind)
	}
	_, err := os.Stdout.Write(b)
	return err
}

func repeatTo(size int, head, unit, tail string) []byte {
	var b bytes.Buffer
	b.Grow(size + len(unit))
	b.WriteString(head)
	for b.Len()+len(unit)+len(tail) <= size {
		b.WriteString(unit)
	}
	b.WriteString(tail)
	return b.Bytes()
}

// load sends -n POSTs of -body (or, with -seal-json, -n seal-render bodies
// with distinct names so that none is a cache hit) at once, and polls
// -health every 50 ms until they are all answered. It prints one line per
// request and a summary with the /healthz latencies.
func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	target := fs.String("url", "", "http://127.0.0.1:PORT/path")
	bodyPath := fs.String("body", "", "request body file")
	ctype := fs.String("ctype", "application/pdf", "Content-Type")
	sealSize := fs.Int("seal-size", 0, "instead of -body: seal-render JSON bodies of this size, distinct names")
	n := fs.Int("n", 8, "parallel requests (at most 64)")
	health := fs.String("health", "", "URL polled meanwhile")
	timeout := fs.Duration("timeout", 60*time.Second, "overall bound")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, u := range []string{*target, *health} {
		if u == "" {
			continue
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Hostname() != "127.0.0.1" {
			return fmt.Errorf("only 127.0.0.1 targets: %q", u)
		}
	}
	if *n < 1 || *n > 64 {
		return errors.New("-n must be 1..64")
	}
	var body []byte
	if *sealSize == 0 {
		var err error
		if body, err = os.ReadFile(*bodyPath); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	hc := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, DisableKeepAlives: true}}

	type result struct {
		status int
		code   string
		took   time.Duration
	}
	results := make([]result, *n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range *n {
		wg.Go(func() {
			b := body
			if *sealSize > 0 {
				b = fmt.Appendf(nil, `{"kind":"enterprise","name":"探针测试有限公司%d-%d","purpose":"合同专用章","code":"91110000MA0%07d","size":%d}`,
					time.Now().UnixNano(), i, i, *sealSize)
			}
			t0 := time.Now()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, *target, bytes.NewReader(b))
			req.Header.Set("Content-Type", *ctype)
			resp, err := hc.Do(req)
			if err != nil {
				results[i] = result{status: -1, code: err.Error(), took: time.Since(t0)}
				return
			}
			out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			code := ""
			if resp.StatusCode >= 400 {
				code = errorCode(out)
			}
			results[i] = result{status: resp.StatusCode, code: code, took: time.Since(t0)}
		})
	}
	var hl []time.Duration
	var hfail int
	done := make(chan struct{})
	var hwg sync.WaitGroup
	if *health != "" {
		hwg.Go(func() {
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				t0 := time.Now()
				rctx, rc := context.WithTimeout(ctx, 10*time.Second)
				req, _ := http.NewRequestWithContext(rctx, http.MethodGet, *health, nil)
				resp, err := hc.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						hfail++
					}
				} else {
					hfail++
				}
				rc()
				hl = append(hl, time.Since(t0))
			}
		})
	}
	wg.Wait()
	total := time.Since(start)
	close(done)
	hwg.Wait()
	counts := map[string]int{}
	var maxOK, maxAll time.Duration
	for i, r := range results {
		fmt.Printf("  req %2d: %d %s %v\n", i, r.status, r.code, r.took.Round(time.Millisecond))
		counts[fmt.Sprintf("%d %s", r.status, r.code)]++
		maxAll = max(maxAll, r.took)
		if r.status == 200 {
			maxOK = max(maxOK, r.took)
		}
	}
	var keys []string
	for k, v := range counts {
		keys = append(keys, fmt.Sprintf("%dx%s", v, strings.TrimSpace(k)))
	}
	slices.Sort(keys)
	fmt.Printf("SUMMARY statuses=%s total=%v max=%v max_200=%v", strings.Join(keys, ","),
		total.Round(time.Millisecond), maxAll.Round(time.Millisecond), maxOK.Round(time.Millisecond))
	if len(hl) > 0 {
		slices.Sort(hl)
		fmt.Printf(" healthz_n=%d healthz_p50=%v healthz_max=%v healthz_fail=%d", len(hl),
			hl[len(hl)/2].Round(time.Millisecond), hl[len(hl)-1].Round(time.Millisecond), hfail)
	}
	fmt.Println()
	return nil
}

// errorCode reads {"error":{"code":...}}; "(not-json-error)" otherwise.
func errorCode(b []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
		return "(not-json-error)"
	}
	return e.Error.Code
}

// hooksrv listens on two 127.0.0.1 ports for -for: the first answers every
// request with a 302 to the second, which counts what reaches it. The ports
// go to stdout at once, the hit counts when it ends.
func hooksrv(args []string) error {
	fs := flag.NewFlagSet("hooksrv", flag.ExitOnError)
	dur := fs.Duration("for", 20*time.Second, "how long to listen (at most 2m)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	*dur = min(*dur, 2*time.Minute)
	la, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	lb, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	pb := lb.Addr().(*net.TCPAddr).Port
	fmt.Printf("%d %d\n", la.Addr().(*net.TCPAddr).Port, pb)
	var mu sync.Mutex
	hitsA, hitsB := 0, 0
	sa := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hitsA++
		mu.Unlock()
		http.Redirect(w, r, fmt.Sprintf("http://127.0.0.1:%d/landed", pb), http.StatusFound)
	}), ReadHeaderTimeout: 5 * time.Second}
	sb := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hitsB++
		mu.Unlock()
	}), ReadHeaderTimeout: 5 * time.Second}
	go sa.Serve(la)
	go sb.Serve(lb)
	time.Sleep(*dur)
	sa.Close()
	sb.Close()
	mu.Lock()
	defer mu.Unlock()
	fmt.Printf("redirecting_hits=%d redirect_target_hits=%d\n", hitsA, hitsB)
	return nil
}
