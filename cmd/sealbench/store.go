package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot/plotter"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
)

// storeResult is the query and storage benchmark: one store grown through
// each size in turn with store.BulkLoader, measured at each.
type storeResult struct {
	Started        time.Time   `json:"started"`
	RecordsPerBlk  int         `json:"records_per_block"`
	Samples        int         `json:"samples"`
	Sizes          []storeSize `json:"sizes"`
	HeaderNote     string      `json:"header_note"`
	BundleOverhead int         `json:"bundle_header_bytes_assumed"`
}

// storeSize is what was measured at one store size.
type storeSize struct {
	Records     uint64  `json:"records"`
	FillSec     float64 `json:"fill_s"` // bulk fill from the previous size, signing included
	FillPerSec  float64 `json:"fill_records_per_s"`
	SignSec     float64 `json:"sign_s"` // of FillSec: building and signing the txs
	CompactSec  float64 `json:"compact_s"`
	DiskBytes   int64   `json:"disk_bytes"` // the pebble directory after a full compaction
	BytesPerRec float64 `json:"disk_bytes_per_record"`
	LookupP50Us float64 `json:"lookup_p50_us"` // doc hash -> index -> entry -> inclusion proof
	LookupP99Us float64 `json:"lookup_p99_us"`
	ProofHashes int     `json:"proof_hashes"`
	RecordBytes float64 `json:"bundle_record_bytes"` // JSON of leaf + proof, as a bundle carries them
	BundleBytes float64 `json:"bundle_bytes_est"`    // RecordBytes + header part (see header_note)
	VerifyP50Us float64 `json:"verify_p50_us"`       // decode + envelope SM2 verify + inclusion proof
	VerifyP99Us float64 `json:"verify_p99_us"`
}

// bundleHeaderBytes is the size of a one-record bundle's parts that do not
// depend on the store: format fields, signed header (591 B) and validator
// set, measured on the checked-in bundle (docs/benchmarks.md) and rounded
// up for a 4-validator set (about 4 x 138 B).
const bundleHeaderBytes = 1400

func storeMain(args []string) error {
	fs := flag.NewFlagSet("store", flag.ContinueOnError)
	sizesFlag := fs.String("sizes", "1000000", "store sizes in records to grow through and measure, e.g. 1000000,10000000")
	dir := fs.String("dir", "", "directory for the store (default: a new temp dir, removed at the end)")
	perBlock := fs.Int("per-block", 1000, "records per block")
	samples := fs.Int("samples", 2000, "lookups and verifications per size")
	out := fs.String("out", "store.json", "write the results as JSON to this file (\"\" or \"-\" for none)")
	plots := fs.String("plots", "", "write lookup.png (lookup time vs store size) into this directory")
	keep := fs.Bool("keep", false, "keep the store directory")
	plotFrom := fs.String("plot-from", "", "redraw lookup.png from a store JSON written by -out into -plots, without running anything")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *plotFrom != "" {
		if *plots == "" {
			return errors.New("-plot-from needs -plots DIR")
		}
		b, err := os.ReadFile(*plotFrom)
		if err != nil {
			return err
		}
		var res storeResult
		if err := json.Unmarshal(b, &res); err != nil {
			return fmt.Errorf("%s: %w", *plotFrom, err)
		}
		return plotStore(&res, *plots)
	}
	var sizes []uint64
	for _, f := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil || n == 0 {
			return fmt.Errorf("-sizes %q: want positive record counts", *sizesFlag)
		}
		sizes = append(sizes, n)
	}
	if !slices.IsSorted(sizes) {
		return errors.New("-sizes must increase: the store grows through them")
	}
	d := *dir
	if d == "" {
		var err error
		if d, err = os.MkdirTemp("", "sealbench-store-"); err != nil {
			return err
		}
	}
	if !*keep {
		defer os.RemoveAll(d)
	}
	// The JSON is rewritten after each size, so a long run stopped early
	// keeps what it measured.
	res, err := runStore(filepath.Join(d, "store"), sizes, *perBlock, *samples, func(r *storeResult) error { return writeJSON(*out, r) })
	if res != nil {
		res.printTable(os.Stdout)
		if *plots != "" && len(res.Sizes) > 0 {
			err = errors.Join(err, plotStore(res, *plots))
		}
	}
	return err
}

// storeGen makes signed contract_created txs, each with its own contract id
// and document hash, from one submitter.
type storeGen struct {
	sub   *client.Submitter
	party chain.Fingerprint
}

func newStoreGen() (*storeGen, error) {
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	now := time.Now().Add(-time.Hour)
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: "platform", OrgName: "bench platform", Role: "platform",
		NotBefore: now, NotAfter: now.AddDate(5, 0, 0)}, nil)
	if err != nil {
		return nil, err
	}
	subKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	der, err := ca.Issue(subKey.Public(), signer.IssueOptions{SubjectRef: "bench-submitter", Usage: signer.UsageSubmitter,
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}, nil)
	if err != nil {
		return nil, err
	}
	return &storeGen{sub: &client.Submitter{ChainID: "sealbench-store", Org: "platform", Cert: der, Key: subKey},
		party: chain.FingerprintOf([]byte("bench party"))}, nil
}

// docOf is record i's document hash, so lookups can pick any i.
func docOf(i uint64) []byte {
	fp := chain.FingerprintOf(strconv.AppendUint([]byte("sealbench doc "), i, 10))
	return fp[:]
}

// build signs the txs for records [from, to) on every core.
func (g *storeGen) build(from, to uint64) ([][]byte, []*chain.Tx, error) {
	raws := make([][]byte, to-from)
	txs := make([]*chain.Tx, to-from)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := uint64(w); j < to-from; j += uint64(workers) {
				i := from + j
				doc := docOf(i)
				raw, err := g.sub.Build(&chain.ContractCreated{Contract: "c" + strconv.FormatUint(i, 36), DocSM3: doc,
					DocSHA256: doc, Parties: []chain.Fingerprint{g.party}, Order: chain.OrderSequential}, nil)
				if err == nil {
					txs[j], err = chain.DecodeTx(raw)
				}
				if err != nil {
					mu.Lock()
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
					return
				}
				raws[j] = raw
			}
		}()
	}
	wg.Wait()
	return raws, txs, firstErr
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func runStore(dir string, sizes []uint64, perBlock, samples int, measured func(*storeResult) error) (*storeResult, error) {
	res := &storeResult{Started: time.Now().UTC(), RecordsPerBlk: perBlock, Samples: samples, BundleOverhead: bundleHeaderBytes,
		HeaderNote: "bundle_bytes_est = JSON leaf+proof measured here + 1400 B for the store-independent parts " +
			"(signed header, 4-validator set, format fields) taken from the checked-in bundle; verify time covers the " +
			"store-dependent checks (entry decode, envelope SM2 signature, inclusion proof), not the header's ed25519 signatures"}
	gen, err := newStoreGen()
	if err != nil {
		return nil, err
	}
	db, err := store.Open(dir, nil)
	if err != nil {
		return nil, err
	}
	defer func() { db.Close() }()
	base := time.Now().UTC().Truncate(time.Second)
	var have uint64
	var mu sync.Mutex // guards st.SignSec, written by the signing goroutine
	for _, target := range sizes {
		st := storeSize{Records: target}
		start := time.Now()
		bar := newBar(os.Stderr, fmt.Sprintf("bulk fill to %d", target), int(target))
		l := db.NewBulkLoader()
		// Signing the next blocks overlaps applying this one.
		type built struct {
			raws [][]byte
			txs  []*chain.Tx
			err  error
		}
		blocks := make(chan built, 2)
		go func(from uint64) {
			defer close(blocks)
			for from < target {
				n := min(uint64(perBlock), target-from)
				s0 := time.Now()
				raws, txs, err := gen.build(from, from+n)
				mu.Lock()
				st.SignSec += time.Since(s0).Seconds()
				mu.Unlock()
				blocks <- built{raws, txs, err}
				if err != nil {
					return
				}
				from += n
			}
		}(have)
		for blk := range blocks {
			if blk.err != nil {
				for range blocks {
				}
				return res, blk.err
			}
			h := db.Last().Height + 1
			if _, err := l.Block(h, base.Add(time.Duration(h)*time.Second), func(b *store.Block) error {
				for k := range blk.raws {
					if err := store.BulkContractCreated(b, uint32(k), blk.raws[k], blk.txs[k]); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				for range blocks {
				}
				return res, err
			}
			have += uint64(len(blk.raws))
			bar.set(int(have))
		}
		if err := l.Flush(); err != nil {
			return res, err
		}
		bar.done()
		st.FillSec = time.Since(start).Seconds()
		mu.Lock() // the signing goroutine has finished (blocks is closed)
		mu.Unlock()
		prev := uint64(0)
		if len(res.Sizes) > 0 {
			prev = res.Sizes[len(res.Sizes)-1].Records
		}
		st.FillPerSec = float64(target-prev) / st.FillSec

		c0 := time.Now()
		fmt.Fprintf(os.Stderr, "compacting %d records...\n", target)
		if err := db.Compact(); err != nil {
			return res, err
		}
		st.CompactSec = time.Since(c0).Seconds()
		// Reopen, so lookups start from a cold block cache as after a restart.
		if err := db.Close(); err != nil {
			return res, err
		}
		if st.DiskBytes, err = dirSize(dir); err != nil {
			return res, err
		}
		st.BytesPerRec = float64(st.DiskBytes) / float64(target)
		if db, err = store.Open(dir, nil); err != nil {
			return res, err
		}
		if err := measureLookups(db, gen, &st, samples); err != nil {
			return res, err
		}
		res.Sizes = append(res.Sizes, st)
		if err := measured(res); err != nil {
			return res, err
		}
		fmt.Fprintf(os.Stderr, "%d records: fill %.0f/s, %.0f B/record, lookup p50 %.0f µs p99 %.0f µs\n",
			target, st.FillPerSec, st.BytesPerRec, st.LookupP50Us, st.LookupP99Us)
	}
	return res, nil
}

// measureLookups times, for random records, what serving one bundle record
// costs (doc hash index -> entry -> inclusion proof at the latest size),
// and what checking it offline costs.
func measureLookups(db *store.Store, gen *storeGen, st *storeSize, samples int) error {
	last := db.Last()
	view := db.View()
	hasher := db.Hasher()
	var look, ver []float64
	var recBytes int
	rng := rand.New(rand.NewPCG(uint64(st.Records), 1))
	cert, err := signer.ParseCertificate(gen.sub.Cert)
	if err != nil {
		return err
	}
	for range samples {
		i := rng.Uint64N(st.Records)
		t0 := time.Now()
		page, err := view.ByDoc(docOf(i), store.Query{Limit: 10, UpTo: last.LogSize})
		if err != nil {
			return err
		}
		if len(page.Indexes) != 1 {
			return fmt.Errorf("record %d: doc index holds %d entries, want 1", i, len(page.Indexes))
		}
		idx := page.Indexes[0]
		leaf, err := view.Entry(idx)
		if err != nil {
			return err
		}
		proof, err := db.InclusionProof(idx, last.LogSize)
		if err != nil {
			return err
		}
		look = append(look, float64(time.Since(t0).Nanoseconds())/1e3)
		st.ProofHashes = len(proof)
		b, _ := json.Marshal(struct {
			Leaf  []byte   `json:"leaf"`
			Index uint64   `json:"index"`
			Proof [][]byte `json:"proof"`
		}{leaf, idx, proof})
		recBytes += len(b)

		t1 := time.Now()
		en, err := chain.DecodeEntry(leaf)
		if err != nil {
			return err
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			return err
		}
		if err := signer.Verify(cert.PublicKey, tx.EnvelopeSignBytes(), tx.Envelope.Sig); err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
		if err := merklelog.VerifyInclusion(hasher, idx, last.LogSize, hasher.HashLeaf(leaf), proof, last.LogRoot); err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
		ver = append(ver, float64(time.Since(t1).Nanoseconds())/1e3)
	}
	slices.Sort(look)
	slices.Sort(ver)
	st.LookupP50Us, st.LookupP99Us = pct(look, 0.5), pct(look, 0.99)
	st.VerifyP50Us, st.VerifyP99Us = pct(ver, 0.5), pct(ver, 0.99)
	st.RecordBytes = float64(recBytes) / float64(samples)
	st.BundleBytes = st.RecordBytes + bundleHeaderBytes
	return nil
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	return n, err
}

func (r *storeResult) printTable(w *os.File) {
	fmt.Fprintf(w, "\nstore benchmark: contract_created records, %d per block, %d samples per size\n", r.RecordsPerBlk, r.Samples)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "records\tfill/s\tdisk B/rec\tlookup p50 µs\tlookup p99 µs\tproof hashes\tbundle B (est)\tverify p50 µs\tverify p99 µs\t")
	for _, s := range r.Sizes {
		fmt.Fprintf(tw, "%d\t%.0f\t%.0f\t%.0f\t%.0f\t%d\t%.0f\t%.0f\t%.0f\t\n", s.Records, s.FillPerSec, s.BytesPerRec,
			s.LookupP50Us, s.LookupP99Us, s.ProofHashes, s.BundleBytes, s.VerifyP50Us, s.VerifyP99Us)
	}
	tw.Flush()
	fmt.Fprintln(w, r.HeaderNote)
}

// plotStore writes lookup.png: lookup p50/p99 against the store size.
func plotStore(r *storeResult, dir string) error {
	var p50, p99, target plotter.XYs
	for _, s := range r.Sizes {
		x := float64(s.Records)
		p50 = append(p50, plotter.XY{X: x, Y: s.LookupP50Us / 1e3})
		p99 = append(p99, plotter.XY{X: x, Y: s.LookupP99Us / 1e3})
		target = append(target, plotter.XY{X: x, Y: 5})
	}
	return savePlot(filepath.Join(dir, "lookup.png"), "Lookup by document hash with proof",
		"records in the store", "ms", len(r.Sizes) > 1, []series{
			{name: "p50", pts: p50, color: sealColor},
			{name: "p99", pts: p99, color: kvColor},
			{name: "target p99 5 ms", pts: target, color: refColor, dashed: true},
		})
}
