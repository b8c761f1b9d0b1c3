package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// tlsFlags are the client side of an HTTPS node API: the genesis whose
// organisation CAs the node's certificate must chain to, and an optional
// client certificate for mutual TLS ([api] auth = "mtls").
type tlsFlags struct {
	cert, key string
}

func (t *tlsFlags) add(f *pflag.FlagSet) {
	f.StringVar(&t.cert, "tls-cert", "", "TLS client certificate (PEM, from 'cert issue --tls client') for nodes with [api] auth = \"mtls\"")
	f.StringVar(&t.key, "tls-key", "", "the TLS client certificate's key (PEM, mode 0600)")
}

// apply configures c for an https:// node: the node is pinned to the
// organisation CAs of the genesis file, and the client certificate, if
// given, is presented. Over http:// a client certificate is an error.
func (t *tlsFlags) apply(c *client.Client, nodeURL, genesisPath string) error {
	if !strings.HasPrefix(nodeURL, "https://") {
		if t.cert != "" || t.key != "" {
			return &exitError{2, fmt.Errorf("--tls-cert needs an https:// --node, not %s", nodeURL)}
		}
		return nil
	}
	if genesisPath == "" {
		return &exitError{2, fmt.Errorf("an https:// node needs the genesis you trust (its organisation CAs check the node's certificate)")}
	}
	g, err := os.ReadFile(genesisPath)
	if err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	cas, err := client.GenesisOrgCAs(g)
	if err != nil {
		return fmt.Errorf("%s: %w", genesisPath, err)
	}
	cfg, err := client.TLSConfig(client.TLSOptions{CAs: cas, CertFile: t.cert, KeyFile: t.key})
	if err != nil {
		return err
	}
	c.WithTLS(cfg)
	return nil
}

// tlsIssue is what `cert issue --tls` was asked for.
type tlsIssue struct {
	role, out, ref string
	hosts          []string
	days           int
	register       bool
}

// issueTLS is `cert issue --tls client|server`. A client certificate is
// registered on chain unless --register=false, a server certificate only
// with --register: registration is what lets the network revoke a TLS
// credential and a court list every one that could query, and production
// networks refuse unregistered client certificates. The node is reached
// before the key is made, so an unreachable node leaves nothing behind; a
// certificate the chain refused is removed with its key.
func issueTLS(cmd *cobra.Command, o *orgFlags, req tlsIssue) error {
	r, err := signer.ParseTLSRole(req.role)
	if err != nil {
		return &exitError{2, fmt.Errorf("--tls: %w", err)}
	}
	if r == signer.TLSServer && len(req.hosts) == 0 {
		return &exitError{2, fmt.Errorf("--tls server needs at least one --tls-host")}
	}
	days := req.days
	if !cmd.Flags().Changed("days") {
		days = 90 // a TLS key lives on a server or in a client; keep it short-lived
	}
	register := r == signer.TLSClient
	if cmd.Flags().Changed("register") {
		register = req.register
	}
	var s *session
	if register {
		if s, err = o.open(cmd); err != nil {
			return fmt.Errorf("register the TLS certificate through %s (or --register=false to issue it unregistered): %w", o.nodeURL, err)
		}
		defer s.cancel()
	}
	h := nodehome.Home(o.home)
	ca, err := signer.LoadCA(h.CACert(), h.CAKey())
	if err != nil {
		return err
	}
	ref := req.ref
	if ref == "" {
		ref = fmt.Sprintf("%s-tls-%s-%d", strings.TrimSuffix(ca.Cert.Subject.CommonName, " CA"), r, time.Now().Unix())
	}
	prefix := strings.TrimSuffix(req.out, filepath.Ext(req.out))
	if !cmd.Flags().Changed("out") {
		prefix = "tls-" + r.String()
	}
	now := time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
	notAfter := now.AddDate(0, 0, days)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	opts := signer.TLSOptions{SubjectRef: ref, Role: r, NotBefore: now, NotAfter: notAfter}
	certFile, keyFile := prefix+".crt", prefix+".key"
	if err := nodehome.IssueTLSFiles(ca, certFile, keyFile, opts, req.hosts, nil); err != nil {
		return err
	}
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		return err
	}
	c, err := signer.ParseCertificatePEM(pemBytes)
	if err != nil {
		return fmt.Errorf("%s: %w", certFile, err)
	}
	fp := chain.FingerprintOf(c.Raw)
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "TLS %s certificate %s (key %s, mode 0600), valid until %s\nfingerprint %s\n",
		r, certFile, keyFile, notAfter.Format(time.RFC3339), fp)
	if !register {
		if r == signer.TLSClient {
			fmt.Fprintln(out, "not registered on chain: production networks refuse it, and it cannot be revoked on chain")
		}
		return nil
	}
	if _, err := s.submit(cmd, "cert issued", &chain.CertIssued{Cert: c.Raw}, nil); err != nil {
		// An unregistered certificate is useless on a production network and
		// invisible to the others; do not leave it around to be mistaken
		// for a registered one.
		rmErr := errors.Join(os.Remove(certFile), os.Remove(keyFile))
		return errors.Join(fmt.Errorf("register TLS certificate %s: %w (removed %s and %s)", fp, err, certFile, keyFile), rmErr)
	}
	return nil
}
