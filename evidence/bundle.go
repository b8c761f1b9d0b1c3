package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sealchain/sealchain/chain/smt"
)

// Format and Version identify bundle format v1 (docs/evidence-bundle.md).
const (
	Format  = "sealchain-evidence-bundle"
	Version = 1
)

// Limits that keep a hostile bundle from making verification expensive.
const (
	MaxRecords     = 10_000
	MaxProofHashes = 64
	MaxBundleBytes = 64 << 20
	MaxHops        = 10_000
)

// Bundle is evidence about one subject (a document hash, a contract, a
// certificate): the records, each with an inclusion proof, and one
// checkpoint that every proof leads to. Binary fields are base64 in JSON
// (standard encoding); hashes shown to people are hex.
type Bundle struct {
	Format     string     `json:"format"`
	Version    int        `json:"version"`
	ChainID    string     `json:"chain_id"`
	Subject    Subject    `json:"subject"`
	Records    []Record   `json:"records"`
	Checkpoint Checkpoint `json:"checkpoint"`
	// ValidatorHops carry trust from the genesis validator set to the set
	// that signed the checkpoint, one validator-set change at a time. Absent
	// when the set never changed.
	ValidatorHops []Hop `json:"validator_hops,omitempty"`
	// Consistency proves that the log at an earlier size, which the
	// verifier already trusts, is a prefix of the checkpoint's log. Present
	// when asked for (since_size).
	Consistency *Consistency `json:"consistency,omitempty"`
	// Next is the cursor (subject.after) for the next page, when paging.
	Next *uint64 `json:"next,omitempty"`
	// Anchors are the anchored checkpoints covering the records (anchors.go,
	// docs/anchoring.md). Absent when none covers them yet, so such bundles
	// read the same as before.
	Anchors []Anchor `json:"anchors,omitempty"`
	// Witnessed is a checkpoint of the record log cosigned by independent
	// witnesses (witnessed.go, docs/evidence-bundle.md "Witnesses"). Absent
	// when the node holds none, so such bundles read the same as before.
	Witnessed *Witnessed `json:"witnessed,omitempty"`
	// CertStatus proves, from rules version 4, the status as of the
	// checkpoint's height of every certificate the records rely on
	// (certstatus.go). Absent before version 4.
	CertStatus []CertStatus `json:"cert_status,omitempty"`
}

// Consistency is an RFC 6962 consistency proof from FromSize to the
// checkpoint's log size.
type Consistency struct {
	FromSize uint64   `json:"from_size"`
	Proof    [][]byte `json:"proof"`
}

// Hop is one validator-set change: the header whose NextValidatorsHash names
// the new set, signed by the old set, and the new set.
type Hop struct {
	Height int64 `json:"height"`
	// SignedHeader is the protobuf cometbft.types.v1.SignedHeader at Height.
	SignedHeader []byte `json:"signed_header"`
	// NextValidatorSet is the protobuf cometbft.types.v1.ValidatorSet from Height+1.
	NextValidatorSet []byte `json:"next_validator_set"`
}

// Subject says what the bundle was asked for.
type Subject struct {
	DocHash   string `json:"doc_hash,omitempty"`   // hex SM3 or SHA-256 of a document
	SinceSize uint64 `json:"since_size,omitempty"` // ask for a consistency proof from this log size
	// Limit and After page through a subject with many records (a busy
	// certificate): the subject's own records Limit at a time after the
	// log index After; each contract among them still comes whole.
	Limit      int     `json:"limit,omitempty"`
	After      *uint64 `json:"after,omitempty"`
	ContractID string  `json:"contract_id,omitempty"` // contract id
	Cert       string  `json:"cert,omitempty"`        // hex certificate fingerprint
}

// Record is one log entry with its inclusion proof.
type Record struct {
	Index uint64   `json:"index"`
	Leaf  []byte   `json:"leaf"`  // canonical chain.Entry bytes
	Proof [][]byte `json:"proof"` // RFC 6962 audit path, SM3
}

// Checkpoint binds the log to a block the validators signed: the app hash in
// the header at Height+1 is chain.AppHash(LogSize, LogRoot, StateRoot), or
// from rules version 4 chain.AppHashCerts(LogSize, LogRoot, StateRoot, CertRoot).
type Checkpoint struct {
	Height    int64  `json:"height"` // the app state's height; the header is at Height+1
	LogSize   uint64 `json:"log_size"`
	LogRoot   []byte `json:"log_root"`
	StateRoot []byte `json:"state_root"`
	// SignedHeader is the protobuf cometbft.types.v1.SignedHeader at Height+1.
	SignedHeader []byte `json:"signed_header"`
	// ValidatorSet is the protobuf cometbft.types.v1.ValidatorSet that signed it.
	ValidatorSet []byte `json:"validator_set"`
	// CertRoot is the root of the certificate status tree, from rules
	// version 4; the app hash then is chain.AppHashCerts. Absent before.
	CertRoot []byte `json:"cert_root,omitempty"`
}

// ErrFormat means the bytes are not a bundle this code reads.
var ErrFormat = errors.New("not a sealchain evidence bundle v1")

// Encode returns the bundle as indented JSON.
func (b *Bundle) Encode() ([]byte, error) {
	return json.MarshalIndent(b, "", "  ")
}

// DecodeBundle parses a bundle, refusing unknown formats, versions and fields.
func DecodeBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleBytes {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrFormat, len(data), MaxBundleBytes)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if head.Format != Format {
		return nil, fmt.Errorf("%w: format %q", ErrFormat, head.Format)
	}
	if head.Version != Version {
		return nil, fmt.Errorf("%w: version %d is not supported by this verifier (it reads version %d); use a newer sealchain", ErrFormat, head.Version, Version)
	}
	if err := requireFields(data); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if len(b.Records) > MaxRecords {
		return nil, fmt.Errorf("%w: %d records exceeds %d", ErrFormat, len(b.Records), MaxRecords)
	}
	if len(b.ValidatorHops) > MaxHops {
		return nil, fmt.Errorf("%w: %d validator hops exceeds %d", ErrFormat, len(b.ValidatorHops), MaxHops)
	}
	if len(b.CertStatus) > MaxRecords {
		return nil, fmt.Errorf("%w: %d certificate status proofs exceeds %d", ErrFormat, len(b.CertStatus), MaxRecords)
	}
	for i, c := range b.CertStatus {
		if len(c.Proof) > smt.MaxProofBytes {
			return nil, fmt.Errorf("%w: cert_status[%d].proof is %d bytes", ErrFormat, i, len(c.Proof))
		}
	}
	for i, r := range b.Records {
		if len(r.Proof) > MaxProofHashes {
			return nil, fmt.Errorf("%w: records[%d].proof has %d hashes", ErrFormat, i, len(r.Proof))
		}
	}
	return &b, nil
}

// Required fields, by object. A missing field would decode as its zero
// value, so a bundle could drop, say, a record's index 0 and still verify;
// requiring every field gives each bundle one JSON shape.
var (
	bundleFields     = []string{"format", "version", "chain_id", "subject", "records", "checkpoint"}
	recordFields     = []string{"index", "leaf", "proof"}
	checkpointFields = []string{"height", "log_size", "log_root", "state_root", "signed_header", "validator_set"}
	hopFields        = []string{"height", "signed_header", "next_validator_set"}
	consistFields    = []string{"from_size", "proof"}
	anchorFields     = []string{"record_index", "consistency"}
	witnessedFields  = []string{"checkpoint", "consistency"}
	certStatusFields = []string{"cert", "proof"}
)

// requireFields checks that data has every required field; types and
// unknown fields are left to the decoder.
func requireFields(data []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return err
	}
	if err := has(top, "", bundleFields); err != nil {
		return err
	}
	var cp map[string]json.RawMessage
	if err := json.Unmarshal(top["checkpoint"], &cp); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := has(cp, "checkpoint.", checkpointFields); err != nil {
		return err
	}
	for _, list := range []struct {
		key    string
		fields []string
	}{{"records", recordFields}, {"validator_hops", hopFields}, {"anchors", anchorFields}, {"cert_status", certStatusFields}} {
		raw, ok := top[list.key]
		if !ok {
			continue
		}
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Errorf("%s: %w", list.key, err)
		}
		for i, it := range items {
			if err := has(it, fmt.Sprintf("%s[%d].", list.key, i), list.fields); err != nil {
				return err
			}
		}
	}
	if raw, ok := top["consistency"]; ok && string(raw) != "null" {
		var c map[string]json.RawMessage
		if err := json.Unmarshal(raw, &c); err != nil {
			return fmt.Errorf("consistency: %w", err)
		}
		if err := has(c, "consistency.", consistFields); err != nil {
			return err
		}
	}
	if raw, ok := top["witnessed"]; ok && string(raw) != "null" {
		var c map[string]json.RawMessage
		if err := json.Unmarshal(raw, &c); err != nil {
			return fmt.Errorf("witnessed: %w", err)
		}
		if err := has(c, "witnessed.", witnessedFields); err != nil {
			return err
		}
	}
	return nil
}

func has(m map[string]json.RawMessage, prefix string, fields []string) error {
	if m == nil {
		return fmt.Errorf("%s: want an object", strings.TrimSuffix(prefix, "."))
	}
	for _, f := range fields {
		if _, ok := m[f]; !ok {
			return fmt.Errorf("%s%s: required field missing", prefix, f)
		}
	}
	return nil
}
