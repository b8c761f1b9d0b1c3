package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sealchain/sealchain/signer"
)

// adversarial inputs for Verify, each about size bytes. They target the
// costs a hostile file can multiply: signature candidates, revisions, the
// parser's depth and string lengths, cross-reference sections for pdfcpu,
// and the number of revisions pdfcpu must parse.
type advInput struct {
	name string
	gen  func(tb testing.TB, size int) []byte
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

// signedOfSize is a normal SM2-signed PDF of about size bytes.
func signedOfSize(tb testing.TB, p *party, size int) []byte {
	return mustSign(tb, minimalPDF(tb, max(0, size-30<<10)), p.opts(1, rectA, nil))
}

func advInputs(p *party) []advInput {
	return []advInput{
		{"bare-byterange", func(tb testing.TB, n int) []byte {
			return repeatTo(n, "%PDF-1.7\n1 0 obj\n(", "/ByteRange ", ")\nendobj\nstartxref\n0\n%%EOF\n")
		}},
		{"byterange-in-stream", func(tb testing.TB, n int) []byte {
			return repeatTo(n, "%PDF-1.7\n1 0 obj\n<< /Length 1 >>\nstream\n", "1 0 obj /ByteRange ", "\nendstream\nendobj\nstartxref\n0\n%%EOF\n")
		}},
		{"sig-dicts", func(tb testing.TB, n int) []byte {
			return repeatTo(n, "%PDF-1.7\n", "1 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n", "startxref\n0\n%%EOF\n")
		}},
		{"eof-revisions", func(tb testing.TB, n int) []byte {
			return repeatTo(n, string(signedOfSize(tb, p, 0)), "startxref\n0\n%%EOF\n", "")
		}},
		{"eof-only", func(tb testing.TB, n int) []byte {
			s := signedOfSize(tb, p, 0)
			return repeatTo(n, string(s[:len(s)-6]), "%%EOF ", "%%EOF\n")
		}},
		{"startxref-only", func(tb testing.TB, n int) []byte {
			return repeatTo(n, string(signedOfSize(tb, p, 0)), "startxref ", "\n0\n%%EOF\n")
		}},
		{"huge-contents", func(tb testing.TB, n int) []byte {
			return repeatTo(n, "%PDF-1.7\n1 0 obj\n<< /ByteRange [0 10 20 30] /Contents <", "30", "> >>\nendobj\nstartxref\n0\n%%EOF\n")
		}},
		{"deep-nesting", func(tb testing.TB, n int) []byte {
			return repeatTo(n, "%PDF-1.7\n1 0 obj\n", "[<< /A ", "/ByteRange [0 1 2 3]\nendobj\nstartxref\n0\n%%EOF\n")
		}},
		{"nested-headers", func(tb testing.TB, n int) []byte {
			return repeatTo(n, "%PDF-1.7\n", "1 0 obj (", "/ByteRange\nstartxref\n0\n%%EOF\n")
		}},
		{"zero-run", func(tb testing.TB, n int) []byte {
			s := signedOfSize(tb, p, 0)
			return append(s, make([]byte, n-len(s))...)
		}},
		{"field-refs", func(tb testing.TB, n int) []byte {
			s := signedOfSize(tb, p, 0)
			return repeatTo(n, string(s), "/V 99 0 R/V 7 0 X", "")
		}},
		{"xref-sections", func(tb testing.TB, n int) []byte {
			// One revision after a signature whose xref chain has very many
			// sections, each pointing at the previous one.
			s := signedOfSize(tb, p, 0)
			prev, _, err := lastStartXRef(s, 0)
			if err != nil {
				tb.Fatal(err)
			}
			var b bytes.Buffer
			b.Write(s)
			for b.Len() < n-200 {
				off := b.Len()
				fmt.Fprintf(&b, "xref\n0 1\n0000000000 65535 f\r\ntrailer\n<< /Size 9 /Root 1 0 R /Prev %d >>\n", prev)
				prev = int64(off)
			}
			fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", prev)
			return b.Bytes()
		}},
		{"xref-entries", func(tb testing.TB, n int) []byte {
			// One increment with a cross-reference table of ~n/20 entries.
			s := signedOfSize(tb, p, 0)
			prev, _, err := lastStartXRef(s, 0)
			if err != nil {
				tb.Fatal(err)
			}
			var b bytes.Buffer
			b.Write(s)
			off := b.Len()
			cnt := (n - len(s) - 200) / 20
			fmt.Fprintf(&b, "xref\n100 %d\n", cnt)
			b.Write(bytes.Repeat([]byte("0000000009 00000 n\r\n"), cnt))
			fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", cnt+100, prev, off)
			return b.Bytes()
		}},
		{"many-objects", func(tb testing.TB, n int) []byte {
			// A signed file, then one increment defining ~n/24 small objects.
			s := signedOfSize(tb, p, 0)
			objs := map[int]string{}
			for i := 0; len(s)+24*len(objs) < n-len(objs)*20-200; i++ {
				objs[100+i] = "[1 2]"
			}
			return appendUpdate(tb, s, objs, 0, "1 0 R")
		}},
		{"tiny-increments", func(tb testing.TB, n int) []byte {
			// A big signed file followed by the most revisions accepted,
			// each of which pdfcpu must parse.
			b := signedOfSize(tb, p, n-(MaxRevisions)*200)
			for range MaxRevisions - 2 {
				b = appendUpdate(tb, b, map[int]string{5: "<< /Producer (x) >>"}, 0, "1 0 R")
			}
			return b
		}},
		{"field-open-strings", func(tb testing.TB, n int) []byte {
			// 32 signature dictionaries, then 32 objects whose /V names
			// one of them from inside a string that never closes: each
			// field parse used to run to the end of the file.
			var b bytes.Buffer
			b.WriteString("%PDF-1.7\n")
			for k := 1; k <= MaxSignatures; k++ {
				fmt.Fprintf(&b, "%d 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n", k)
			}
			fill := max(0, (n-b.Len())/MaxSignatures-40)
			for k := 1; k <= MaxSignatures; k++ {
				open := "("
				if k%2 == 0 {
					open = "<< /T ("
				}
				fmt.Fprintf(&b, "%d 0 obj %s/V %d 0 R ", 100+k, open, k)
				b.Write(bytes.Repeat([]byte("a"), fill))
			}
			return b.Bytes()
		}},
		{"xref-open-trailers", func(tb testing.TB, n int) []byte {
			// A signature, then 62 revisions whose startxref points at a
			// trailer dictionary with a string that never closes: each
			// trailer parse used to run to the end of the file.
			s := signedOfSize(tb, p, 0)
			var b bytes.Buffer
			b.Write(s)
			fill := max(0, (n-len(s))/(MaxRevisions-2)-64)
			for range MaxRevisions - 2 { // the signed file has 2
				off := b.Len()
				b.WriteString("xref\ntrailer\n<< /X (")
				b.Write(bytes.Repeat([]byte("a"), fill))
				fmt.Fprintf(&b, "\nstartxref\n%d\n%%%%EOF\n", off)
			}
			return b.Bytes()
		}},
		{"xref-comment-tables", func(tb testing.TB, n int) []byte {
			// 62 revisions whose startxref points at "xref" keywords
			// hidden in the comment of one table's first line, so that
			// every walk covers the same big table.
			s := signedOfSize(tb, p, 0)
			var b bytes.Buffer
			b.Write(s)
			var offs []int
			for range MaxRevisions - 2 {
				offs = append(offs, b.Len())
				b.WriteString("xref %")
			}
			b.WriteString("\n0 1\n")
			for b.Len() < n-(MaxRevisions)*40-64 {
				b.WriteString("0000000000 65535 f\r\n")
			}
			b.WriteString("trailer\n<< /Size 1 >>\n")
			for _, off := range offs {
				fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", off)
			}
			return b.Bytes()
		}},
		{"xref-into-token", func(tb testing.TB, n int) []byte {
			// 62 revisions whose startxref points into one long token.
			return intoRun(tb, p, n, 'a')
		}},
		{"xref-into-space", func(tb testing.TB, n int) []byte {
			// The same with one long run of white space.
			return intoRun(tb, p, n, ' ')
		}},
		{"huge-string-object", func(tb testing.TB, n int) []byte {
			// A signed file, one increment with a string object of most
			// of the size, then 3 tiny increments: pdfcpu's object reader
			// is quadratic in an object's length.
			s := signedOfSize(tb, p, 0)
			big := "(" + strings.Repeat("a", max(0, n-len(s)-4096)) + ")"
			b := appendUpdate(tb, s, map[int]string{50: big}, 0, "1 0 R")
			for range 3 {
				b = appendUpdate(tb, b, map[int]string{5: "<< /Producer (x) >>"}, 0, "1 0 R")
			}
			return b
		}},
		{"huge-string-keywords", func(tb testing.TB, n int) []byte {
			// As huge-string-object, with "endobj" and "stream" inside
			// the string and a comment every 256 KiB: pdfcpu skips
			// strings and comments when looking for an object's end.
			s := signedOfSize(tb, p, 0)
			unit := strings.Repeat("a", 256<<10) + " endobj stream 9 0 obj "
			str := strings.Repeat(unit, max(0, n-len(s)-4096)/len(unit))
			big := "(" + str + ")\n%" + unit + "\n"
			b := appendUpdate(tb, s, map[int]string{50: big}, 0, "1 0 R")
			for range 3 {
				b = appendUpdate(tb, b, map[int]string{5: "<< /Producer (x) >>"}, 0, "1 0 R")
			}
			return b
		}},
		{"signed-increments", func(tb testing.TB, n int) []byte {
			// The most signatures accepted, on a big file.
			b := signedOfSize(tb, p, n-MaxSignatures*20<<10)
			for range MaxSignatures - 1 {
				b = mustSign(tb, b, p.opts(1, rectA, nil))
			}
			return b
		}},
	}
}

// intoRun is a signed file, a run of c of most of size, and 62 revisions
// whose startxref points into the run.
func intoRun(tb testing.TB, p *party, size int, c byte) []byte {
	s := signedOfSize(tb, p, 0)
	var b bytes.Buffer
	b.Write(s)
	b.WriteByte('\n')
	start := b.Len()
	b.Write(bytes.Repeat([]byte{c}, max(0, size-len(s)-MaxRevisions*40)))
	b.WriteByte('\n')
	for i := range MaxRevisions - 2 {
		fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", start+i*100)
	}
	return b.Bytes()
}

// verifyWork runs Verify and returns the work it counted: bytes the
// scanner and its lexer touched, and bytes handed to pdfcpu.
func verifyWork(tb testing.TB, data []byte, opts VerifyOptions) (int64, int64, error) {
	tb.Helper()
	s := &scanner{data: data}
	_, err := s.verify(opts)
	if err != nil && !errors.Is(err, ErrTooComplex) && !errors.Is(err, ErrNoSignature) {
		tb.Fatalf("Verify: %v", err)
	}
	return s.work, s.pdfcpuWork, err
}

// maxLexPasses bounds the scanner's work in passes over the file: the
// keyword passes, the signatures' and fields' parses, the digests and the
// cross-reference walks each touch a byte a bounded number of times.
const maxLexPasses = 8

// TestVerifyLinear checks that the work Verify counts (bytes parsed, hashed
// and given to pdfcpu, keyword hits) grows linearly with the size of every
// adversarial input: 4x the input must cost well under 16x.
func TestVerifyLinear(t *testing.T) {
	p := newParty(t, signer.AlgSM2, "alice")
	opts := VerifyOptions{Roots: p.roots}
	const small = 1 << 20
	for _, in := range advInputs(p) {
		t.Run(in.name, func(t *testing.T) {
			a, b := in.gen(t, small), in.gen(t, 4*small)
			wa, pa, errA := verifyWork(t, a, opts)
			wb, pb, errB := verifyWork(t, b, opts)
			ratio := float64(wb+pb) / float64(max(wa+pa, 1))
			t.Logf("scan %d -> %d, pdfcpu %d -> %d (x%.2f) for %d -> %d bytes; errors %v, %v", wa, wb, pa, pb, ratio, len(a), len(b), errA, errB)
			if ratio > 6 {
				t.Errorf("4x input costs %.1fx work", ratio)
			}
			// Absolute bounds: a constant number of lexer passes over the
			// file (plus fixed windows per signature and revision), and
			// pdfcpu's budget.
			if limit := maxLexPasses*int64(len(b)) + MaxSignatures*maxFieldBacktrack + (MaxSignatures+MaxRevisions)*maxDictWindow; wb > limit {
				t.Errorf("scanner work %d over %d (%d passes) for %d bytes", wb, limit, maxLexPasses, len(b))
			}
			if pb > MaxAnalysedBytes {
				t.Errorf("pdfcpu work %d over %d", pb, MaxAnalysedBytes)
			}
		})
	}
}

// TestVerifyCaps checks that too many signatures or revisions give
// ErrTooComplex.
func TestVerifyCaps(t *testing.T) {
	p := newParty(t, signer.AlgECDSAP256, "alice")
	s := signedOfSize(t, p, 0)
	many := repeatTo(64<<10, string(s), "startxref\n0\n%%EOF\n", "")
	if _, err := Verify(many, VerifyOptions{}); !errors.Is(err, ErrTooComplex) || !strings.Contains(err.Error(), "revisions") {
		t.Errorf("%d revisions: %v", MaxRevisions+1, err)
	}
	sigs := repeatTo(64<<10, "%PDF-1.7\n", "1 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n", "")
	if _, err := Verify(sigs, VerifyOptions{}); !errors.Is(err, ErrTooComplex) || !strings.Contains(err.Error(), "signature") {
		t.Errorf("too many signatures: %v", err)
	}
}

// BenchmarkVerifyAdversarial verifies each adversarial input of 64 MiB
// and reports its time relative to verifying a normal signed PDF of the
// same size in the same run (metric x-baseline).
//
//	go test -run '^$' -bench VerifyAdversarial -benchtime 1x ./signer/pdf
func BenchmarkVerifyAdversarial(b *testing.B) {
	const size = 64 << 20
	p := newParty(b, signer.AlgSM2, "alice")
	opts := VerifyOptions{Roots: p.roots}
	timeOf := func(data []byte) time.Duration {
		t0 := time.Now()
		_, _ = Verify(data, opts)
		return time.Since(t0)
	}
	normal := signedOfSize(b, p, size)
	base := min(timeOf(normal), timeOf(normal))
	b.Logf("baseline: normal signed PDF of %d bytes verified in %v", len(normal), base)
	b.Run("normal", func(b *testing.B) {
		for b.Loop() {
			timeOf(normal)
		}
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(base), "x-baseline")
	})
	for _, in := range advInputs(p) {
		data := in.gen(b, size)
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				timeOf(data)
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(base), "x-baseline")
		})
	}
}

// TestVerifyBigObjectNotAnalysed checks that a revision holding an object
// longer than MaxObjectScan is not handed to pdfcpu (whose reader is
// quadratic in it) and that the signature before it is INDETERMINATE.
func TestVerifyBigObjectNotAnalysed(t *testing.T) {
	p := newParty(t, signer.AlgSM2, "alice")
	s := signedOfSize(t, p, 0)
	big := "(" + strings.Repeat("a", MaxObjectScan+1) + ")"
	b := appendUpdate(t, s, map[int]string{50: big}, 0, "1 0 R")
	b = appendUpdate(t, b, map[int]string{5: "<< /Producer (x) >>"}, 0, "1 0 R")
	sc := &scanner{data: b}
	rep, err := sc.verify(VerifyOptions{Roots: p.roots})
	if err != nil {
		t.Fatal(err)
	}
	sig := rep.Signatures[0]
	if sig.Modifications != ModUnknown || sig.Indication != Indeterminate || !strings.Contains(strings.Join(sig.Notes, "\n"), "longer than") {
		t.Errorf("got %s/%s %s, notes %q", sig.Indication, sig.SubIndication, sig.Modifications, sig.Notes)
	}
	if sc.pdfcpuWork > int64(len(s)) {
		t.Errorf("pdfcpu was handed %d bytes, more than the signed revision (%d)", sc.pdfcpuWork, len(s))
	}
}

// TestVerifyContext checks that an expired context stops verification
// with ErrTooComplex and the context's error.
func TestVerifyContext(t *testing.T) {
	p := newParty(t, signer.AlgSM2, "alice")
	b := signedOfSize(t, p, 0)
	b = appendUpdate(t, b, map[int]string{5: "<< /Producer (x) >>"}, 0, "1 0 R")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := VerifyContext(ctx, b, VerifyOptions{Roots: p.roots})
	if !errors.Is(err, ErrTooComplex) || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	if _, err := VerifyContext(context.Background(), b, VerifyOptions{Roots: p.roots}); err != nil {
		t.Errorf("not canceled: %v", err)
	}
}

// peakHeap verifies data while sampling the heap every 2 ms and returns
// the largest HeapInuse seen above the level before, and the bytes
// allocated.
func peakHeap(data []byte, opts VerifyOptions) (peak, alloc uint64) {
	runtime.GC()
	var before, m runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	_, _ = Verify(data, opts)
	close(done)
	wg.Wait()
	runtime.ReadMemStats(&m)
	peak = max(peak, m.HeapInuse)
	return peak - min(peak, before.HeapInuse), m.TotalAlloc - before.TotalAlloc
}

// TestVerifyPeakHeap checks that verifying a file with many revisions does
// not keep a parsed context per revision: the heap in use stays within a
// few times the file (HeapInuse counts garbage not yet collected too).
func TestVerifyPeakHeap(t *testing.T) {
	p := newParty(t, signer.AlgSM2, "alice")
	const size = 8 << 20
	var data []byte
	for _, in := range advInputs(p) {
		if in.name == "tiny-increments" {
			data = in.gen(t, size)
		}
	}
	peak, alloc := peakHeap(data, VerifyOptions{Roots: p.roots})
	t.Logf("%d bytes: peak heap in use +%d MiB, %d MiB allocated", len(data), peak>>20, alloc>>20)
	if limit := uint64(16 * len(data)); peak > limit {
		t.Errorf("peak heap +%d MiB over %d MiB", peak>>20, limit>>20)
	}
}

// BenchmarkVerifyPeakHeap reports the heap in use at its peak and the
// bytes allocated while verifying each adversarial input of 64 MiB.
//
//	go test -run '^$' -bench VerifyPeakHeap -benchtime 1x ./signer/pdf
func BenchmarkVerifyPeakHeap(b *testing.B) {
	const size = 64 << 20
	p := newParty(b, signer.AlgSM2, "alice")
	opts := VerifyOptions{Roots: p.roots}
	for _, in := range advInputs(p) {
		data := in.gen(b, size)
		b.Run(in.name, func(b *testing.B) {
			var peak, alloc uint64
			for b.Loop() {
				pk, al := peakHeap(data, opts)
				peak, alloc = max(peak, pk), max(alloc, al)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(alloc)/(1<<20), "alloc-MiB")
		})
	}
}

// BenchmarkLexLiteral parses one 16 MiB literal string without escapes.
func BenchmarkLexLiteral(b *testing.B) {
	data := []byte("(" + strings.Repeat("a", 16<<20) + ")")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		l := &lexer{b: data}
		if _, err := l.object(0); err != nil {
			b.Fatal(err)
		}
	}
}
