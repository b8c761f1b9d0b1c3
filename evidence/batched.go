package evidence

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
)

// A batched record (chain.Tx.Batched, the form the log stores for a record
// that came in a batch) carries its batch's envelope, its index, the
// batch's size and its path to the root the envelope signs, so it is
// checked without the batch's other records. Its submitter credential is
// named by fingerprint: the bundle must show the credential's registration
// (a genesis credential of the envelope's organisation, a cert_issued
// record, or a passed register_credentials proposal), and the verifier
// checks the certificate it finds there as the chain does.

// BatchInfo describes a batched record's batch for people: where the record
// is in it, the root its path leads to, and the credential that signed the
// root with where the bundle shows it registered.
type BatchInfo struct {
	Index uint32 `json:"index"` // the record's position in its batch, from 0
	Size  uint32 `json:"size"`
	Root  string `json:"root"` // SM3 Merkle root of the batch's items, lower-case hex
	// Credential is the envelope's submitter credential fingerprint, lower-case hex.
	Credential string `json:"credential"`
	// Registration is where the credential's registration is: "genesis",
	// "cert_issued", "register_credentials" or "register_org"; RegisteredIn
	// is then the log index of the cert_issued record, or of the record
	// that passed the proposal.
	Registration string `json:"registration"`
	RegisteredIn uint64 `json:"registered_in,omitempty"`
}

// Where a batched record's credential is registered (BatchInfo.Registration).
const (
	RegisteredAtGenesis    = "genesis"
	RegisteredByCertIssued = "cert_issued"
	RegisteredByProposal   = "register_credentials"
	// RegisteredWithOrg: one of the credentials of the register_org
	// proposal that registered the organisation.
	RegisteredWithOrg = "register_org"
)

// credentials are the credential registrations a bundle shows besides the
// genesis: its cert_issued records and its passed register_credentials
// proposals, by fingerprint.
type credentials struct {
	issued     map[chain.Fingerprint]*decoded
	governance map[chain.Fingerprint]govReg
	// orgs holds the credentials of the passed register_org proposals.
	orgs *orgSet
}

// recordHash is a record's lookup key: SHA-256 of the leaf's tx for a
// standalone tx, of its item for a batched record (the key the chain
// refuses a replay by, whatever batch the item came in).
func recordHash(d *decoded) chain.Hash {
	if d.tx.Batched != nil {
		return d.tx.ItemHash()
	}
	return chain.TxHash(d.entry.Tx)
}

// checkBatchEnvelope checks a batched record's envelope: the root its path
// leads to, the credential the bundle shows registered to the envelope's
// organisation, issued by its CA with the submitter usage, valid at the
// block time and not revoked earlier in the log, and its signature over
// the root.
func (v *Verifier) checkBatchEnvelope(d *decoded, orgCA *smx509.Certificate, creds *credentials, revoked map[chain.Fingerprint]*decoded) (*BatchInfo, error) {
	tx, en := d.tx, d.entry
	bp := tx.Batched
	bi := &BatchInfo{Index: bp.Index, Size: bp.Size, Credential: bp.Cert.String()}
	root, err := tx.BatchRoot()
	if err != nil {
		return nil, fmt.Errorf("batch.path: %w", err)
	}
	bi.Root = hex.EncodeToString(root)
	der, err := v.credential(tx.Envelope.Org, bp.Cert, en, creds, bi)
	if err != nil {
		return nil, err
	}
	sub, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("batch.cert %s: %w", bp.Cert, err)
	}
	if _, err := signer.VerifyIssued(sub, []*smx509.Certificate{orgCA}, en.Time, signer.UsageSubmitter); err != nil {
		return nil, fmt.Errorf("batch.cert %s of organisation %s: %w", bp.Cert, tx.Envelope.Org, err)
	}
	// Log order, as for actors: a revocation earlier in the same block
	// already stops the credential.
	if rv, ok := revoked[bp.Cert]; ok && rv.entry.Index < en.Index {
		return nil, fmt.Errorf("batch.cert %s was revoked at %s (record %d), before this record", bp.Cert, rv.entry.Time.Format(time.RFC3339Nano), rv.entry.Index)
	}
	if err := signer.Verify(sub.PublicKey, tx.EnvelopeSignBytes(), tx.Envelope.Sig); err != nil {
		// The signature covers the root, the size and the credential; the
		// root comes from the item, the index and the path. Which of them
		// was altered, no signature can tell.
		return nil, fmt.Errorf("batch.sig: credential %s's signature does not verify over root %x, the root that the item, batch.index %d, batch.size %d and batch.path (%d hashes) lead to: one of them, or batch.sig, is not what was signed: %w",
			bp.Cert, root, bp.Index, bp.Size, len(bp.Path), err)
	}
	return bi, nil
}

// credential finds the DER of credential fp as the bundle shows it
// registered to org before the batch of the record at en, and notes where
// in bi.
func (v *Verifier) credential(org string, fp chain.Fingerprint, en *chain.Entry, creds *credentials, bi *BatchInfo) ([]byte, error) {
	at := en.Index
	for _, o := range v.trust.Orgs { // genesis order: one answer whatever the map
		for _, der := range v.trust.Credentials[o.ID] {
			if chain.FingerprintOf(der) != fp {
				continue
			}
			if o.ID != org {
				return nil, fmt.Errorf("batch.cert %s is organisation %q's genesis credential, not %q's", fp, o.ID, org)
			}
			bi.Registration = RegisteredAtGenesis
			return der, nil
		}
	}
	if reg, ok := creds.issued[fp]; ok {
		switch {
		case reg.entry.Height > en.Height || reg.entry.Height == en.Height && reg.entry.TxIndex >= en.TxIndex:
			// The chain resolves a batch's credential before any of its
			// records runs: one registered in the same batch, or later, never
			// signed it.
			return nil, fmt.Errorf("batch.cert %s: registered by record %d, in this record's batch or after it", fp, reg.entry.Index)
		case reg.tx.Envelope.Org != org:
			return nil, fmt.Errorf("batch.cert %s is registered to organisation %q (record %d), not %q", fp, reg.tx.Envelope.Org, reg.entry.Index, org)
		}
		bi.Registration, bi.RegisteredIn = RegisteredByCertIssued, reg.entry.Index
		return reg.tx.Body.(*chain.CertIssued).Cert, nil
	}
	if g, ok := creds.governance[fp]; ok && g.passedAt < at {
		// register_credentials registers them to the organisation whose CA
		// issued them; checkBatchEnvelope checks that CA is org's.
		bi.Registration, bi.RegisteredIn = RegisteredByProposal, g.passedAt
		return g.der, nil
	}
	if g, der := creds.orgs.credential(fp); g != nil && g.passedAt < at {
		if g.org.ID != org {
			return nil, fmt.Errorf("batch.cert %s is registered to organisation %q (register_org passed in record %d), not %q", fp, g.org.ID, g.passedAt, org)
		}
		bi.Registration, bi.RegisteredIn = RegisteredWithOrg, g.passedAt
		return der, nil
	}
	return nil, fmt.Errorf("batch.cert %s: the bundle does not show this credential's registration: it is not a genesis credential of organisation %q, and no cert_issued record or passed register_credentials or register_org proposal in the bundle registers it before this record", fp, org)
}

// govCred is a credential a passed register_credentials proposal
// registered, for the replay to register at the record that passed it.
type govCred struct {
	fp  chain.Fingerprint
	der []byte
	org string
}

// governanceCredentials arranges the passed register_credentials
// proposals' credentials by the log index that passed them, each with the
// organisation registered then whose CA issued it (the chain registers
// them to that organisation: a genesis one, or one a register_org proposal
// in the bundle registered earlier); a credential no such CA issued is
// left out.
func (v *Verifier) governanceCredentials(gov map[chain.Fingerprint]govReg, orgs *orgSet) map[uint64][]govCred {
	out := map[uint64][]govCred{}
	for fp, g := range gov {
		c, err := smx509.ParseCertificate(g.der)
		if err != nil {
			continue
		}
		if org, _ := orgs.issuer(c, g.passedAt); org != "" {
			out[g.passedAt] = append(out[g.passedAt], govCred{fp: fp, der: g.der, org: org})
		}
	}
	return out
}

// RegisteredWhere says in English where the credential's registration is.
func (b *BatchInfo) RegisteredWhere() string {
	switch b.Registration {
	case RegisteredAtGenesis:
		return "a genesis credential"
	case RegisteredByCertIssued:
		return fmt.Sprintf("registered by cert_issued record %d", b.RegisteredIn)
	case RegisteredByProposal:
		return fmt.Sprintf("registered by the register_credentials proposal passed in record %d", b.RegisteredIn)
	case RegisteredWithOrg:
		return fmt.Sprintf("registered with its organisation by the register_org proposal passed in record %d", b.RegisteredIn)
	}
	return b.Registration
}
