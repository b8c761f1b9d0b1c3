package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sealchain/sealchain/chain"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/signer"
)

// SubmitResult is the answer to POST /v1/txs and GET /v1/txs/{hash}.
type SubmitResult struct {
	TxHash    string     `json:"tx_hash"`
	Code      uint32     `json:"code"`
	Committed bool       `json:"committed"`
	Height    int64      `json:"height,omitempty"`
	LogIndex  *uint64    `json:"log_index,omitempty"`
	BlockTime *time.Time `json:"block_time,omitempty"`
	// Records are a batch's record hashes (SHA-256 of each item), in the
	// batch's order: what GET /v1/txs/{hash} answers each record by.
	Records []string `json:"records,omitempty"`
	// Results are a committed batch's per-record results, in its order
	// (GET /v1/txs/{batch hash}, and POST with wait=commit).
	Results []RecordResult `json:"results,omitempty"`
}

// RecordResult is one record of a committed batch: code 0 and its log
// index, or the code and message of the rule it failed in FinalizeBlock.
type RecordResult struct {
	RecordHash string  `json:"record_hash"`
	Code       uint32  `json:"code"`
	LogIndex   *uint64 `json:"log_index,omitempty"`
	Log        string  `json:"log,omitempty"`
}

// IntentAttestation is a verifier's signed statement, ready to go into an
// intent-verified record.
type IntentAttestation struct {
	ContractID    string `json:"contract_id"`
	Signer        string `json:"signer"`
	Method        string `json:"method"`
	ChallengeHash string `json:"challenge_hash"`
	VerifiedAtMS  int64  `json:"verified_at_ms"`
	VerifierCert  []byte `json:"verifier_cert"`
	VerifierSig   []byte `json:"verifier_sig"`
}

// OTPChallenge is a started development OTP challenge.
type OTPChallenge struct {
	ChallengeID string `json:"challenge_id"`
	Code        string `json:"code"`
	DevOnly     bool   `json:"dev_only"`
}

// APIError is an error the node answered with.
type APIError struct {
	Status    int    `json:"-"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	ABCICode  uint32 `json:"abci_code,omitempty"`
	Codespace string `json:"codespace,omitempty"`
	TxHash    string `json:"tx_hash,omitempty"`
}

func (e *APIError) Error() string {
	if e.ABCICode != chain.CodeOK {
		return fmt.Sprintf("node: %s (HTTP %d, ABCI code %d): %s", e.Code, e.Status, e.ABCICode, e.Message)
	}
	return fmt.Sprintf("node: %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// Client talks to one node's API.
type Client struct {
	base      string
	http      *http.Client
	signChain string
	signCert  []byte
	signKey   *signer.PrivateKey
}

// New returns a client for the node at baseURL (e.g. http://127.0.0.1:8080).
func New(baseURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("node URL %q: want http(s)://host:port", baseURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), http: hc}, nil
}

func (c *Client) do(ctx context.Context, method, path, ctype string, body []byte, out any) ([]byte, error) {
	return c.doLimit(ctx, method, path, ctype, body, out, 256<<20, nil)
}

// doLimit is do with a bound on the answer's size (an answer past it is an
// error, not cut short) and extra request headers.
func (c *Client) doLimit(ctx context.Context, method, path, ctype string, body []byte, out any, limit int64, hdr http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if err := c.sign(req, body); err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s %s: the answer exceeds %d bytes", method, path, limit)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error APIError `json:"error"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
			return nil, &APIError{Status: resp.StatusCode, Code: "http_error", Message: strings.TrimSpace(string(data))}
		}
		e.Error.Status = resp.StatusCode
		return nil, &e.Error
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("%s %s: decode response: %w", method, path, err)
		}
	}
	return data, nil
}

// Submit sends a transaction (a standalone tx, or a batch from BuildBatch);
// with wait it returns once it is committed. For a batch the result names
// its records' hashes (Records) and, with wait, each record's result
// (Results): a record that failed a state rule does not fail the call.
func (c *Client) Submit(ctx context.Context, tx []byte, wait bool) (*SubmitResult, error) {
	path := "/v1/txs"
	if wait {
		path += "?wait=commit"
	}
	var res SubmitResult
	if _, err := c.do(ctx, http.MethodPost, path, "application/octet-stream", tx, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Evidence fetches an evidence bundle (raw JSON) by one of doc_hash,
// contract_id or cert; extra adds query parameters such as since_size.
func (c *Client) Evidence(ctx context.Context, key, value string, extra ...string) ([]byte, error) {
	q := url.Values{key: {value}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return c.do(ctx, http.MethodGet, "/v1/evidence?"+q.Encode(), "", nil, nil)
}

// Genesis fetches the node's genesis document. A verifier should hold its
// own copy; this is for setting up clients.
func (c *Client) Genesis(ctx context.Context) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "/v1/genesis", "", nil, nil)
}

// Status fetches the node status.
func (c *Client) Status(ctx context.Context) (map[string]any, error) {
	var st map[string]any
	_, err := c.do(ctx, http.MethodGet, "/v1/status", "", nil, &st)
	return st, err
}

// Get fetches any GET endpoint as raw JSON.
func (c *Client) Get(ctx context.Context, path string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, path, "", nil, nil)
}

// Post sends body to any POST endpoint and returns the answer as raw JSON.
func (c *Client) Post(ctx context.Context, path, contentType string, body []byte) ([]byte, error) {
	return c.do(ctx, http.MethodPost, path, contentType, body, nil)
}

// ReportJob is an evidence report job (POST /v1/reports, GET /v1/reports/{id}).
type ReportJob struct {
	ID         string `json:"id"`
	ContractID string `json:"contract_id"`
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
	ReportSM3  string `json:"report_sm3,omitempty"`
	TxHash     string `json:"tx_hash,omitempty"`
}

// CreateReport queues an evidence report for a contract; names maps
// certificate fingerprints to display names, verifyURL goes into the QR code.
func (c *Client) CreateReport(ctx context.Context, contractID string, names map[string]string, verifyURL string) (*ReportJob, error) {
	body, err := json.Marshal(map[string]any{"contract_id": contractID, "names": names, "verify_url": verifyURL})
	if err != nil {
		return nil, err
	}
	var j ReportJob
	if _, err := c.do(ctx, http.MethodPost, "/v1/reports", "application/json", body, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// StartOTP starts a development OTP challenge for a signer on a contract.
func (c *Client) StartOTP(ctx context.Context, contractID, signerFP string) (*OTPChallenge, error) {
	body, _ := json.Marshal(map[string]string{"contract_id": contractID, "signer": signerFP})
	var ch OTPChallenge
	_, err := c.do(ctx, http.MethodPost, "/v1/dev/otp/challenges", "application/json", body, &ch)
	return &ch, err
}

// VerifyOTP answers a challenge and returns the verifier's attestation.
func (c *Client) VerifyOTP(ctx context.Context, challengeID, contractID, signerFP, code string) (*IntentAttestation, error) {
	body, _ := json.Marshal(map[string]string{"challenge_id": challengeID, "contract_id": contractID, "signer": signerFP, "code": code})
	var at IntentAttestation
	_, err := c.do(ctx, http.MethodPost, "/v1/dev/otp/verifications", "application/json", body, &at)
	return &at, err
}

// IdentityAttestation is a verifier's signed identity statement.
type IdentityAttestation struct {
	IdentityRef  string `json:"identity_ref"`
	Subject      string `json:"subject"`
	Method       string `json:"method"`
	VerifiedAtMS int64  `json:"verified_at_ms"`
	VerifierCert []byte `json:"verifier_cert"`
	VerifierSig  []byte `json:"verifier_sig"`
}

// AttestIdentity asks the node's development verifier to attest a commitment.
func (c *Client) AttestIdentity(ctx context.Context, refHex, subject, method string) (*IdentityAttestation, error) {
	body, _ := json.Marshal(map[string]string{"identity_ref": refHex, "subject": subject, "method": method})
	var at IdentityAttestation
	_, err := c.do(ctx, http.MethodPost, "/v1/dev/identity/attestations", "application/json", body, &at)
	return &at, err
}

// AuthScheme is the Authorization scheme of signed requests.
const AuthScheme = "Sealchain"

// NonceBytes is the length of a signed request's nonce.
const NonceBytes = 16

// RequestSignBytes are what a signed request's signature covers: a domain
// tag, the chain id, the host the request is addressed to (its authority,
// lower-cased, as sent in the Host header), the method, the request URI
// (path and query), the unix time, the nonce (hex) and the SM3 of the body
// (of the empty string for GET):
//
//	"sealchain/api-request/v3" 0x00 CHAIN-ID "\n" HOST "\n" METHOD "\n" REQUEST-URI "\n" TS "\n" hex(NONCE) "\n" hex(SM3(BODY))
//
// The chain id and host bind a request to one node of one chain: nodes keep
// their own replay caches, so a request good on every node would replay
// once on each.
func RequestSignBytes(chainID, host, method, requestURI string, ts int64, nonce, body []byte) []byte {
	sum := sm3.Sum(body)
	return []byte(fmt.Sprintf("sealchain/api-request/v3\x00%s\n%s\n%s\n%s\n%d\n%x\n%x",
		chainID, strings.ToLower(host), method, requestURI, ts, nonce, sum[:]))
}

// WithRequestSigner makes the client sign every request with an
// organisation's API credential (needed when the node runs with
// [api] auth = "signed"), for the chain chainID. The credential must be
// registered on chain (genesis, or cert_issued).
func (c *Client) WithRequestSigner(chainID string, certDER []byte, key *signer.PrivateKey) *Client {
	c.signChain, c.signCert, c.signKey = chainID, certDER, key
	return c
}

// sign adds the Authorization header: each request gets a fresh nonce, so
// the node accepts it once; retrying means signing again (do does).
func (c *Client) sign(req *http.Request, body []byte) error {
	if c.signKey == nil {
		return nil
	}
	nonce := make([]byte, NonceBytes)
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("sign request: nonce: %w", err)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	ts := time.Now().Unix()
	sig, err := c.signKey.Sign(nil, RequestSignBytes(c.signChain, host, req.Method, req.URL.RequestURI(), ts, nonce, body))
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	req.Header.Set("Authorization", fmt.Sprintf("%s cert=%s,ts=%d,nonce=%x,sig=%s", AuthScheme,
		base64.StdEncoding.EncodeToString(c.signCert), ts, nonce, base64.StdEncoding.EncodeToString(sig)))
	return nil
}
