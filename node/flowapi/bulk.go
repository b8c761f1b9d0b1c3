package flowapi

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/sealchain/sealchain/workflow"
)

// Bulk sends (docs/workflow.md, "Bulk send"): POST /v1/wf/bulk-sends takes
// a template and rows, as JSON or as CSV (Content-Type text/csv, the job's
// template, title, order and deadline in the query), and answers 202 with
// the job; GET /v1/wf/bulk-sends/{id} is its progress and
// GET /v1/wf/bulk-sends/{id}/rows its per-row results, paged.

// bulkMaxBytes bounds a bulk send's body: 10,000 rows of a few hundred bytes.
const bulkMaxBytes = 32 << 20

func (w *wfAPI) registerBulk(route func(string, http.HandlerFunc)) {
	route("POST /v1/wf/bulk-sends", w.platform(w.idempotentN(bulkMaxBytes, w.bulkCreate)))
	route("GET /v1/wf/bulk-sends/{id}", w.platform(w.bulkGet))
	route("GET /v1/wf/bulk-sends/{id}/rows", w.platform(w.bulkRows))
}

func (w *wfAPI) bulkCreate(rw http.ResponseWriter, r *http.Request) {
	var in workflow.BulkInput
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "text/csv" {
		q := r.URL.Query()
		in.Template, in.Title, in.Order = q.Get("template"), q.Get("title"), q.Get("order")
		if v := q.Get("deadline"); v != "" {
			d, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(rw, http.StatusBadRequest, "bad_query", "query deadline: want RFC 3339")
				return
			}
			in.Deadline = &d
		}
		rows, err := workflow.ParseBulkCSV(r.Body)
		if err != nil {
			w.wfError(rw, r, err)
			return
		}
		in.Rows = rows
	} else {
		dec := json.NewDecoder(r.Body) // bounded by idempotentN
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeError(rw, http.StatusBadRequest, "bad_json", "body: "+err.Error())
			return
		}
	}
	job, err := w.s.engine.StartBulk(r.Context(), &in)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	rw.Header().Set("Location", "/v1/wf/bulk-sends/"+job.ID)
	writeJSON(rw, http.StatusAccepted, job)
}

func (w *wfAPI) bulkGet(rw http.ResponseWriter, r *http.Request) {
	job, err := w.s.engine.BulkJob(r.PathValue("id"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, job)
}

// bulkRows: ?after=<row> (the cursor), ?limit=1..1000, ?status=failed.
func (w *wfAPI) bulkRows(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, limit := 0, 100
	for _, p := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"after", &after, 0, workflow.MaxBulkRows}, {"limit", &limit, 1, 1000}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.min || n > p.max {
				writeError(rw, http.StatusBadRequest, "bad_query", "query "+p.name+": "+strconv.Itoa(p.min)+".."+strconv.Itoa(p.max))
				return
			}
			*p.dst = n
		}
	}
	failed := false
	switch q.Get("status") {
	case "":
	case workflow.RowFailed:
		failed = true
	default:
		writeError(rw, http.StatusBadRequest, "bad_query", "query status: only failed")
		return
	}
	rows, next, err := w.s.engine.BulkResults(r.PathValue("id"), after, limit, failed)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"rows": rows, "next_after": next})
}
