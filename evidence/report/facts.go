package report

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/checkpoint"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
)

// FactsFormat and FactsVersion identify the facts.json attachment.
const (
	FactsFormat  = "sealchain-evidence-report-facts"
	FactsVersion = 1
)

// Contract status values in [ContractFacts].
const (
	StatusCompleted = "completed"
	StatusOpen      = "open"
)

// Facts are the facts a report prints, in machine-readable form. They are a
// pure function of the bundle's bytes ([FactsOf]) and are embedded in the
// report as facts.json, so a verifier can recompute and compare them.
// Display names (Options.PartyNames) are not facts: they come from the
// platform, off chain.
type Facts struct {
	Format     string           `json:"format"`
	Version    int              `json:"version"`
	ChainID    string           `json:"chain_id"`
	BundleSM3  string           `json:"bundle_sm3"` // hex SM3 of bundle.json as embedded
	Subject    evidence.Subject `json:"subject"`
	Contracts  []ContractFacts  `json:"contracts"`
	Parties    []PartyFacts     `json:"parties"`
	Timeline   []RowFacts       `json:"timeline"`
	Checkpoint CheckpointFacts  `json:"checkpoint"`
	Validators []ValidatorFacts `json:"validators"`
}

// ContractFacts is one contract named in the bundle.
type ContractFacts struct {
	ID        string   `json:"id"`
	DocSM3    string   `json:"doc_sm3"`
	DocSHA256 string   `json:"doc_sha256"`
	Order     string   `json:"order"`
	Parties   []string `json:"parties"` // certificate fingerprints
	Status    string   `json:"status"`  // StatusCompleted or StatusOpen
	// CompletedIndex is the log index of the contract_completed record.
	CompletedIndex *uint64 `json:"completed_index,omitempty"`
}

// PartyFacts is a contract party or record actor, by certificate.
type PartyFacts struct {
	Fingerprint string    `json:"fingerprint"`
	InBundle    bool      `json:"in_bundle"` // its cert_issued record is in the bundle
	Subject     string    `json:"subject,omitempty"`
	Serial      string    `json:"serial,omitempty"`
	Issuer      string    `json:"issuer,omitempty"`
	NotBefore   time.Time `json:"not_before,omitzero"`
	NotAfter    time.Time `json:"not_after,omitzero"`
	IdentityRef string    `json:"identity_ref,omitempty"`
	// IdentityMethod is set when the bundle holds the identity_verified
	// record the certificate's IdentityRef commits to.
	IdentityMethod  string `json:"identity_method,omitempty"`
	IdentitySubject string `json:"identity_subject,omitempty"`
}

// RowFacts is one record of the timeline.
type RowFacts struct {
	LogIndex   uint64    `json:"log_index"`
	Type       string    `json:"type"`
	Height     int64     `json:"height"`
	Time       time.Time `json:"time"`
	TxHash     string    `json:"tx_hash"`
	Org        string    `json:"org"`
	ContractID string    `json:"contract_id,omitempty"`
	Actor      string    `json:"actor,omitempty"`
	Intent     string    `json:"intent,omitempty"`
	// Batch is set for a record that came in a batch.
	Batch *evidence.BatchView `json:"batch,omitempty"`
}

// CheckpointFacts is the checkpoint every inclusion proof leads to.
type CheckpointFacts struct {
	Height       int64     `json:"height"`
	HeaderHeight int64     `json:"header_height"`
	HeaderTime   time.Time `json:"header_time"`
	AppHash      string    `json:"app_hash"`
	LogSize      uint64    `json:"log_size"`
	LogRoot      string    `json:"log_root"`
	StateRoot    string    `json:"state_root"`
}

// ValidatorFacts is one validator of the set that signed the checkpoint.
type ValidatorFacts struct {
	Address string `json:"address"`
	Power   int64  `json:"power"`
}

// FactsOf computes the facts of bundle b whose JSON encoding is raw (the
// bytes embedded as bundle.json). It decodes but does not verify: call
// [evidence.Verifier.Verify] for that.
func FactsOf(b *evidence.Bundle, raw []byte) (*Facts, error) {
	sum := sm3.Sum(raw)
	f := &Facts{
		Format: FactsFormat, Version: FactsVersion, ChainID: b.ChainID,
		BundleSM3: hex.EncodeToString(sum[:]), Subject: b.Subject,
		Contracts: []ContractFacts{}, Parties: []PartyFacts{}, Timeline: []RowFacts{}, Validators: []ValidatorFacts{},
	}
	type rec struct {
		v  *evidence.RecordView
		tx *chain.Tx
	}
	var recs []rec
	for i, r := range b.Records {
		v, tx, err := evidence.Describe(r.Leaf)
		if err != nil {
			return nil, fmt.Errorf("facts: records[%d]: %w", i, err)
		}
		recs = append(recs, rec{v, tx})
	}
	slices.SortFunc(recs, func(a, b rec) int { return cmpU64(a.v.Index, b.v.Index) })

	certs := map[string]*chain.CertIssued{}
	idents := map[string]*chain.IdentityVerified{}
	var partyOrder []string
	addParty := func(fp string) {
		if fp != "" && !slices.Contains(partyOrder, fp) {
			partyOrder = append(partyOrder, fp)
		}
	}
	for _, r := range recs {
		row := RowFacts{
			LogIndex: r.v.Index, Type: r.v.Type, Height: r.v.Height, Time: r.v.Time.UTC(),
			TxHash: r.v.TxHash, Org: r.v.Org, ContractID: r.v.ContractID, Actor: r.v.Actor, Batch: r.v.Batch,
		}
		switch body := r.tx.Body.(type) {
		case *chain.CertIssued:
			certs[chain.FingerprintOf(body.Cert).String()] = body
		case *chain.IdentityVerified:
			idents[string(body.IdentityRef)] = body
		case *chain.IntentVerified:
			row.Intent = body.Method.String()
		case *chain.ContractCreated:
			c := ContractFacts{
				ID: body.Contract, DocSM3: hex.EncodeToString(body.DocSM3), DocSHA256: hex.EncodeToString(body.DocSHA256),
				Order: body.Order.String(), Parties: []string{}, Status: StatusOpen,
			}
			for _, p := range body.Parties {
				c.Parties = append(c.Parties, p.String())
				addParty(p.String())
			}
			f.Contracts = append(f.Contracts, c)
		case *chain.ContractCompleted:
			for i := range f.Contracts {
				if f.Contracts[i].ID == body.Contract {
					idx := r.v.Index
					f.Contracts[i].Status, f.Contracts[i].CompletedIndex = StatusCompleted, &idx
				}
			}
		}
		addParty(r.v.Actor)
		f.Timeline = append(f.Timeline, row)
	}
	for _, fp := range partyOrder {
		p := PartyFacts{Fingerprint: fp}
		if ci := certs[fp]; ci != nil {
			p.InBundle = true
			if c, err := signer.ParseCertificate(ci.Cert); err == nil {
				p.Subject, p.Issuer = c.Subject.String(), c.Issuer.String()
				p.Serial = strings.ToUpper(c.SerialNumber.Text(16))
				p.NotBefore, p.NotAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
			}
			if len(ci.IdentityRef) > 0 {
				p.IdentityRef = hex.EncodeToString(ci.IdentityRef)
				if iv := idents[string(ci.IdentityRef)]; iv != nil {
					p.IdentityMethod = iv.Method.String()
					p.IdentitySubject = "person"
					if iv.Subject == chain.SubjectEnterprise {
						p.IdentitySubject = "enterprise"
					}
				}
			}
		}
		f.Parties = append(f.Parties, p)
	}

	cp := b.Checkpoint
	f.Checkpoint = CheckpointFacts{
		Height: cp.Height, LogSize: cp.LogSize,
		LogRoot: hex.EncodeToString(cp.LogRoot), StateRoot: hex.EncodeToString(cp.StateRoot),
	}
	var psh cmtproto.SignedHeader
	if err := psh.Unmarshal(cp.SignedHeader); err != nil || psh.Header == nil {
		return nil, fmt.Errorf("facts: checkpoint signed header: %v", err)
	}
	f.Checkpoint.HeaderHeight = psh.Header.Height
	f.Checkpoint.HeaderTime = psh.Header.Time.UTC()
	f.Checkpoint.AppHash = strings.ToUpper(hex.EncodeToString(psh.Header.AppHash))
	var pvs cmtproto.ValidatorSet
	if err := pvs.Unmarshal(cp.ValidatorSet); err != nil {
		return nil, fmt.Errorf("facts: checkpoint validator set: %w", err)
	}
	vals, err := checkpoint.ValidatorSetFromProto(&pvs) // not types.: a keyless validator panics it
	if err != nil {
		return nil, fmt.Errorf("facts: checkpoint validator set: %w", err)
	}
	for _, v := range vals.Validators {
		f.Validators = append(f.Validators, ValidatorFacts{Address: v.Address.String(), Power: v.VotingPower})
	}
	return f, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
