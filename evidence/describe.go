package evidence

import (
	"encoding/hex"
	"time"

	"github.com/sealchain/sealchain/chain"
)

// RecordView is a record in JSON for people and API clients: the chain's
// facts, the envelope, the actor and the body's fields with hashes in hex.
type RecordView struct {
	Index      uint64         `json:"index"`
	Height     int64          `json:"height"`
	Time       time.Time      `json:"time"`
	TxIndex    uint32         `json:"tx_index"`
	TxHash     string         `json:"tx_hash"`
	Type       string         `json:"type"`
	Org        string         `json:"org"`
	Actor      string         `json:"actor,omitempty"`
	ContractID string         `json:"contract_id,omitempty"`
	Body       map[string]any `json:"body"`
}

// Describe decodes a leaf into a RecordView.
func Describe(leaf []byte) (*RecordView, *chain.Tx, error) {
	en, err := chain.DecodeEntry(leaf)
	if err != nil {
		return nil, nil, err
	}
	tx, err := chain.DecodeTx(en.Tx)
	if err != nil {
		return nil, nil, err
	}
	v := &RecordView{
		Index: en.Index, Height: en.Height, Time: en.Time, TxIndex: en.TxIndex,
		TxHash: chain.TxHash(en.Tx).String(), Type: tx.Body.Type().String(),
		Org: tx.Envelope.Org, ContractID: tx.Body.ContractID(), Body: BodyFields(tx.Body),
	}
	if tx.Actor != nil {
		v.Actor = tx.Actor.Cert.String()
	}
	return v, tx, nil
}

// BodyFields renders a body's fields with documented names.
func BodyFields(b chain.Body) map[string]any {
	hx := func(p []byte) string { return hex.EncodeToString(p) }
	switch b := b.(type) {
	case *chain.CertIssued:
		m := map[string]any{"cert_fingerprint": chain.FingerprintOf(b.Cert).String(), "cert_der": b.Cert}
		if len(b.IdentityRef) > 0 {
			m["identity_ref"] = hx(b.IdentityRef)
		}
		return m
	case *chain.CertRevoked:
		return map[string]any{"cert": b.Cert.String(), "reason": uint32(b.Reason)}
	case *chain.ContractCreated:
		parties := make([]string, len(b.Parties))
		for i, p := range b.Parties {
			parties[i] = p.String()
		}
		return map[string]any{"contract_id": b.Contract, "doc_sm3": hx(b.DocSM3), "doc_sha256": hx(b.DocSHA256),
			"parties": parties, "order": b.Order.String(), "deadline": b.Deadline}
	case *chain.IntentVerified:
		return map[string]any{"contract_id": b.Contract, "signer": b.Signer.String(), "method": b.Method.String(),
			"challenge_hash": hx(b.ChallengeHash), "verified_at_ms": b.VerifiedAt,
			"verifier_cert_fingerprint": chain.FingerprintOf(b.VerifierCert).String()}
	case *chain.ContractSigned:
		m := map[string]any{"contract_id": b.Contract, "doc_sm3": hx(b.DocSM3)}
		if len(b.SignedDocSM3) > 0 {
			m["signed_doc_sm3"] = hx(b.SignedDocSM3)
		}
		if len(b.Seal) > 0 {
			m["seal"] = hx(b.Seal)
		}
		return m
	case *chain.ContractCompleted:
		return map[string]any{"contract_id": b.Contract}
	case *chain.ContractSent:
		return map[string]any{"contract_id": b.Contract}
	case *chain.ContractViewed:
		return map[string]any{"contract_id": b.Contract, "party": b.Party.String()}
	case *chain.ContractDeclined:
		return map[string]any{"contract_id": b.Contract, "reason_sm3": hx(b.ReasonSM3)}
	case *chain.ContractVoided:
		return map[string]any{"contract_id": b.Contract, "reason_sm3": hx(b.ReasonSM3)}
	case *chain.ContractReminded:
		return map[string]any{"contract_id": b.Contract, "party": b.Party.String()}
	case *chain.ContractRenewed:
		return map[string]any{"contract_id": b.Contract, "previous": b.Previous}
	case *chain.ContractExpired:
		return map[string]any{"contract_id": b.Contract}
	case *chain.Proposal:
		m := map[string]any{"proposal_id": b.ID, "kind": b.Kind.String()}
		if b.Expires != 0 {
			m["expires"] = b.Expires
		}
		switch {
		case b.Org != nil:
			m["org"] = map[string]any{"id": b.Org.ID, "name": b.Org.Name, "role": b.Org.Role, "weight": b.Org.Weight,
				"ca_cert_fingerprint": chain.FingerprintOf(b.Org.CACert).String()}
		case b.Validator != nil:
			m["validator"] = map[string]any{"pub_key": b.Validator.PubKey, "power": b.Validator.Power, "org": b.Validator.Org}
		case len(b.VerifierCert) > 0:
			m["verifier_cert_fingerprint"] = chain.FingerprintOf(b.VerifierCert).String()
		case b.Upgrade != nil:
			m["upgrade"] = map[string]any{"rules_version": b.Upgrade.Version, "height": b.Upgrade.Height, "name": b.Upgrade.Name, "info": b.Upgrade.Info}
		}
		if len(b.Credentials) > 0 {
			fps := make([]string, len(b.Credentials))
			for i, c := range b.Credentials {
				fps[i] = chain.FingerprintOf(c).String()
			}
			m["credential_fingerprints"] = fps
		}
		return m
	case *chain.ReportIssued:
		return map[string]any{"contract_id": b.Contract, "report_sm3": hx(b.ReportSM3), "bundle_sm3": hx(b.BundleSM3)}
	case *chain.Anchored:
		return map[string]any{"chain_id": b.ChainID, "height": b.Height, "app_hash": hx(b.AppHash), "log_size": b.LogSize,
			"log_root": hx(b.LogRoot), "network": b.Network, "channel": b.Channel, "chaincode": b.Chaincode,
			"fabric_tx_id": b.TxID, "fabric_block": b.Block, "anchored_at": time.Unix(0, b.AnchoredAt).UTC()}
	case *chain.QueryLogged:
		return map[string]any{"caller_org": b.CallerOrg, "caller_cert": b.CallerCert.String(), "subject": uint32(b.Subject),
			"query_sm3": hx(b.QuerySM3), "at_ms": b.At}
	case *chain.SealRegistered:
		m := map[string]any{"seal": hx(b.Seal), "kind": map[chain.SealKind]string{chain.SealOrganization: "organisation", chain.SealPersonal: "personal"}[b.Kind],
			"valid_from": b.ValidFrom, "valid_to": b.ValidTo}
		if !b.Owner.IsZero() {
			m["owner"] = b.Owner.String()
		}
		return m
	case *chain.IdentityVerified:
		subject := "person"
		if b.Subject == chain.SubjectEnterprise {
			subject = "enterprise"
		}
		return map[string]any{"identity_ref": hx(b.IdentityRef), "subject": subject, "method": b.Method.String(),
			"verified_at_ms": b.VerifiedAt, "verifier_cert_fingerprint": chain.FingerprintOf(b.VerifierCert).String()}
	case *chain.Vote:
		choice := "yes"
		if b.Choice == chain.VoteNo {
			choice = "no"
		}
		return map[string]any{"proposal_id": b.Proposal, "choice": choice}
	}
	return map[string]any{}
}
