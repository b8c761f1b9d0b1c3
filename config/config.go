package config

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// FileName is the Sealchain config file, under <home>/config.
const FileName = "sealchain.toml"

// Config is a node's configuration. Every key is documented in the file
// Encode writes; docs/configuration.md repeats the reference.
type Config struct {
	// Moniker names the node in peers' logs.
	Moniker string `toml:"moniker"`
	// Org is the id of the organisation that runs this node (as in genesis).
	Org string `toml:"org"`

	API       API       `toml:"api"`
	Consensus Consensus `toml:"consensus"`
	Limits    Limits    `toml:"limits"`
	Intent    Intent    `toml:"intent"`
	Log       Log       `toml:"log"`
	StateSync StateSync `toml:"statesync"`
	Anchor    Anchor    `toml:"anchor"`
	Workflow  Workflow  `toml:"workflow"`
	Submit    Submit    `toml:"submit"`
	// Institution: the other organisations' nodes, for institution cases.
	Institution Institution `toml:"institution"`
	PKI         PKI         `toml:"pki"`
	// Witness: C2SP checkpoints and witness cosignatures (witness.go).
	Witness Witness `toml:"witness"`
}

// API is the HTTP JSON API.
type API struct {
	// Listen is host:port. Keep it on 127.0.0.1 unless a TLS proxy fronts it.
	Listen string `toml:"listen"`
	// WaitTimeout bounds ?wait=commit and evidence requests.
	WaitTimeout Duration `toml:"wait_timeout"`
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64 `toml:"max_body_bytes"`
	// Auth is "open" (anyone may query; development), "signed", "mtls" or
	// "signed,mtls" (either is accepted): the evidence, record, contract,
	// certificate and report endpoints require a caller authenticated by a
	// certificate issued by a registered organisation's CA, through a signed
	// request or a TLS client certificate, and platforms see only their own
	// contracts. "mtls" needs TLSCertFile and TLSKeyFile.
	Auth string `toml:"auth"`
	// TLSCertFile and TLSKeyFile are the node's TLS server certificate (an
	// ECDSA P-256 key certified for serverAuth by the org CA, as `sealchain
	// cert issue --tls server` or `sealchain init --tls-host` make) and its
	// key, PEM; relative paths are under the node home. When set, the API
	// serves HTTPS only.
	TLSCertFile string `toml:"tls_cert_file"`
	TLSKeyFile  string `toml:"tls_key_file"`
	// VerifierWasm is the gzip'd browser verifier the page loads; empty means
	// sealchain.wasm.gz beside the binary (where `make build` writes it).
	VerifierWasm string `toml:"verifier_wasm"`
	// PublicURL is how people reach this node's API, http(s)://host[:port]
	// with an optional path prefix: evidence reports' QR codes point to
	// <public_url>/verify. Empty means http(s)://<listen>.
	PublicURL string `toml:"public_url"`
	// Hosts are further host[:port] names a signed request may be
	// addressed to (the Host a client sends), besides public_url's host and
	// the listen address: the names a proxy in front of the node forwards.
	// A signed request names its host, so that it cannot be replayed on
	// another node.
	Hosts []string `toml:"hosts"`
	// PDFMaxBytes bounds the PDFs POST /v1/pdf/verify accepts (the route's
	// own limit: signed contracts are larger than MaxBodyBytes).
	PDFMaxBytes int64 `toml:"pdf_max_bytes"`
	// PDFVerifyConcurrency and SealRenderConcurrency bound the PDF
	// verifications and seal renders running at once, node-wide; each
	// client (IP address) may run one of each at a time. Excess requests
	// get 503 (node-wide) or 429 (per client) at once.
	PDFVerifyConcurrency  int `toml:"pdf_verify_concurrency"`
	SealRenderConcurrency int `toml:"seal_render_concurrency"`
}

// PublicBase is PublicURL without a trailing slash, or else
// http(s)://<listen>; listen is the bound address when it differs from
// Listen (port 0), else empty.
func (a API) PublicBase(listen string) string {
	if a.PublicURL != "" {
		return strings.TrimRight(a.PublicURL, "/")
	}
	if listen == "" {
		listen = a.Listen
	}
	scheme := "http"
	if a.TLS() {
		scheme = "https"
	}
	return scheme + "://" + listen
}

// Auth modes of [API.Auth].
const (
	AuthOpen   = "open"
	AuthSigned = "signed"
	AuthMTLS   = "mtls"
)

// AuthModes splits Auth into its modes ("signed", "mtls"); "open" gives none.
func (a API) AuthModes() []string {
	if a.Auth == AuthOpen {
		return nil
	}
	return splitList(a.Auth)
}

// SignedAuth reports whether signed requests authenticate judicial queries.
func (a API) SignedAuth() bool { return slices.Contains(a.AuthModes(), AuthSigned) }

// MTLSAuth reports whether TLS client certificates authenticate judicial queries.
func (a API) MTLSAuth() bool { return slices.Contains(a.AuthModes(), AuthMTLS) }

// TLS reports whether the API serves HTTPS.
func (a API) TLS() bool { return a.TLSCertFile != "" }

func (a *API) validateAuth() error {
	if a.Auth != AuthOpen {
		modes := a.AuthModes()
		if len(modes) == 0 {
			return keyErr("api.auth", "%q, want open, signed, mtls or signed,mtls", a.Auth)
		}
		for i, m := range modes {
			if m != AuthSigned && m != AuthMTLS {
				return keyErr("api.auth", "%q: unknown mode %q, want open, signed, mtls or signed,mtls", a.Auth, m)
			}
			if slices.Contains(modes[:i], m) {
				return keyErr("api.auth", "%q: %s given twice", a.Auth, m)
			}
		}
	}
	switch {
	case a.TLSCertFile != "" && a.TLSKeyFile == "":
		return keyErr("api.tls_key_file", "required with api.tls_cert_file")
	case a.TLSKeyFile != "" && a.TLSCertFile == "":
		return keyErr("api.tls_cert_file", "required with api.tls_key_file")
	case a.MTLSAuth() && !a.TLS():
		return keyErr("api.tls_cert_file", "required with api.auth = %q: mutual TLS needs the node's TLS server certificate", a.Auth)
	}
	return nil
}

// Consensus holds the CometBFT settings Sealchain exposes; they override
// <home>/config/config.toml, which keeps every other CometBFT setting.
type Consensus struct {
	P2PListen         string   `toml:"p2p_listen"`
	RPCListen         string   `toml:"rpc_listen"`
	PersistentPeers   string   `toml:"persistent_peers"`
	BlockInterval     Duration `toml:"block_interval"`
	CreateEmptyBlocks bool     `toml:"create_empty_blocks"`
	// TimeoutPropose is how long validators wait for a height's proposal
	// (CometBFT timeout_propose; +timeout_propose_delta per further round).
	// A down proposer costs this much, plus TimeoutVote, on every height it
	// would propose. CometBFT's 3 s is sized for large public networks.
	TimeoutPropose Duration `toml:"timeout_propose"`
	// TimeoutVote bounds the prevote and precommit waits (CometBFT
	// timeout_prevote and timeout_precommit), in particular the wait after a
	// round voted nil for a missing proposal.
	TimeoutVote Duration `toml:"timeout_vote"`
	// LocalNetwork allows peers on one IP and non-routable addresses.
	LocalNetwork bool `toml:"local_network"`
}

// Limits bound what one transaction may cost.
type Limits struct {
	MaxTxBytes int `toml:"max_tx_bytes"`
	CacheSize  int `toml:"signature_cache_size"`
}

// Intent configures intent verification.
type Intent struct {
	// DevOTP enables the development OTP verifier, which returns codes to the
	// caller instead of sending an SMS. Development networks only: refused on
	// a chain whose genesis says production.
	DevOTP bool `toml:"dev_otp"`
}

// StateSync configures snapshots (served to joining nodes) and joining an
// existing network from a snapshot instead of replaying every block.
type StateSync struct {
	// SnapshotInterval takes a snapshot every this many heights; 0 takes none.
	SnapshotInterval int64 `toml:"snapshot_interval"`
	// Enable restores a snapshot on first start (an empty node only).
	Enable bool `toml:"enable"`
	// RPCServers are at least two CometBFT RPC addresses (host:port,
	// comma-separated; the same one twice is accepted) of existing nodes,
	// used by the light client that verifies the snapshot's app hash.
	RPCServers string `toml:"rpc_servers"`
	// TrustHeight and TrustHash are a header the operator trusts (from
	// /commit?height=H of a node they trust), within TrustPeriod of now.
	TrustHeight int64    `toml:"trust_height"`
	TrustHash   string   `toml:"trust_hash"`
	TrustPeriod Duration `toml:"trust_period"`
}

// RPCServerList splits RPCServers.
func (s StateSync) RPCServerList() []string { return splitList(s.RPCServers) }

// Log configures logging.
type Log struct {
	Level  string `toml:"level"`  // debug, info, warn, error
	Format string `toml:"format"` // text or json
}

// Duration is a time.Duration written as "1s", "250ms".
type Duration struct{ time.Duration }

func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// Consensus timeouts of Default. A proposal between validators in one
// country arrives in tens of milliseconds, so 400 ms leaves several times
// that as slack, and a round that misses it retries with 500 ms more; after
// more than 2/3 of the votes are in, 100 ms is ample for the last one. A
// down proposer then costs about 0.5 s a height instead of CometBFT's
// 3 s + 1 s (measured: docs/operations.md, "Consensus timeouts").
const (
	DefaultTimeoutPropose = 400 * time.Millisecond
	DefaultTimeoutVote    = 100 * time.Millisecond
)

// Default returns the configuration `sealchain init` writes.
func Default() Config {
	return Config{
		Moniker: "sealchain-node",
		Org:     "platform",
		API: API{
			Listen:       "127.0.0.1:8080",
			WaitTimeout:  Duration{20 * time.Second},
			MaxBodyBytes: 1 << 20,
			Auth:         AuthOpen,
			PDFMaxBytes:  64 << 20,
			// One verification or render per core leaves the other core
			// to the chain and cheap requests on a two-core machine.
			PDFVerifyConcurrency:  1,
			SealRenderConcurrency: 1,
		},
		Consensus: Consensus{
			P2PListen:         "tcp://127.0.0.1:26656",
			RPCListen:         "tcp://127.0.0.1:26657",
			BlockInterval:     Duration{250 * time.Millisecond},
			CreateEmptyBlocks: false,
			TimeoutPropose:    Duration{DefaultTimeoutPropose},
			TimeoutVote:       Duration{DefaultTimeoutVote},
		},
		Limits:   Limits{MaxTxBytes: 64 << 10, CacheSize: 100_000},
		Intent:   Intent{DevOTP: true},
		Log:      Log{Level: "info", Format: "text"},
		Anchor:   DefaultAnchor(),
		Workflow: DefaultWorkflow(),
		Submit:   DefaultSubmit(),
		PKI:      DefaultPKI(),
		StateSync: StateSync{
			SnapshotInterval: 1000,
			TrustPeriod:      Duration{168 * time.Hour},
		},
	}
}

// KeyError names the config key that is wrong.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return fmt.Sprintf("config %s: %v", e.Key, e.Err) }
func (e *KeyError) Unwrap() error { return e.Err }

func keyErr(key, format string, args ...any) error {
	return &KeyError{Key: key, Err: fmt.Errorf(format, args...)}
}

// Validate checks every value and names the first bad key.
func (c *Config) Validate() error {
	if c.Moniker == "" {
		return keyErr("moniker", "must not be empty")
	}
	if c.Org == "" {
		return keyErr("org", "must not be empty")
	}
	if err := checkHostPort(c.API.Listen); err != nil {
		return &KeyError{Key: "api.listen", Err: err}
	}
	if c.API.WaitTimeout.Duration <= 0 || c.API.WaitTimeout.Duration > 10*time.Minute {
		return keyErr("api.wait_timeout", "%s, want between 0 and 10m", c.API.WaitTimeout)
	}
	if c.API.MaxBodyBytes < 1024 || c.API.MaxBodyBytes > 256<<20 {
		return keyErr("api.max_body_bytes", "%d, want 1024..268435456", c.API.MaxBodyBytes)
	}
	if c.API.PDFMaxBytes < 1024 || c.API.PDFMaxBytes > 256<<20 {
		return keyErr("api.pdf_max_bytes", "%d, want 1024..268435456", c.API.PDFMaxBytes)
	}
	if c.API.PDFVerifyConcurrency < 1 || c.API.PDFVerifyConcurrency > 64 {
		return keyErr("api.pdf_verify_concurrency", "%d, want 1..64", c.API.PDFVerifyConcurrency)
	}
	if c.API.SealRenderConcurrency < 1 || c.API.SealRenderConcurrency > 64 {
		return keyErr("api.seal_render_concurrency", "%d, want 1..64", c.API.SealRenderConcurrency)
	}
	if err := c.API.validateAuth(); err != nil {
		return err
	}
	for _, h := range c.API.Hosts {
		host := h
		if strings.Contains(h, ":") && !strings.Contains(h, "]") && strings.Count(h, ":") > 1 {
			return keyErr("api.hosts", "%q: write an IPv6 address in brackets, [addr] or [addr]:port", h)
		}
		if hh, port, err := net.SplitHostPort(h); err == nil {
			if _, err := strconv.ParseUint(port, 10, 16); err != nil {
				return keyErr("api.hosts", "%q: want host or host:port", h)
			}
			host = hh
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if host == "" || strings.ContainsAny(host, "/@ []") || (strings.Contains(host, ":") && net.ParseIP(host) == nil) {
			return keyErr("api.hosts", "%q: want host or host:port", h)
		}
	}
	if p := c.API.PublicURL; p != "" {
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return keyErr("api.public_url", "%q: want http(s)://host[:port][/path]", p)
		}
	}
	if err := checkTCPURL(c.Consensus.P2PListen); err != nil {
		return &KeyError{Key: "consensus.p2p_listen", Err: err}
	}
	if c.Consensus.RPCListen != "" {
		if err := checkTCPURL(c.Consensus.RPCListen); err != nil {
			return &KeyError{Key: "consensus.rpc_listen", Err: err}
		}
	}
	for _, p := range splitList(c.Consensus.PersistentPeers) {
		id, addr, ok := strings.Cut(p, "@")
		if _, err := hex.DecodeString(id); !ok || len(id) != 40 || err != nil {
			return keyErr("consensus.persistent_peers", "%q: want <40-hex node id>@host:port", p)
		}
		if err := checkHostPort(addr); err != nil {
			return keyErr("consensus.persistent_peers", "%q: %v", p, err)
		}
	}
	if d := c.Consensus.BlockInterval.Duration; d < 10*time.Millisecond || d > time.Minute {
		return keyErr("consensus.block_interval", "%s, want 10ms..1m", d)
	}
	if d := c.Consensus.TimeoutPropose.Duration; d < 100*time.Millisecond || d > time.Minute {
		return keyErr("consensus.timeout_propose", "%s, want 100ms..1m", d)
	}
	if d := c.Consensus.TimeoutVote.Duration; d < 50*time.Millisecond || d > time.Minute {
		return keyErr("consensus.timeout_vote", "%s, want 50ms..1m", d)
	}
	if c.Limits.MaxTxBytes < 1024 || c.Limits.MaxTxBytes > 64<<10 {
		return keyErr("limits.max_tx_bytes", "%d, want 1024..65536", c.Limits.MaxTxBytes)
	}
	if c.Limits.CacheSize < 16 {
		return keyErr("limits.signature_cache_size", "%d, want at least 16", c.Limits.CacheSize)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return keyErr("log.level", "%q, want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return keyErr("log.format", "%q, want text or json", c.Log.Format)
	}
	if err := c.Anchor.validate(); err != nil {
		return err
	}
	if err := c.Workflow.validate(); err != nil {
		return err
	}
	if err := c.Submit.validate(); err != nil {
		return err
	}
	if err := c.Institution.validate(); err != nil {
		return err
	}
	if err := c.Witness.validate(); err != nil {
		return err
	}
	if err := c.PKI.validate(); err != nil {
		return err
	}
	return c.StateSync.validate()
}

func (s *StateSync) validate() error {
	if s.SnapshotInterval < 0 {
		return keyErr("statesync.snapshot_interval", "%d, want 0 (off) or more", s.SnapshotInterval)
	}
	servers := s.RPCServerList()
	for _, srv := range servers {
		if strings.Contains(srv, "://") {
			u, err := url.Parse(srv)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "tcp") {
				return keyErr("statesync.rpc_servers", "%q: want host:port or http(s)://host:port", srv)
			}
			srv = u.Host
		}
		if err := checkHostPort(srv); err != nil {
			return &KeyError{Key: "statesync.rpc_servers", Err: err}
		}
	}
	if s.TrustHash != "" {
		if b, err := hex.DecodeString(s.TrustHash); err != nil || len(b) != 32 {
			return keyErr("statesync.trust_hash", "%q: want the 64-hex-digit block hash", s.TrustHash)
		}
	}
	if s.TrustHeight < 0 {
		return keyErr("statesync.trust_height", "%d, want a positive height", s.TrustHeight)
	}
	if s.TrustPeriod.Duration < 0 {
		return keyErr("statesync.trust_period", "%s, want positive", s.TrustPeriod)
	}
	if !s.Enable {
		return nil
	}
	switch {
	case len(servers) < 2:
		return keyErr("statesync.rpc_servers", "%d given, state sync needs at least 2 (the same server twice is accepted)", len(servers))
	case s.TrustHeight <= 0:
		return keyErr("statesync.trust_height", "required with enable = true")
	case s.TrustHash == "":
		return keyErr("statesync.trust_hash", "required with enable = true")
	case s.TrustPeriod.Duration <= 0:
		return keyErr("statesync.trust_period", "required with enable = true")
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	if host == "" {
		return fmt.Errorf("%q: give a host (127.0.0.1 to stay local)", s)
	}
	if port == "" {
		return fmt.Errorf("%q: missing port", s)
	}
	return nil
}

func checkTCPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	if u.Scheme != "tcp" {
		return fmt.Errorf("%q: want tcp://host:port", s)
	}
	return checkHostPort(u.Host)
}

// Path returns <home>/config/sealchain.toml.
func Path(home string) string { return filepath.Join(home, "config", FileName) }

// Load reads and validates the config under home. Unknown keys are errors, so
// a typo does not silently fall back to a default.
func Load(home string) (*Config, error) {
	c := Default()
	md, err := toml.DecodeFile(Path(home), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("config %s: %s", Path(home), pe.ErrorWithPosition())
		}
		return nil, fmt.Errorf("config %s: %w", Path(home), err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, keyErr(und[0].String(), "unknown key in %s", Path(home))
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Encode renders c as a commented TOML file.
func (c *Config) Encode() ([]byte, error) {
	var body bytes.Buffer
	if err := toml.NewEncoder(&body).Encode(c); err != nil {
		return nil, err
	}
	return append([]byte(header), body.Bytes()...), nil
}

const header = `# Sealchain node configuration.
#
# moniker                         name of this node in peers' logs
# org                             id of the organisation running this node (as in genesis)
# [api] listen                    HTTP JSON API, host:port
# [api] wait_timeout              upper bound for ?wait=commit and evidence requests ("20s")
# [api] max_body_bytes            largest request body accepted
# [api] verifier_wasm             browser verifier (gzip); empty: sealchain.wasm.gz beside the binary
# [api] public_url                how people reach this node, http(s)://host[:port]; report QR codes
#                                 point to <public_url>/verify; empty: http(s)://<api.listen>
# [api] hosts                     further host[:port] names signed requests may be addressed to (what a
#                                 proxy forwards as Host), besides public_url's host and api.listen
# [api] pdf_max_bytes             largest PDF POST /v1/pdf/verify accepts
# [api] pdf_verify_concurrency    PDF verifications running at once, node-wide (one per client)
# [api] seal_render_concurrency   seal renders running at once, node-wide (one per client)
# [api] auth                      open (development), signed, mtls or signed,mtls: judicial queries need
#                                 a caller authenticated by an org-issued certificate (a signed request
#                                 or a TLS client certificate); platforms see only their own contracts
# [api] tls_cert_file, tls_key_file  the node's TLS server certificate (P-256, issued by the org CA) and
#                                 key, PEM, relative to the home; set: the API serves HTTPS only
# [consensus] p2p_listen          CometBFT peer-to-peer address, tcp://host:port
# [consensus] rpc_listen          CometBFT RPC, tcp://host:port; empty disables it
# [consensus] persistent_peers    comma-separated <node id>@host:port
# [consensus] block_interval      pause after each block (CometBFT timeout_commit)
# [consensus] timeout_propose     wait for a height's proposal (CometBFT timeout_propose): what a down
#                                 proposer costs; keep it alike on every validator ("400ms")
# [consensus] timeout_vote        prevote and precommit waits (CometBFT timeout_prevote, timeout_precommit)
# [consensus] create_empty_blocks make blocks without transactions; off, the chain idles when no
#                                 records arrive (CometBFT still makes the block that signs the last app hash)
# [consensus] local_network       peers share one IP (127.0.0.1): localnets and tests only
# [limits] max_tx_bytes           largest standalone transaction accepted (1024..65536); a batch may reach 1 MiB
# [limits] signature_cache_size   transactions and certificates remembered as verified
# [intent] dev_otp                DEVELOPMENT ONLY: OTP verifier that returns the code to the caller
# [log] level, format             debug|info|warn|error, text|json
# [statesync] snapshot_interval   take a snapshot for joining nodes every N heights (0: none); the last 2
#                                 are kept under data/snapshots/
# [statesync] enable              join by state sync: restore a peer's snapshot on first start (empty node only)
# [statesync] rpc_servers         with enable: two or more CometBFT RPC host:port of existing nodes, comma-separated
# [statesync] trust_height, trust_hash  with enable: a header you trust (curl RPC/commit?height=H)
# [statesync] trust_period        with enable: how old the trusted header may be ("168h")
` + anchorHeader + workflowHeader + workflowS3Header + submitHeader + institutionHeader + pkiHeader + witnessHeader + `#
# The [consensus] keys override <home>/config/config.toml; every other CometBFT
# setting lives there.

`

// Save writes c to <home>/config/sealchain.toml.
func (c *Config) Save(home string) error {
	b, err := c.Encode()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(Path(home)), 0o755); err != nil {
		return err
	}
	return os.WriteFile(Path(home), b, 0o644)
}
