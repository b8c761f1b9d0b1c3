package chain

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/emmansun/gmsm/smx509"
)

// GenesisOrg is one organisation in the genesis app state.
type GenesisOrg struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Weight uint64 `json:"weight"`
	// CACert is the org CA certificate in PEM.
	CACert string `json:"ca_cert"`
	// Credentials are the org's initial API credentials in PEM: certificates
	// with the submitter usage issued by CACert, which sign transaction
	// envelopes and API requests. InitChain registers them as certificates
	// (as cert_issued would, revocable by cert_revoked); the chain refuses
	// envelopes, and nodes refuse signed requests, from any credential that
	// is not registered. Later credentials are registered by cert_issued
	// from an already registered one.
	Credentials []string `json:"credentials,omitempty"`
}

// CredentialDERs returns the DER of the org's genesis credentials.
func (g GenesisOrg) CredentialDERs() ([][]byte, error) {
	out := make([][]byte, 0, len(g.Credentials))
	for i, c := range g.Credentials {
		der, err := onePEMCertificate(c)
		if err != nil {
			return nil, fmt.Errorf("credentials[%d] of organisation %q: %w", i, g.ID, err)
		}
		out = append(out, der)
	}
	return out, nil
}

// onePEMCertificate decodes s, which must be exactly one PEM CERTIFICATE
// block, without headers, with nothing but whitespace around it. pem.Decode
// alone skips text before a block and leaves what follows it: a second
// certificate pasted into one entry would be silently dropped, and a genesis
// file (which every validator and offline verifier reads) must not carry
// bytes that mean nothing.
func onePEMCertificate(s string) ([]byte, error) {
	in := bytes.TrimLeft([]byte(s), " \t\r\n")
	if !bytes.HasPrefix(in, []byte("-----BEGIN ")) {
		return nil, errors.New("not a PEM certificate: text before the PEM block, or none")
	}
	blk, rest := pem.Decode(in)
	switch {
	case blk == nil || blk.Type != "CERTIFICATE":
		return nil, errors.New("not a PEM certificate")
	case len(blk.Headers) > 0:
		return nil, errors.New("PEM headers are not allowed in a certificate")
	case len(bytes.TrimSpace(rest)) > 0:
		return nil, fmt.Errorf("%d bytes after the PEM certificate: one certificate per entry, nothing else", len(bytes.TrimSpace(rest)))
	}
	return blk.Bytes, nil
}

// GenesisState is the app_state of the genesis file.
type GenesisState struct {
	// Production marks a chain whose genesis forbids development-only
	// providers (the dev OTP verifier, for one).
	Production bool `json:"production"`
	// RequireIdentity makes every signer certificate carry an identity
	// commitment with an identity-verified record on chain.
	RequireIdentity bool         `json:"require_identity,omitempty"`
	Orgs            []GenesisOrg `json:"orgs"`
	// Verifiers are the intent verifiers (OTP or face providers) registered
	// at genesis; later ones are registered by governance.
	Verifiers []GenesisVerifier `json:"verifiers,omitempty"`
	// Anchoring names the organisation whose node writes checkpoints to a
	// Fabric channel and the channel's coordinates; absent, anchored records
	// are refused (docs/anchoring.md).
	Anchoring *GenesisAnchoring `json:"anchoring,omitempty"`
	// RulesVersion is the rules version in force from the initial height;
	// omitted (0) means InitialRulesVersion, which writes no upgrade state,
	// so a genesis without it gives the app hashes it always gave. The node
	// must support it (InitChain refuses one its binary lacks).
	RulesVersion uint32 `json:"rules_version,omitempty"`
}

// GenesisAnchoring is the chain-wide anchoring setting. It is in genesis, not
// in each node's config, because the app checks anchored records against it
// and every validator must check the same thing.
type GenesisAnchoring struct {
	Org       string `json:"org"`
	Network   string `json:"network"`
	Channel   string `json:"channel"`
	Chaincode string `json:"chaincode"`
}

// GenesisVerifier is an intent verifier's certificate (PEM) and the org that
// runs it.
type GenesisVerifier struct {
	Org  string `json:"org"`
	Cert string `json:"cert"`
}

// VerifierDER returns the DER of a genesis verifier certificate.
func (g GenesisVerifier) VerifierDER() ([]byte, error) {
	return onePEMCertificate(g.Cert)
}

// ParseGenesisState decodes and checks app_state: known fields only, at least
// one org, distinct ids, each CA certificate a self-signed CA certificate
// with a subject name and a key no other org's CA has (a certificate names
// its issuer by subject: two CAs with one subject would make it ambiguous
// which org a credential belongs to).
func ParseGenesisState(raw []byte) (*GenesisState, []*Org, error) {
	var gs GenesisState
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&gs); err != nil {
		return nil, nil, fmt.Errorf("genesis app_state: %w", err)
	}
	if len(gs.Orgs) == 0 {
		return nil, nil, fmt.Errorf("genesis app_state.orgs: at least one organisation is required")
	}
	seen := map[string]bool{}
	seenCred := map[Fingerprint]bool{}
	caSubject := map[string]int{} // RawSubject → org index
	caKey := map[string]int{}     // RawSubjectPublicKeyInfo → org index
	orgs := make([]*Org, 0, len(gs.Orgs))
	for i, g := range gs.Orgs {
		field := fmt.Sprintf("genesis app_state.orgs[%d]", i)
		der, err := onePEMCertificate(g.CACert)
		if err != nil {
			return nil, nil, fmt.Errorf("%s.ca_cert of organisation %q: %w", field, g.ID, err)
		}
		cert, err := smx509.ParseCertificate(der)
		if err != nil {
			return nil, nil, fmt.Errorf("%s.ca_cert: %w", field, err)
		}
		if j, dup := caSubject[string(cert.RawSubject)]; dup {
			return nil, nil, fmt.Errorf("%s.ca_cert: subject %q is already the CA subject of orgs[%d] (%q): each organisation's CA needs its own subject name", field, cert.Subject, j, gs.Orgs[j].ID)
		}
		if j, dup := caKey[string(cert.RawSubjectPublicKeyInfo)]; dup {
			return nil, nil, fmt.Errorf("%s.ca_cert: public key is already the CA key of orgs[%d] (%q): each organisation's CA needs its own key", field, j, gs.Orgs[j].ID)
		}
		caSubject[string(cert.RawSubject)], caKey[string(cert.RawSubjectPublicKeyInfo)] = i, i
		if !cert.IsCA {
			return nil, nil, fmt.Errorf("%s.ca_cert: not a CA certificate", field)
		}
		if err := cert.CheckSignatureFrom(cert); err != nil {
			return nil, nil, fmt.Errorf("%s.ca_cert: not self-signed: %w", field, err)
		}
		o := &Org{ID: g.ID, Name: g.Name, Role: Role(g.Role), CACert: cert.Raw, Weight: g.Weight}
		if err := o.Validate(); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", field, err)
		}
		if since := o.Role.Since(); max(gs.RulesVersion, InitialRulesVersion) < since {
			return nil, nil, fmt.Errorf("%s.role: %q needs rules_version %d or later, this genesis has %d", field, o.Role, since, max(gs.RulesVersion, InitialRulesVersion))
		}
		if seen[o.ID] {
			return nil, nil, fmt.Errorf("%s.id: duplicate %q", field, o.ID)
		}
		seen[o.ID] = true
		orgs = append(orgs, o)
		ders, err := g.CredentialDERs()
		if err != nil {
			return nil, nil, fmt.Errorf("%s.%w", field, err)
		}
		for j, der := range ders {
			cf := fmt.Sprintf("%s.credentials[%d]", field, j)
			c, err := smx509.ParseCertificate(der)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", cf, err)
			}
			if c.IsCA {
				return nil, nil, fmt.Errorf("%s: a CA certificate is not a credential", cf)
			}
			if string(c.RawIssuer) != string(cert.RawSubject) || c.CheckSignatureFrom(cert) != nil {
				return nil, nil, fmt.Errorf("%s: not issued by the organisation's ca_cert", cf)
			}
			fp := FingerprintOf(der)
			if seenCred[fp] {
				return nil, nil, fmt.Errorf("%s: duplicate certificate %s", cf, fp)
			}
			seenCred[fp] = true
		}
	}
	for i, v := range gs.Verifiers {
		field := fmt.Sprintf("genesis app_state.verifiers[%d]", i)
		if !seen[v.Org] {
			return nil, nil, fmt.Errorf("%s.org: %q is not a genesis organisation", field, v.Org)
		}
		der, err := v.VerifierDER()
		if err != nil {
			return nil, nil, fmt.Errorf("%s.cert: %w", field, err)
		}
		if _, err := smx509.ParseCertificate(der); err != nil {
			return nil, nil, fmt.Errorf("%s.cert: %w", field, err)
		}
	}
	if a := gs.Anchoring; a != nil {
		if !seen[a.Org] {
			return nil, nil, fmt.Errorf("genesis app_state.anchoring.org: %q is not a genesis organisation", a.Org)
		}
		for _, f := range []struct{ name, v string }{{"network", a.Network}, {"channel", a.Channel}, {"chaincode", a.Chaincode}} {
			if f.v == "" || len(f.v) > maxFabricNameBytes {
				return nil, nil, fmt.Errorf("genesis app_state.anchoring.%s: want 1..%d bytes", f.name, maxFabricNameBytes)
			}
		}
	}
	return &gs, orgs, nil
}
