package config

import (
	"net/url"
	"strconv"
	"strings"
)

// PKI configures the node's public PKI services (docs/long-term-validation.md):
// an RFC 3161 time-stamping authority for hashes committed on chain, and an
// OCSP responder and CRL for the organisation's CA.
type PKI struct {
	// Enable mounts POST /v1/tsa, /v1/ocsp/{org} and /v1/crl/{org}.crl.
	// They need the org CA key in the home (keys/ca.key).
	Enable bool `toml:"enable"`
	// TSAECDSAKeyFile/TSAECDSACertFile and TSASM2KeyFile/TSASM2CertFile are
	// the TSA's keys and certificates (PEM, relative to the home) for
	// SHA-256 and SM3 requests. Empty: keys/tsa-ecdsa-p256.* and keys/tsa-sm2.*,
	// issued by the org CA at the first start and kept.
	TSAECDSAKeyFile  string `toml:"tsa_ecdsa_key_file"`
	TSAECDSACertFile string `toml:"tsa_ecdsa_cert_file"`
	TSASM2KeyFile    string `toml:"tsa_sm2_key_file"`
	TSASM2CertFile   string `toml:"tsa_sm2_cert_file"`
	// BaseURL is the public http(s) prefix of these services; when set,
	// certificates the node issues name <base_url>/v1/ocsp/<org> (AIA) and
	// <base_url>/v1/crl/<org>.crl (CRL distribution point).
	BaseURL string `toml:"base_url"`
	// PolicyOID is the TSA policy written into every token.
	PolicyOID string `toml:"policy_oid"`
}

// DefaultPolicyOID is Sealchain's TSA policy: arc 1.3.6.1.4.1.61245, sub-arc
// 3 (policies), 1 (time of commit on chain).
const DefaultPolicyOID = "1.3.6.1.4.1.61245.3.1"

// DefaultPKI is the [pki] `init` writes: off.
func DefaultPKI() PKI { return PKI{PolicyOID: DefaultPolicyOID} }

func (p *PKI) validate() error {
	if p.BaseURL != "" {
		u, err := url.Parse(p.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return keyErr("pki.base_url", "%q: want http(s)://host[:port][/path]", p.BaseURL)
		}
	}
	if p.PolicyOID == "" {
		return keyErr("pki.policy_oid", "must not be empty")
	}
	if _, err := ParseOID(p.PolicyOID); err != nil {
		return keyErr("pki.policy_oid", "%q: %v", p.PolicyOID, err)
	}
	if (p.TSAECDSAKeyFile == "") != (p.TSAECDSACertFile == "") {
		return keyErr("pki.tsa_ecdsa_key_file", "give both tsa_ecdsa_key_file and tsa_ecdsa_cert_file, or neither")
	}
	if (p.TSASM2KeyFile == "") != (p.TSASM2CertFile == "") {
		return keyErr("pki.tsa_sm2_key_file", "give both tsa_sm2_key_file and tsa_sm2_cert_file, or neither")
	}
	return nil
}

// ParseOID parses a dotted object identifier of at least two arcs, each
// below 2^31 (what crypto/x509 reads).
func ParseOID(s string) ([]int, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, errOID
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 31)
		if err != nil || (len(p) > 1 && p[0] == '0') {
			return nil, errOID
		}
		out[i] = int(n)
	}
	if out[0] > 2 || (out[0] < 2 && out[1] > 39) {
		return nil, errOID
	}
	return out, nil
}

var errOID = errorString("want a dotted object identifier such as 1.3.6.1.4.1.61245.3.1")

type errorString string

func (e errorString) Error() string { return string(e) }

const pkiHeader = `# [pki] enable                   serve the time-stamping authority (POST /v1/tsa), OCSP (/v1/ocsp/<org>) and
#                                 the CRL (/v1/crl/<org>.crl) for this org; needs keys/ca.key
# [pki] tsa_ecdsa_key_file, tsa_ecdsa_cert_file, tsa_sm2_key_file, tsa_sm2_cert_file
#                                 the TSA keys and certificates; empty: issued by the org CA at first start
# [pki] base_url                  public http(s) prefix: with enable, new certificates carry AIA and CRL-DP URLs
# [pki] policy_oid                the TSA policy in every token
`
