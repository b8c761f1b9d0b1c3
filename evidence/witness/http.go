package witness

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// SizeContentType is the 409 body's type in tlog-witness.
const SizeContentType = "text/x.tlog.size"

// FormatAddCheckpoint returns a tlog-witness add-checkpoint request body:
// "old <size>", the proof's hashes in base64, one a line, a blank line and
// the signed checkpoint.
func FormatAddCheckpoint(old uint64, proof [][]byte, signed []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(signed)
	return b.Bytes()
}

// ParseAddCheckpoint parses an add-checkpoint request body.
func ParseAddCheckpoint(body []byte) (old uint64, proof [][]byte, signed []byte, err error) {
	if len(body) > MaxNoteBytes+(MaxProofHashes+1)*64 {
		return 0, nil, nil, fmt.Errorf("%w request: %d bytes", ErrMalformed, len(body))
	}
	rest := body
	line := func() (string, bool) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return "", false
		}
		l := string(rest[:i])
		rest = rest[i+1:]
		return l, true
	}
	first, ok := line()
	sz, ok2 := strings.CutPrefix(first, "old ")
	if !ok || !ok2 {
		return 0, nil, nil, fmt.Errorf("%w request: first line must be \"old <size>\"", ErrMalformed)
	}
	if old, err = parseSize(sz); err != nil {
		return 0, nil, nil, fmt.Errorf("%w request: old size: %w", ErrMalformed, err)
	}
	for {
		l, ok := line()
		if !ok {
			return 0, nil, nil, fmt.Errorf("%w request: no blank line before the checkpoint", ErrMalformed)
		}
		if l == "" {
			break
		}
		if len(proof) == MaxProofHashes {
			return 0, nil, nil, fmt.Errorf("%w request: more than %d proof lines", ErrMalformed, MaxProofHashes)
		}
		h, err := decodeHash(l)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("%w request: proof line %d: %w", ErrMalformed, len(proof)+1, err)
		}
		proof = append(proof, h)
	}
	return old, proof, rest, nil
}

// StatusOf maps an AddCheckpoint error to its tlog-witness HTTP status.
func StatusOf(err error) int {
	var ce *ConflictError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &ce):
		return http.StatusConflict
	case errors.Is(err, ErrUnknownLog):
		return http.StatusNotFound
	case errors.Is(err, ErrBadLogSignature):
		return http.StatusForbidden
	case errors.Is(err, ErrInconsistent):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrBadRequest), errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// Handler serves POST /add-checkpoint for w. Errors are plain text, as
// tlog-witness clients expect; a 409 carries the witness's size.
func Handler(w *Witness, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxNoteBytes+(MaxProofHashes+1)*64))
		if err != nil {
			http.Error(rw, "read body: "+err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		old, proof, signed, err := ParseAddCheckpoint(body)
		var lines []SigLine
		if err == nil {
			lines, err = w.AddCheckpoint(old, proof, signed)
		}
		var ce *ConflictError
		switch status := StatusOf(err); {
		case err == nil:
			rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			for _, l := range lines {
				io.WriteString(rw, l.String())
			}
		case errors.As(err, &ce):
			rw.Header().Set("Content-Type", SizeContentType)
			rw.WriteHeader(status)
			fmt.Fprintf(rw, "%d\n", ce.Size)
			logger.Warn("add-checkpoint refused", "status", status, "err", err)
		default:
			if status == http.StatusInternalServerError {
				logger.Error("add-checkpoint", "err", err)
			} else {
				logger.Warn("add-checkpoint refused", "status", status, "err", err)
			}
			http.Error(rw, err.Error(), status)
		}
	})
	return mux
}

// StatusError is a witness's answer other than 200 and 409.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("witness answered %d: %s", e.Status, strings.TrimSpace(e.Body))
}

// AddCheckpointClient posts add-checkpoint requests to a witness at
// Prefix (its submission prefix, without the trailing "/add-checkpoint").
type AddCheckpointClient struct {
	Prefix string
	HTTP   *http.Client
}

// Add posts the request and returns the cosignature lines. A 409 returns
// *ConflictError with the witness's size; another status *StatusError.
func (c AddCheckpointClient) Add(ctx context.Context, old uint64, proof [][]byte, signed []byte) ([]SigLine, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.Prefix, "/")+"/add-checkpoint",
		bytes.NewReader(FormatAddCheckpoint(old, proof, signed)))
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxNoteBytes))
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return ParseSigLines(body)
	case http.StatusConflict:
		if n, err := parseSize(strings.TrimSuffix(string(body), "\n")); err == nil {
			return nil, &ConflictError{Size: n}
		}
	}
	return nil, &StatusError{Status: resp.StatusCode, Body: string(body)}
}
