package witness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Pull is one round of a witness that follows a Sealchain node rather than
// waiting for add-checkpoint requests (a witness behind a firewall): it
// fetches the node's checkpoint (GET /v1/checkpoint) and, when it grew,
// the consistency proof from the witness's latest size
// (GET /v1/checkpoint/consistency), runs AddCheckpoint on them (the same
// checks as an add-checkpoint request) and posts the cosigned checkpoint
// back (POST /v1/checkpoint/cosignatures). It returns the cosigned size.
// A forked or rolled-back log fails in AddCheckpoint and nothing is sent.
func Pull(ctx context.Context, w *Witness, hc *http.Client, nodeURL string) (uint64, error) {
	base := strings.TrimSuffix(nodeURL, "/")
	signed, err := get(ctx, hc, base+"/v1/checkpoint")
	if err != nil {
		return 0, err
	}
	text, _, err := SplitNote(signed)
	if err != nil {
		return 0, fmt.Errorf("node checkpoint: %w", err)
	}
	cp, err := ParseCheckpoint(text)
	if err != nil {
		return 0, fmt.Errorf("node checkpoint: %w", err)
	}
	latest, err := w.Latest(cp.Origin)
	if err != nil {
		return 0, err
	}
	// From the witness's own latest size: a node showing a smaller log
	// than the witness cosigned is refused by AddCheckpoint (old > size).
	var old uint64
	var proof [][]byte
	if latest != nil {
		old = latest.Size
	}
	if old > 0 && old < cp.Size {
		b, err := get(ctx, hc, fmt.Sprintf("%s/v1/checkpoint/consistency?old=%d&size=%d", base, old, cp.Size))
		if err != nil {
			return 0, err
		}
		var resp struct {
			Old, Size uint64
			Proof     [][]byte
		}
		if err := json.Unmarshal(b, &resp); err != nil || resp.Old != old || resp.Size != cp.Size {
			return 0, fmt.Errorf("node consistency proof %d -> %d: unexpected answer %.200q", old, cp.Size, b)
		}
		proof = resp.Proof
	}
	lines, err := w.AddCheckpoint(old, proof, signed)
	if err != nil {
		return 0, err
	}
	var body bytes.Buffer
	body.Write(signed)
	for _, l := range lines {
		body.WriteString(l.String())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/checkpoint/cosignatures", &body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := hc.Do(req)
	if err != nil {
		return cp.Size, fmt.Errorf("post cosignature: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return cp.Size, fmt.Errorf("post cosignature: node answered %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return cp.Size, nil
}

func get(ctx context.Context, hc *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxNoteBytes+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d: %s", url, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return b, nil
}
