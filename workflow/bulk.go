package workflow

import (
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/workflow/template"
)

// Bulk send (批量发起): one template, up to MaxBulkRows rows, each row one
// contract created and sent in one job. StartBulk checks the job and
// stores it; a background runner works through the rows in chunks of
// bulkChunk. Each chunk's rows are prepared in parallel without the engine
// lock (template rendering, the document stored, the records built and
// signed), then written in ONE synced pebble batch: their contracts,
// records, links, SMS messages, row results and the job's progress
// together. The job therefore never shows a row as done whose contract
// is not stored, and a crash resumes at the first row not written.
//
// A row is idempotent: its contract id is derived from the row (an HMAC
// under the KEK of its key, or of the job id and row number when it has no
// key), so a row run again (after a crash, or a row key already used by
// an earlier job) finds its contract instead of creating a second one.
// A row with errors is kept in the results with each error's field and
// message, never dropped.

// MaxBulkRows is the most rows one bulk send takes.
const MaxBulkRows = 10000

// bulkChunk is the rows written per synced batch.
const bulkChunk = 64

const bulkIDLabel = "sealchain/workflow/bulk-row/v1"

// Bulk job statuses.
const (
	BulkRunning = "running"
	BulkDone    = "done"
)

// Bulk row statuses.
const (
	RowSent     = "sent"     // created and sent by this job
	RowExisting = "existing" // its contract already existed (a retried row or row key)
	RowFailed   = "failed"   // Errors say why; no contract
)

// BulkRow is one contract of a bulk send: the template's field values and
// the identity taking each of the template's roles.
type BulkRow struct {
	// Key makes the row idempotent across jobs: a row with a key already
	// used (by this or an earlier job) gets that key's contract. Optional.
	Key     string            `json:"key,omitempty"`
	Title   string            `json:"title,omitempty"` // default: the job's title
	Fields  map[string]string `json:"fields"`
	Parties map[string]string `json:"parties"` // role -> identity id
}

// BulkInput starts a bulk send.
type BulkInput struct {
	Template string     `json:"template"`
	Title    string     `json:"title,omitempty"`
	Order    string     `json:"order,omitempty"`
	Deadline *time.Time `json:"deadline,omitempty"`
	Rows     []BulkRow  `json:"rows"`
}

// RowError is one thing wrong with a row: its 1-based number, the field
// (key, title, fields.<name>, parties.<role>) and what is wrong.
type RowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// BulkResult is what became of one row.
type BulkResult struct {
	Row        int        `json:"row"`
	Key        string     `json:"key,omitempty"`
	Status     string     `json:"status"`
	ContractID string     `json:"contract_id,omitempty"`
	Errors     []RowError `json:"errors,omitempty"`
}

// BulkJob is a bulk send's progress.
type BulkJob struct {
	ID         string    `json:"id"`
	Template   string    `json:"template"`
	Status     string    `json:"status"`
	Total      int       `json:"total"`
	Processed  int       `json:"processed"`
	Sent       int       `json:"sent"`
	Existing   int       `json:"existing"`
	Failed     int       `json:"failed"`
	CreatedAt  time.Time `json:"created_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

func bulkJobKey(id string) string   { return pBulk + id }
func bulkInputKey(id string) string { return pBulkIn + id }
func bulkRowKey(id string, row int) []byte {
	return binary.BigEndian.AppendUint32([]byte(pBulkRow+id+"/"), uint32(row))
}

// ParseBulkCSV reads rows from CSV (UTF-8, a header line first). Columns:
// key and title (optional), party:<role> (the identity taking the role),
// and every other column a template field. Empty cells are left out.
func ParseBulkCSV(r io.Reader) ([]BulkRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, badField("csv", "header line: %v", err)
	}
	head = slices.Clone(head)
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff") // a BOM from spreadsheet exports
	}
	seen := map[string]bool{}
	for i, h := range head {
		h = strings.TrimSpace(h)
		head[i] = h
		if h == "" {
			return nil, badField("csv", "header column %d is empty", i+1)
		}
		if seen[h] {
			return nil, badField("csv", "header column %q appears twice", h)
		}
		seen[h] = true
	}
	var rows []BulkRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badField("csv", "%v", err)
		}
		if len(rows) == MaxBulkRows {
			return nil, badField("csv", "more than %d rows", MaxBulkRows)
		}
		row := BulkRow{Fields: map[string]string{}, Parties: map[string]string{}}
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			switch h := head[i]; {
			case h == "key":
				row.Key = v
			case h == "title":
				row.Title = v
			case strings.HasPrefix(h, "party:"):
				row.Parties[strings.TrimPrefix(h, "party:")] = v
			default:
				row.Fields[h] = v
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// StartBulk checks a bulk send, stores it and starts it; the rows are
// worked through in the background (BulkJob, BulkResults).
func (e *Engine) StartBulk(ctx context.Context, in *BulkInput) (*BulkJob, error) {
	switch {
	case e.cfg.Templates == nil:
		return nil, badField("template", "no templates on this node")
	case strings.TrimSpace(in.Template) == "":
		return nil, badField("template", "missing")
	case len(in.Rows) == 0 || len(in.Rows) > MaxBulkRows:
		return nil, badField("rows", "%d rows, want 1..%d", len(in.Rows), MaxBulkRows)
	case len(in.Title) > 512:
		return nil, badField("title", "1 to 512 bytes")
	}
	switch in.Order {
	case "", "sequential", "parallel":
	default:
		return nil, badField("order", "%q, want sequential or parallel", in.Order)
	}
	if in.Deadline != nil && !in.Deadline.After(e.now()) {
		return nil, badField("deadline", "must be in the future")
	}
	id, err := e.randomID("bulk-")
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	// The rows hold names, ID numbers and phone-bearing identities: sealed.
	sealed, err := e.cfg.KEK.Seal(e.rand, "bulk/"+id, plain)
	if err != nil {
		return nil, err
	}
	job := &BulkJob{ID: id, Template: in.Template, Status: BulkRunning, Total: len(in.Rows), CreatedAt: e.now().UTC()}
	b := e.db.NewBatch()
	defer b.Close()
	if err := b.Set([]byte(bulkInputKey(id)), sealed, nil); err != nil {
		return nil, err
	}
	if err := setJSON(b, []byte(bulkJobKey(id)), job); err != nil {
		return nil, err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return nil, fmt.Errorf("workflow: store bulk send: %w", err)
	}
	e.bulkKick()
	return job, nil
}

// BulkJob returns a bulk send's progress.
func (e *Engine) BulkJob(id string) (*BulkJob, error) {
	var j BulkJob
	ok, err := getJSON(e.db, bulkJobKey(id), &j)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("bulk send", id)
	}
	return &j, nil
}

// BulkResults lists up to limit row results after row number after
// (0: from the first); failedOnly lists only rows with errors. next is
// the cursor for the following page, 0 at the end.
func (e *Engine) BulkResults(id string, after, limit int, failedOnly bool) (out []BulkResult, next int, err error) {
	if _, err := e.BulkJob(id); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	lower := bulkRowKey(id, after+1)
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd([]byte(pBulkRow + id + "/"))})
	if err != nil {
		return nil, 0, err
	}
	defer it.Close()
	out = []BulkResult{}
	for it.First(); it.Valid(); it.Next() {
		var r BulkResult
		if err := json.Unmarshal(it.Value(), &r); err != nil {
			return nil, 0, fmt.Errorf("bulk %s row: %w", id, err)
		}
		if failedOnly && r.Status != RowFailed {
			continue
		}
		if len(out) == limit {
			return out, out[len(out)-1].Row, nil
		}
		out = append(out, r)
	}
	return out, 0, it.Error()
}

func (e *Engine) bulkKick() {
	select {
	case e.bulkWake <- struct{}{}:
	default:
	}
}

// runBulk works through the running bulk sends, oldest first, until ctx ends.
func (e *Engine) runBulk(ctx context.Context) {
	for ctx.Err() == nil {
		id, err := e.nextBulk()
		if err == nil && id != "" {
			err = e.runBulkJob(ctx, id)
		}
		if err != nil && ctx.Err() == nil {
			e.logger.Error("bulk send will be retried", "job", id, "err", err)
			e.sleep(ctx, time.Second)
			continue
		}
		if id == "" {
			select {
			case <-ctx.Done():
			case <-e.bulkWake:
			case <-time.After(5 * time.Second):
			}
		}
	}
}

// nextBulk names the oldest running job ("" if none).
func (e *Engine) nextBulk() (string, error) {
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: []byte(pBulk), UpperBound: prefixEnd([]byte(pBulk))})
	if err != nil {
		return "", err
	}
	defer it.Close()
	var oldest *BulkJob
	for it.First(); it.Valid(); it.Next() {
		var j BulkJob
		if err := json.Unmarshal(it.Value(), &j); err != nil {
			return "", fmt.Errorf("decode %s: %w", it.Key(), err)
		}
		if j.Status == BulkRunning && (oldest == nil || j.CreatedAt.Before(oldest.CreatedAt)) {
			oldest = &j
		}
	}
	if oldest == nil {
		return "", it.Error()
	}
	return oldest.ID, it.Error()
}

// runBulkJob runs job id from its first unwritten row to the end.
func (e *Engine) runBulkJob(ctx context.Context, id string) error {
	sealed, closer, err := e.db.Get([]byte(bulkInputKey(id)))
	if err != nil {
		return fmt.Errorf("bulk %s input: %w", id, err)
	}
	plain, err := e.cfg.KEK.Open("bulk/"+id, sealed)
	closer.Close()
	if err != nil {
		return err
	}
	var in BulkInput
	if err := json.Unmarshal(plain, &in); err != nil {
		return fmt.Errorf("bulk %s input: %w", id, err)
	}
	job, err := e.BulkJob(id)
	if err != nil {
		return err
	}
	cache := &identityCache{}
	for job.Processed < job.Total {
		if ctx.Err() != nil {
			return nil
		}
		end := min(job.Processed+bulkChunk, job.Total)
		if job, err = e.bulkChunk(ctx, job, &in, job.Processed, end, cache); err != nil {
			return err
		}
	}
	return nil
}

// rowContractID derives row i's contract id (0-based): from its key, else
// from the job and row number. Keyed by the KEK, so an id reveals nothing
// of a key (which may be a customer number).
func (e *Engine) rowContractID(job string, i int, key string) string {
	var mac []byte
	if key != "" {
		mac = e.cfg.KEK.MAC(bulkIDLabel, []byte("key"), []byte(key))
	} else {
		mac = e.cfg.KEK.MAC(bulkIDLabel, []byte("row"), []byte(job), binary.BigEndian.AppendUint32(nil, uint32(i)))
	}
	return "wf-" + hex.EncodeToString(mac[:12])
}

// bulkPrepared is a row ready to be written: a contract and its built
// contract_sent, or its result when there is nothing to write.
type bulkPrepared struct {
	pc   *prepared
	sent queuedTx
	res  BulkResult
}

// bulkChunk prepares rows [from, to) in parallel and writes them in one
// synced batch with the job's new progress.
func (e *Engine) bulkChunk(ctx context.Context, job *BulkJob, in *BulkInput, from, to int, cache *identityCache) (*BulkJob, error) {
	out := make([]bulkPrepared, to-from)
	errs := make([]error, to-from)
	// More workers than cores: a row waits on the file store's fsyncs
	// about as long as it computes, and concurrent fsyncs share a journal
	// commit.
	workers := 4 * max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i-from], errs[i-from] = e.bulkPrepare(ctx, job.ID, in, i, cache)
			}
		}()
	}
	for i := from; i < to; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err // an I/O failure, not a row's fault: the chunk runs again
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.begin()
	defer t.close()
	j := *job
	written := map[string]bool{}
	for i := range out {
		p := &out[i]
		if p.pc != nil {
			// The id may have been taken since the row was prepared (the
			// same key twice in one chunk): the second is an existing row.
			if _, err := e.loadContract(p.pc.c.ID); err == nil || written[p.pc.c.ID] {
				p.res.Status, p.pc = RowExisting, nil
			} else if !errors.Is(err, ErrNotFound) {
				return nil, err
			}
		}
		if p.pc != nil {
			if err := e.writeContract(t, p.pc); err != nil {
				return nil, err
			}
			if _, err := e.sendLocked(t, p.pc.c, p.sent, p.pc.phones); err != nil {
				return nil, err
			}
			written[p.pc.c.ID] = true
		}
		switch p.res.Status {
		case RowSent:
			j.Sent++
		case RowExisting:
			j.Existing++
		default:
			j.Failed++
		}
		if err := setJSON(t.b, bulkRowKey(j.ID, p.res.Row), &p.res); err != nil {
			return nil, err
		}
	}
	j.Processed = to
	if j.Processed == j.Total {
		j.Status, j.FinishedAt = BulkDone, e.now().UTC()
	}
	if err := t.set(bulkJobKey(j.ID), &j); err != nil {
		return nil, err
	}
	if err := t.commit(); err != nil {
		return nil, err
	}
	return &j, nil
}

// bulkPrepare prepares row i (0-based). A fault of the row is its result;
// an error is a fault of the node (storage), which retries the chunk.
func (e *Engine) bulkPrepare(ctx context.Context, job string, in *BulkInput, i int, cache *identityCache) (bulkPrepared, error) {
	row := &in.Rows[i]
	res := BulkResult{Row: i + 1, Key: row.Key}
	fail := func(field, format string, args ...any) (bulkPrepared, error) {
		res.Status = RowFailed
		res.Errors = append(res.Errors, RowError{Row: i + 1, Field: field, Message: fmt.Sprintf(format, args...)})
		return bulkPrepared{res: res}, nil
	}
	if len(row.Key) > 128 {
		return fail("key", "%d bytes, want at most 128", len(row.Key))
	}
	id := e.rowContractID(job, i, row.Key)
	res.ContractID = id
	if _, err := e.loadContract(id); err == nil {
		res.Status = RowExisting
		return bulkPrepared{res: res}, nil
	} else if !errors.Is(err, ErrNotFound) {
		return bulkPrepared{}, err
	}
	title := row.Title
	if title == "" {
		title = in.Title
	}
	if strings.TrimSpace(title) == "" {
		return fail("title", "missing: give the row a title, or the job one")
	}
	if len(row.Parties) == 0 {
		return fail("parties", "no party: give each role of template %s an identity (column party:<role>)", in.Template)
	}
	roles := make([]string, 0, len(row.Parties))
	for r := range row.Parties {
		roles = append(roles, r)
	}
	slices.Sort(roles)
	cin := &ContractInput{Title: title, Template: &TemplateInput{ID: in.Template, Fields: row.Fields}, Order: in.Order, Deadline: in.Deadline}
	for _, r := range roles {
		cin.Parties = append(cin.Parties, PartyInput{IdentityID: row.Parties[r], Role: r})
	}
	pc, err := e.prepareContract(ctx, cin, id, cache)
	if err != nil {
		var we *Error
		if !errors.As(err, &we) {
			return bulkPrepared{}, err
		}
		res.Status = RowFailed
		res.ContractID = ""
		res.Errors = rowErrors(i+1, we, roles, err)
		return bulkPrepared{res: res}, nil
	}
	sent, err := e.buildTx(&chain.ContractSent{Contract: id}, nil)
	if err != nil {
		return bulkPrepared{}, err
	}
	res.Status = RowSent
	return bulkPrepared{pc: pc, sent: sent, res: res}, nil
}

// rowErrors turns a refusal of a row's contract into row errors, naming the
// row's own fields: fields.<name> for template values, parties.<role> for
// identities.
func rowErrors(row int, we *Error, roles []string, err error) []RowError {
	var fe *template.FieldError
	if errors.As(err, &fe) {
		var out []RowError
		for _, n := range fe.Missing {
			out = append(out, RowError{Row: row, Field: "fields." + n, Message: "missing"})
		}
		for _, n := range fe.Unknown {
			out = append(out, RowError{Row: row, Field: "fields." + n, Message: "not a field of the template"})
		}
		for _, n := range fe.Invalid {
			msg := "cannot be printed, or too long"
			if w := fe.Want[n]; w != "" {
				msg = "want " + w
			}
			out = append(out, RowError{Row: row, Field: "fields." + n, Message: msg})
		}
		if len(out) > 0 {
			return out
		}
	}
	field, msg := "row", we.Message
	if errors.Is(err, ErrUnverifiedIdentity) {
		field = "parties"
	}
	if f, rest, ok := strings.Cut(strings.TrimPrefix(we.Message, "field "), ": "); ok && strings.HasPrefix(we.Message, "field ") {
		field, msg = f, rest
		// parties[i] -> parties.<role>: the row names parties by role.
		var i int
		if _, err := fmt.Sscanf(f, "parties[%d]", &i); err == nil && i >= 0 && i < len(roles) {
			field = "parties." + roles[i]
		}
	}
	if we.Status != http.StatusBadRequest && field == "row" {
		msg = we.Code + ": " + we.Message
	}
	return []RowError{{Row: row, Field: field, Message: msg}}
}
