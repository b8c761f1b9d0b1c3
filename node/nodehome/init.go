package nodehome

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cometbft/cometbft/crypto"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/comet"
	"github.com/sealchain/sealchain/signer"
)

// InitOptions describe a new node home.
type InitOptions struct {
	Home    string
	ChainID string
	OrgID   string
	OrgName string
	Role    chain.Role
	// Config is the base configuration; Org and Moniker are filled in.
	Config config.Config
	// Alg is the algorithm of the org's keys (default SM2).
	Alg signer.Algorithm
	// Production marks the genesis as production (dev-only providers refused).
	Production bool
	// Anchoring, when set, is the genesis app_state.anchoring (Init only;
	// its org must be OrgID, the genesis's one organisation).
	Anchoring *chain.GenesisAnchoring
	// Force replaces an existing home's config, keys and data.
	Force bool
	// TLSHosts, when set, are the DNS names and IP addresses of a TLS server
	// certificate for the API, issued by the org CA (keys/tls.crt,
	// keys/tls.key); the config then serves HTTPS.
	TLSHosts []string
	// Now is the time certificates start from (default time.Now).
	Now  time.Time
	Rand io.Reader
}

// Member is what one organisation contributes to a genesis.
type Member struct {
	Org       chain.GenesisOrg
	Validator crypto.PubKey
	NodeID    string
	// Power is the validator's voting power; 0 puts the org in the genesis
	// without a validator (a testnet observer's full node).
	Power int64
	// Verifier is the development OTP verifier's certificate (PEM), if any:
	// genesis registers it.
	Verifier string
}

// ErrExists means the home already holds a node and Force was not set.
var ErrExists = errors.New("home already initialised (use --force to replace it and its data)")

// InitHome creates a node home without a genesis: config, CometBFT keys, the
// org CA, the submitter credential and (when dev OTP is on) an intent
// verifier key. It returns the organisation's genesis entry.
func InitHome(opts InitOptions) (*Member, error) {
	if opts.Alg == 0 {
		opts.Alg = signer.AlgSM2
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if err := chain.ValidateID("chain id", opts.ChainID); err != nil {
		return nil, err
	}
	if err := chain.ValidateID("org", opts.OrgID); err != nil {
		return nil, err
	}
	if _, err := chain.ParseRole(string(opts.Role)); err != nil {
		return nil, err
	}
	h := Home(opts.Home)
	if _, err := os.Stat(config.Path(opts.Home)); err == nil {
		if !opts.Force {
			return nil, fmt.Errorf("%s: %w", opts.Home, ErrExists)
		}
		for _, d := range []string{h.Keys(), h.Path("data"), h.Path("config")} {
			if err := os.RemoveAll(d); err != nil {
				return nil, fmt.Errorf("force: %w", err)
			}
		}
	}
	cfg := opts.Config
	cfg.Org = opts.OrgID
	if cfg.Moniker == "" || cfg.Moniker == config.Default().Moniker {
		cfg.Moniker = opts.OrgID
	}
	if len(opts.TLSHosts) > 0 {
		cfg.API.TLSCertFile, cfg.API.TLSKeyFile = TLSCertPath, TLSKeyPath
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(h.Keys(), 0o700); err != nil {
		return nil, err
	}
	if err := cfg.Save(opts.Home); err != nil {
		return nil, err
	}
	valPub, nodeID, err := comet.InitFiles(comet.OptionsFromConfig(opts.Home, &cfg), opts.Force)
	if err != nil {
		return nil, err
	}

	notBefore := opts.Now.Add(-time.Hour).UTC().Truncate(time.Second)
	caKey, err := signer.GenerateKey(opts.Alg, opts.Rand)
	if err != nil {
		return nil, err
	}
	ca, err := signer.NewCA(caKey, signer.CAOptions{
		OrgID: opts.OrgID, OrgName: opts.OrgName, Role: string(opts.Role),
		NotBefore: notBefore, NotAfter: notBefore.AddDate(10, 0, 0),
	}, opts.Rand)
	if err != nil {
		return nil, fmt.Errorf("create org CA: %w", err)
	}
	if err := signer.SavePrivateKey(h.CAKey(), caKey); err != nil {
		return nil, err
	}
	if err := os.WriteFile(h.CACert(), signer.EncodeCertificatePEM(ca.Cert.Raw), 0o644); err != nil {
		return nil, err
	}
	issue := func(keyPath, certPath string, usage signer.Usage, ref string) error {
		k, err := signer.GenerateKey(opts.Alg, opts.Rand)
		if err != nil {
			return err
		}
		der, err := ca.Issue(k.Public(), signer.IssueOptions{
			SubjectRef: ref, Usage: usage, NotBefore: notBefore, NotAfter: notBefore.AddDate(2, 0, 0),
		}, opts.Rand)
		if err != nil {
			return fmt.Errorf("issue %s certificate: %w", usage, err)
		}
		if err := signer.SavePrivateKey(keyPath, k); err != nil {
			return err
		}
		return os.WriteFile(certPath, signer.EncodeCertificatePEM(der), 0o644)
	}
	if err := issue(h.SubmitterKey(), h.SubmitterCert(), signer.UsageSubmitter, opts.OrgID+"-submitter"); err != nil {
		return nil, err
	}
	// The submitter credential signs this node's envelopes and API requests;
	// genesis registers it, or the chain would refuse both.
	credential, err := os.ReadFile(h.SubmitterCert())
	if err != nil {
		return nil, err
	}
	if len(opts.TLSHosts) > 0 {
		if err := IssueTLSFiles(ca, h.Resolve(TLSCertPath), h.Resolve(TLSKeyPath), signer.TLSOptions{
			SubjectRef: opts.OrgID + "-api", Role: signer.TLSServer,
			NotBefore: notBefore, NotAfter: notBefore.AddDate(1, 0, 0),
		}, opts.TLSHosts, opts.Rand); err != nil {
			return nil, err
		}
	}
	var verifier string
	if cfg.Intent.DevOTP {
		if err := issue(h.VerifierKey(), h.VerifierCert(), signer.UsageIntentVerifier, opts.OrgID+"-dev-otp"); err != nil {
			return nil, err
		}
		pemBytes, err := os.ReadFile(h.VerifierCert())
		if err != nil {
			return nil, err
		}
		verifier = string(pemBytes)
	}
	return &Member{
		Verifier: verifier,
		Org: chain.GenesisOrg{
			ID: opts.OrgID, Name: opts.OrgName, Role: string(opts.Role), Weight: 1,
			CACert:      string(signer.EncodeCertificatePEM(ca.Cert.Raw)),
			Credentials: []string{string(credential)},
		},
		Validator: valPub, NodeID: nodeID, Power: 10,
	}, nil
}

// WriteNetworkGenesis writes one genesis naming every member to each home.
func WriteNetworkGenesis(homes []string, chainID string, genesisTime time.Time, production bool, members []*Member) error {
	return writeNetworkGenesis(homes, chainID, genesisTime, production, members, nil)
}

// writeNetworkGenesis is WriteNetworkGenesis with an optional anchoring
// section; chain.ParseGenesisState checks it against the members.
func writeNetworkGenesis(homes []string, chainID string, genesisTime time.Time, production bool, members []*Member, anchoring *chain.GenesisAnchoring) error {
	// A new chain starts under the newest rules, batches and institution
	// cases included, rather than upgrading to them later by governance.
	gs := chain.GenesisState{Production: production, Anchoring: anchoring, RulesVersion: chain.LatestRulesVersion}
	vals := make([]comet.GenesisValidator, 0, len(members))
	for _, m := range members {
		gs.Orgs = append(gs.Orgs, m.Org)
		if m.Verifier != "" {
			gs.Verifiers = append(gs.Verifiers, chain.GenesisVerifier{Org: m.Org.ID, Cert: m.Verifier})
		}
		if m.Power == 0 {
			continue // an observer: in the genesis orgs, running a full node
		}
		vals = append(vals, comet.GenesisValidator{Name: m.Org.ID, PubKey: m.Validator, Power: m.Power})
	}
	appState, err := json.MarshalIndent(gs, "", "  ")
	if err != nil {
		return err
	}
	if _, _, err := chain.ParseGenesisState(appState); err != nil {
		return err
	}
	for _, h := range homes {
		if err := comet.WriteGenesis(h, chainID, genesisTime, vals, appState); err != nil {
			return err
		}
	}
	return nil
}

// Init creates a single-node network: one home, one organisation, one validator.
func Init(opts InitOptions) (*Member, error) {
	// Checked before InitHome so a bad section leaves no half-written home.
	if err := checkAnchoring(opts.Anchoring, []string{opts.OrgID}); err != nil {
		return nil, err
	}
	m, err := InitHome(opts)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if err := writeNetworkGenesis([]string{opts.Home}, opts.ChainID, now.UTC(), opts.Production, []*Member{m}, opts.Anchoring); err != nil {
		return nil, err
	}
	return m, nil
}

// checkAnchoring checks a genesis anchoring section before any home is
// written: its org must be one of orgs and its Fabric names non-empty.
// chain.ParseGenesisState checks the written genesis again.
func checkAnchoring(a *chain.GenesisAnchoring, orgs []string) error {
	if a == nil {
		return nil
	}
	if !slices.Contains(orgs, a.Org) {
		return fmt.Errorf("genesis app_state.anchoring.org: %q is not a genesis organisation (have %s)", a.Org, strings.Join(orgs, ", "))
	}
	for _, f := range []struct{ name, v string }{{"network", a.Network}, {"channel", a.Channel}, {"chaincode", a.Chaincode}} {
		if f.v == "" {
			return fmt.Errorf("genesis app_state.anchoring.%s: empty", f.name)
		}
	}
	return nil
}
