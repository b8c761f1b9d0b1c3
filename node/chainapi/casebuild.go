package chainapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/casepkg"
	"github.com/sealchain/sealchain/node/httpjson"
)

// Case package builds (docs/api.md "Case packages"): POST /v1/cases starts
// a batch build job on the platform's node, GET /v1/case-jobs/{id} shows
// its progress and, when done, the batch (cases with their package SM3,
// and every contract skipped with the reason); the batch's files are under
// GET /v1/case-jobs/{id}/files/. The job routes are not under /v1/cases/,
// whose {id} is an institution case.

// maxCaseJobs bounds the jobs kept in memory (oldest finished dropped);
// maxCaseRequest bounds a POST /v1/cases body (20,000 ids).
const (
	maxCaseJobs    = 100
	maxCaseRequest = 2 << 20
)

// caseJob is one batch build.
type caseJob struct {
	ID       string           `json:"id"`
	Status   string           `json:"status"` // queued, running, done, failed
	Error    string           `json:"error,omitempty"`
	Request  casepkg.Request  `json:"request"`
	Progress casepkg.Progress `json:"progress"`
	BatchID  string           `json:"batch_id"`
	Created  time.Time        `json:"created"`
	Done     time.Time        `json:"done,omitzero"`
	Batch    *casepkg.Batch   `json:"batch,omitempty"`
	dir      string
}

// caseBuilds runs the jobs one at a time (each uses every core).
type caseBuilds struct {
	src casepkg.Source // nil: no workflow on this node
	dir string         // <home>/data/casepkg
	// builder is made once (it loads the 4 MB CJK font).
	builderOnce sync.Once
	builder     *casepkg.Builder
	builderErr  error
	mu          sync.Mutex
	jobs        map[string]*caseJob
	order       []string
	queue       chan *caseJob
}

func newCaseBuilds(src casepkg.Source, dir string) *caseBuilds {
	return &caseBuilds{src: src, dir: dir, jobs: map[string]*caseJob{}, queue: make(chan *caseJob, 16)}
}

// add queues j, unless a kept job already has its batch id (exists) or
// the queue is full (!ok).
func (q *caseBuilds) add(j *caseJob) (ok, exists bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, o := range q.jobs {
		if o.BatchID == j.BatchID {
			return false, true
		}
	}
	select {
	case q.queue <- j:
	default:
		return false, false
	}
	q.jobs[j.ID] = j
	q.order = append(q.order, j.ID)
	for len(q.order) > maxCaseJobs {
		delete(q.jobs, q.order[0])
		q.order = q.order[1:]
	}
	return true, false
}

func (q *caseBuilds) get(id string) (caseJob, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j, ok := q.jobs[id]
	if !ok {
		return caseJob{}, false
	}
	return *j, true
}

func (q *caseBuilds) update(j *caseJob, fn func(*caseJob)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	fn(j)
}

// RunCaseBuilds builds the batches queued by POST /v1/cases until ctx ends.
func (a *API) RunCaseBuilds(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-a.caseJobs.queue:
			a.caseJobs.update(j, func(j *caseJob) { j.Status = "running" })
			batch, err := a.buildCases(ctx, j)
			a.caseJobs.update(j, func(j *caseJob) {
				j.Done = time.Now().UTC()
				if err != nil {
					j.Status, j.Error = "failed", err.Error()
					return
				}
				j.Status, j.Batch = "done", batch
			})
			if err != nil {
				a.logger.Error("case package build failed", "job", j.ID, "batch", j.BatchID, "err", err)
			} else {
				a.logger.Info("case packages built", "job", j.ID, "batch", j.BatchID, "cases", len(batch.Cases), "skipped", len(batch.Skipped))
			}
		}
	}
}

func (a *API) caseBuilder() (*casepkg.Builder, error) {
	q := a.caseJobs
	q.builderOnce.Do(func() { q.builder, q.builderErr = a.newCaseBuilder() })
	return q.builder, q.builderErr
}

func (a *API) newCaseBuilder() (*casepkg.Builder, error) {
	trust, err := evidence.ParseTrust(a.genesis)
	if err != nil {
		return nil, err
	}
	if a.rep.ca == nil {
		return nil, errors.New("this node has no organisation CA to sign case packages")
	}
	verify, _ := a.defaultVerifyURL()
	if verify == "" {
		verify = a.rep.publicURL + "/verify"
	}
	return casepkg.NewBuilder(a.caseJobs.src, trust, a.rep.ca, a.org, verify, casepkg.WithStoreDir(a.caseJobs.dir))
}

func (a *API) buildCases(ctx context.Context, j *caseJob) (*casepkg.Batch, error) {
	b, err := a.caseBuilder()
	if err != nil {
		return nil, err
	}
	return b.Build(ctx, j.Request, j.dir, func(p casepkg.Progress) {
		a.caseJobs.update(j, func(j *caseJob) { j.Progress = p })
	})
}

// casesCreate: POST /v1/cases {"contracts": [...] | "query": {...},
// "kind", "institution", "batch_id"}: 202 with the job.
func (a *API) casesCreate(w http.ResponseWriter, r *http.Request) {
	if a.caseJobs.src == nil {
		httpjson.WriteError(w, http.StatusNotFound, "no_workflow", "this node runs no signing workflow: case packages are built on the platform's node")
		return
	}
	if c := callerFrom(r.Context()); c != nil && c.org.ID != a.org {
		httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("this is %q's node: only it builds case packages of its contracts", a.org))
		return
	}
	var req casepkg.Request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCaseRequest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpjson.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body exceeds %d bytes", maxCaseRequest))
			return
		}
		httpjson.WriteError(w, http.StatusBadRequest, "bad_json", "body: "+err.Error())
		return
	}
	b, err := a.caseBuilder()
	if err != nil {
		httpjson.WriteError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
		return
	}
	if err := b.Check(&req); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", err.Error())
		return
	}
	if req.BatchID == "" {
		req.BatchID = casepkg.NewBatchID(time.Now())
	}
	dir := filepath.Join(a.caseJobs.dir, "batches", req.BatchID)
	if _, err := os.Stat(dir); err == nil {
		httpjson.WriteError(w, http.StatusConflict, "exists", fmt.Sprintf("field batch_id: batch %s was already built", req.BatchID))
		return
	}
	var rb [8]byte
	_, _ = rand.Read(rb[:])
	j := &caseJob{ID: "cj-" + hex.EncodeToString(rb[:]), Status: "queued", Request: req, BatchID: req.BatchID,
		Created: time.Now().UTC(), dir: dir, Progress: casepkg.Progress{Total: len(req.Contracts)}}
	answer := *j // the builder updates j as soon as it is queued
	if ok, exists := a.caseJobs.add(j); exists {
		httpjson.WriteError(w, http.StatusConflict, "exists", fmt.Sprintf("field batch_id: batch %s is already being built", req.BatchID))
		return
	} else if !ok {
		httpjson.WriteError(w, http.StatusTooManyRequests, "busy", "too many case package builds queued; retry later")
		return
	}
	w.Header().Set("Location", "/v1/case-jobs/"+answer.ID)
	httpjson.Write(w, http.StatusAccepted, &answer)
}

// caseJobGet: GET /v1/case-jobs/{id}.
func (a *API) caseJobGet(w http.ResponseWriter, r *http.Request) {
	j, ok := a.caseJobForCaller(w, r)
	if !ok {
		return
	}
	httpjson.Write(w, http.StatusOK, j)
}

var caseFileRE = regexp.MustCompile(`^(batch\.json|batch\.csv|cases/[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\.zip)$`)

// caseJobFile: GET /v1/case-jobs/{id}/files/{name...}: batch.json,
// batch.csv or cases/<case_id>.zip of a finished job.
func (a *API) caseJobFile(w http.ResponseWriter, r *http.Request) {
	j, ok := a.caseJobForCaller(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	if !caseFileRE.MatchString(name) {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no file %q: batch.json, batch.csv or cases/<case_id>.zip", name))
		return
	}
	if j.Status != "done" {
		httpjson.WriteError(w, http.StatusConflict, "not_ready", fmt.Sprintf("job %s is %s", j.ID, j.Status))
		return
	}
	f, err := os.Open(filepath.Join(j.dir, filepath.FromSlash(name)))
	if err != nil {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("job %s has no %s", j.ID, name))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		a.internal(w, r, err)
		return
	}
	switch filepath.Ext(name) {
	case ".zip":
		w.Header().Set("Content-Type", "application/zip")
	case ".csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/json")
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
}

func (a *API) caseJobForCaller(w http.ResponseWriter, r *http.Request) (caseJob, bool) {
	if c := callerFrom(r.Context()); c != nil && c.org.ID != a.org {
		httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("this is %q's node: its case package builds are its own", a.org))
		return caseJob{}, false
	}
	id := r.PathValue("id")
	j, ok := a.caseJobs.get(id)
	if !ok {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no case package job %q (jobs are kept in memory: the last %d)", id, maxCaseJobs))
		return caseJob{}, false
	}
	return j, true
}
