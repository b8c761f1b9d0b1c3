package witnessapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/witness"
	"github.com/sealchain/sealchain/node/httpjson"
)

// Store is what the API reads from the app store.
type Store interface {
	Last() chain.Checkpoint
	ConsistencyProof(size1, size2 uint64) ([][]byte, error)
}

// MaxKept is how many cosigned checkpoints (distinct sizes) the node keeps.
const MaxKept = 16

// Config is what New needs.
type Config struct {
	Store  Store
	Origin string
	// SignerKey is the node's note key (type 0x01, named Origin), as
	// witness.GenerateLogKey writes it.
	SignerKey string
	// Witnesses are the cosignature/v1 vkeys accepted.
	Witnesses []string
	// File keeps the cosigned checkpoints across restarts.
	File   string
	Logger *slog.Logger
}

// API serves the checkpoint routes.
type API struct {
	store     Store
	origin    string
	signer    note.Signer
	self      note.Verifier
	vkey      string
	witnesses []note.Verifier
	file      string
	logger    *slog.Logger

	mu sync.Mutex
	// kept are cosigned checkpoints (signed notes: the node's signature,
	// then the witnesses' cosignatures), by size, at most MaxKept.
	kept map[uint64][]byte
}

// New builds the API and loads the kept cosigned checkpoints.
func New(c Config) (*API, error) {
	signer, err := witness.NewLogSigner(c.SignerKey)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key: %w", err)
	}
	if signer.Name() != c.Origin {
		return nil, fmt.Errorf("checkpoint key is named %q, [witness] origin is %q: make a key for the origin (move keys/checkpoint.key away to have the node make one)", signer.Name(), c.Origin)
	}
	vkey, err := witness.LogVerifierKey(c.SignerKey)
	if err != nil {
		return nil, err
	}
	a := &API{store: c.Store, origin: c.Origin, signer: signer, vkey: vkey, file: c.File, logger: c.Logger, kept: map[uint64][]byte{}}
	if a.self, err = witness.NewLogVerifier(vkey); err != nil {
		return nil, err
	}
	for _, k := range c.Witnesses {
		v, err := witness.NewCosignatureVerifier(k)
		if err != nil {
			return nil, err
		}
		a.witnesses = append(a.witnesses, v)
	}
	if err := a.load(); err != nil {
		return nil, err
	}
	return a, nil
}

// VerifierKey is the node's checkpoint vkey, for witness operators.
func (a *API) VerifierKey() string { return a.vkey }

// Register adds the routes.
func (a *API) Register(route func(pattern string, h http.HandlerFunc)) {
	route("GET /v1/checkpoint", a.checkpoint)
	route("GET /v1/checkpoint/key", a.key)
	route("GET /v1/checkpoint/consistency", a.consistency)
	route("GET /v1/checkpoint/cosigned", a.cosigned)
	route("POST /v1/checkpoint/cosignatures", a.addCosignatures)
}

// Signed returns the signed checkpoint of the last committed log.
func (a *API) Signed() ([]byte, error) {
	last := a.store.Last()
	text := witness.Checkpoint{Origin: a.origin, Size: last.LogSize, Hash: last.LogRoot}.Marshal()
	return note.Sign(&note.Note{Text: string(text)}, a.signer)
}

func (a *API) checkpoint(w http.ResponseWriter, r *http.Request) {
	msg, err := a.Signed()
	if err != nil {
		httpjson.Internal(a.logger, w, r, err)
		return
	}
	writeText(w, msg)
}

func (a *API) key(w http.ResponseWriter, _ *http.Request) {
	writeText(w, []byte(a.VerifierKey()+"\n"))
}

func writeText(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// consistency answers ?old=N&size=M with the RFC 6962 (SM3) proof that the
// log of N records is a prefix of the log of M.
func (a *API) consistency(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	old, err1 := strconv.ParseUint(q.Get("old"), 10, 63)
	size, err2 := strconv.ParseUint(q.Get("size"), 10, 63)
	if err1 != nil || err2 != nil || old > size {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query old and size: want decimals with old <= size")
		return
	}
	if last := a.store.Last().LogSize; size > last {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("query size: %d exceeds the committed log size %d", size, last))
		return
	}
	proof, err := a.store.ConsistencyProof(old, size)
	if err != nil {
		httpjson.Internal(a.logger, w, r, err)
		return
	}
	if proof == nil {
		proof = [][]byte{}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"old": old, "size": size, "proof": proof})
}

func (a *API) cosigned(w http.ResponseWriter, _ *http.Request) {
	best := a.Best(0)
	if best == nil {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", "no cosigned checkpoint yet: no configured witness has sent one")
		return
	}
	writeText(w, best)
}

// addCosignatures accepts a cosigned checkpoint: the node's own signed
// checkpoint (as GET /v1/checkpoint gave it) with cosignature lines of
// configured witnesses. Cosignatures by other keys are dropped.
func (a *API) addCosignatures(w http.ResponseWriter, r *http.Request) {
	if len(a.witnesses) == 0 {
		httpjson.WriteError(w, http.StatusNotFound, "no_witnesses", "this node accepts no cosignatures: [witness] keys is empty")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, witness.MaxNoteBytes))
	if err != nil {
		httpjson.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body exceeds %d bytes", witness.MaxNoteBytes))
		return
	}
	n, names, err := a.Add(body)
	var he *httpError
	switch {
	case errors.As(err, &he):
		httpjson.WriteError(w, he.status, he.code, he.Error())
	case err != nil:
		httpjson.Internal(a.logger, w, r, err)
	default:
		httpjson.Write(w, http.StatusOK, map[string]any{"size": n, "witnesses": names})
	}
}

type httpError struct {
	status int
	code   string
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }

// Add checks a cosigned checkpoint and merges its witnesses' cosignatures
// into the kept checkpoint of that size. It returns the size and the names
// of the witnesses now cosigning it. The checkpoint must carry this node's
// own valid signature (so its text is this node's log at that size), and
// at least one cosignature by a configured witness; a cosignature by a
// configured witness that does not verify refuses the whole note.
func (a *API) Add(msg []byte) (uint64, []string, error) {
	self, err := witness.Open(msg, a.self)
	if err != nil {
		status, code := http.StatusForbidden, "not_this_node"
		if errors.Is(err, witness.ErrMalformed) {
			status, code = http.StatusBadRequest, "bad_note"
		}
		return 0, nil, &httpError{status, code, fmt.Errorf("body: not a checkpoint signed by this node's key: %w", err)}
	}
	cos, err := witness.Open(msg, a.witnesses...)
	if err != nil {
		return 0, nil, &httpError{http.StatusForbidden, "no_cosignature", fmt.Errorf("body: no valid cosignature by a configured witness: %w", err)}
	}
	size := self.Checkpoint.Size
	a.mu.Lock()
	defer a.mu.Unlock()
	lines := slices.Clone(cos.Verified)
	if prev, ok := a.kept[size]; ok {
		ptext, psigs, err := witness.SplitNote(prev)
		if err != nil || !bytes.Equal(ptext, self.Text) {
			// The node signs one text per size; another one means the
			// kept file or the key changed under it.
			return 0, nil, fmt.Errorf("kept checkpoint of size %d has another text", size)
		}
		for _, s := range psigs[1:] { // psigs[0] is the node's own
			if !slices.ContainsFunc(lines, func(l witness.SigLine) bool { return l.Name == s.Name && l.ID == s.ID }) {
				lines = append(lines, s)
			}
		}
	}
	slices.SortFunc(lines, func(x, y witness.SigLine) int {
		if x.Name != y.Name {
			return cmpStr(x.Name, y.Name)
		}
		return int(int64(x.ID) - int64(y.ID))
	})
	merged := witness.JoinNote(self.Text, append([]witness.SigLine{self.Verified[0]}, lines...))
	a.kept[size] = merged
	if len(a.kept) > MaxKept {
		sizes := slices.Sorted(maps.Keys(a.kept))
		delete(a.kept, sizes[0])
	}
	if err := a.save(); err != nil {
		return 0, nil, err
	}
	var names []string
	for _, l := range lines {
		names = append(names, l.Name)
	}
	a.logger.Info("cosigned checkpoint", "size", size, "witnesses", names)
	return size, names, nil
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Best returns the kept cosigned checkpoint of at least minSize records
// with the most cosignatures, the larger on a tie; nil when none.
func (a *API) Best(minSize uint64) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	var best []byte
	var bestN int
	var bestSize uint64
	for size, msg := range a.kept {
		if size < minSize {
			continue
		}
		_, sigs, err := witness.SplitNote(msg)
		if err != nil {
			continue
		}
		if n := len(sigs); best == nil || n > bestN || n == bestN && size > bestSize {
			best, bestN, bestSize = msg, n, size
		}
	}
	return best
}

// Attach puts into b the best kept cosigned checkpoint that covers all its
// records (its size is above every record's index), with the consistency
// proof between it and b's checkpoint. Without one, b is left as it is.
func (a *API) Attach(b *evidence.Bundle) error {
	var need uint64
	for _, r := range b.Records {
		need = max(need, r.Index+1)
	}
	msg := a.Best(need)
	if msg == nil {
		return nil
	}
	text, _, err := witness.SplitNote(msg)
	if err != nil {
		return err
	}
	cp, err := witness.ParseCheckpoint(text)
	if err != nil {
		return err
	}
	lo, hi := min(cp.Size, b.Checkpoint.LogSize), max(cp.Size, b.Checkpoint.LogSize)
	proof, err := a.store.ConsistencyProof(lo, hi)
	if err != nil {
		return fmt.Errorf("witnessed checkpoint: consistency %d -> %d: %w", lo, hi, err)
	}
	if proof == nil {
		proof = [][]byte{}
	}
	b.Witnessed = &evidence.Witnessed{Checkpoint: string(msg), Consistency: proof}
	return nil
}

// The kept checkpoints on disk: a JSON list of notes.
func (a *API) load() error {
	b, err := os.ReadFile(a.file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var notes []string
	if err := json.Unmarshal(b, &notes); err != nil {
		return fmt.Errorf("%s: %w", a.file, err)
	}
	for _, n := range notes {
		o, err := witness.Open([]byte(n), a.self)
		if err != nil {
			// Another key or origin: start afresh rather than serve it.
			a.logger.Warn("dropping a kept cosigned checkpoint not signed by this node's key", "file", a.file, "err", err)
			continue
		}
		a.kept[o.Checkpoint.Size] = []byte(n)
	}
	return nil
}

func (a *API) save() error {
	notes := make([]string, 0, len(a.kept))
	for _, s := range slices.Sorted(maps.Keys(a.kept)) {
		notes = append(notes, string(a.kept[s]))
	}
	b, err := json.MarshalIndent(notes, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(a.file), 0o700); err != nil {
		return err
	}
	tmp := a.file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, a.file)
}
