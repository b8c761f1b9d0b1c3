package client

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
)

// TLS to a node whose API serves HTTPS ([api] tls_cert_file), with a client
// certificate for mutual TLS ([api] auth = "mtls"). Node certificates are
// issued by the organisations' SM2 CAs, which crypto/tls cannot verify, so
// the client turns crypto/tls's verification off and verifies the server
// itself against the organisation CAs it trusts (the genesis ones): issued
// for serverAuth, valid now, naming the host dialled. The client cannot
// see revocations; the node checks those for client certificates.

// TLSOptions configure TLS to a node.
type TLSOptions struct {
	// CAs are the organisation CA certificates a node's certificate must be
	// issued by: the genesis orgs' (see [GenesisOrgCAs]). Required.
	CAs []*smx509.Certificate
	// CertFile and KeyFile are a client certificate (issued by an org CA
	// for clientAuth, `sealchain cert issue --tls client`) and its key,
	// PEM; both empty means no client certificate (signed requests or an
	// open node over HTTPS).
	CertFile, KeyFile string
	// Now is the clock the server certificate is checked against (default time.Now).
	Now func() time.Time
}

// TLSConfig returns the crypto/tls client configuration for opts.
func TLSConfig(opts TLSOptions) (*tls.Config, error) {
	if len(opts.CAs) == 0 {
		return nil, errors.New("client TLS: no organisation CA certificates to check the node against")
	}
	if (opts.CertFile == "") != (opts.KeyFile == "") {
		return nil, errors.New("client TLS: give both a client certificate and its key, or neither")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	cas := opts.CAs
	c := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// crypto/x509 cannot verify SM2 signatures: VerifyConnection does
		// the whole check instead, so this skips nothing.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyServer(cs, cas, now())
		},
	}
	if opts.CertFile != "" {
		if _, err := signer.LoadPrivateKey(opts.KeyFile); err != nil { // refuses a key file others can read
			return nil, fmt.Errorf("client TLS key: %w", err)
		}
		cert, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("client TLS certificate: %w", err)
		}
		leaf, err := smx509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			return nil, fmt.Errorf("client TLS certificate %s: %w", opts.CertFile, err)
		}
		// Fail here with the reason rather than with the node's bare
		// "bad certificate" alert.
		if _, err := signer.VerifyTLS(leaf, cas, now(), signer.TLSClient); err != nil {
			return nil, fmt.Errorf("client TLS certificate %s: %w", opts.CertFile, err)
		}
		cert.Certificate = cert.Certificate[:1] // the node wants the leaf alone
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// verifyServer checks the node's certificate as crypto/tls would if it
// knew SM2.
func verifyServer(cs tls.ConnectionState, cas []*smx509.Certificate, now time.Time) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("node TLS: no server certificate")
	}
	leaf, err := smx509.ParseCertificate(cs.PeerCertificates[0].Raw)
	if err != nil {
		return fmt.Errorf("node TLS certificate: %w", err)
	}
	if _, err := signer.VerifyTLS(leaf, cas, now, signer.TLSServer); err != nil {
		return fmt.Errorf("node TLS certificate: %w", err)
	}
	if cs.ServerName == "" {
		return errors.New("node TLS certificate: no server name to check it against (an IP address: use Client.WithTLS, which checks the address dialled)")
	}
	if err := leaf.VerifyHostname(cs.ServerName); err != nil {
		return fmt.Errorf("node TLS certificate: %w", err)
	}
	return nil
}

// WithTLS makes the client use cfg (from [TLSConfig]) for https:// nodes.
// It replaces the HTTP client's transport and keeps its timeout. The node's
// certificate must name the host dialled: a DNS name, or an IP address,
// which TLS does not send as a server name, so the dialer checks it.
func (c *Client) WithTLS(cfg *tls.Config) *Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		conf := cfg.Clone()
		if conf.ServerName == "" {
			conf.ServerName = host
		}
		if verify := conf.VerifyConnection; verify != nil {
			conf.VerifyConnection = func(cs tls.ConnectionState) error {
				cs.ServerName = conf.ServerName
				return verify(cs)
			}
		}
		return (&tls.Dialer{Config: conf}).DialContext(ctx, network, addr)
	}
	c.http = &http.Client{Timeout: c.http.Timeout, Transport: t, CheckRedirect: c.http.CheckRedirect}
	return c
}

// GenesisOrgCAs returns the organisation CA certificates of a CometBFT
// genesis document (its app_state), the roots a client pins nodes to.
func GenesisOrgCAs(genesisJSON []byte) ([]*smx509.Certificate, error) {
	appState, err := genesisAppState(genesisJSON)
	if err != nil {
		return nil, err
	}
	_, orgs, err := chain.ParseGenesisState(appState)
	if err != nil {
		return nil, err
	}
	out := make([]*smx509.Certificate, 0, len(orgs))
	for _, o := range orgs {
		ca, err := smx509.ParseCertificate(o.CACert)
		if err != nil {
			return nil, fmt.Errorf("genesis org %s CA: %w", o.ID, err)
		}
		out = append(out, ca)
	}
	return out, nil
}

func genesisAppState(genesisJSON []byte) ([]byte, error) {
	var doc struct {
		AppState json.RawMessage `json:"app_state"`
	}
	if err := json.Unmarshal(genesisJSON, &doc); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	if len(doc.AppState) == 0 {
		return nil, errors.New("genesis: no app_state")
	}
	return doc.AppState, nil
}
