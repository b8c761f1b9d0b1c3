package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/node/pki"
	"github.com/sealchain/sealchain/signer"
)

// orgFlags are what every client command that writes to the chain needs: the
// org's home (for its submitter credential and, when issuing, its CA key) and
// the node to talk to.
type orgFlags struct {
	home    string
	nodeURL string
	timeout time.Duration
	tls     tlsFlags
}

func (o *orgFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.home, "home", "./data", "the organisation's node home (its keys/ and config/)")
	cmd.Flags().StringVar(&o.nodeURL, "node", "http://127.0.0.1:8080", "node API URL (https:// is checked against the home's genesis org CAs)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 60*time.Second, "how long to wait for the node")
	o.tls.add(cmd.Flags())
}

type session struct {
	ctx    context.Context
	cancel context.CancelFunc
	c      *client.Client
	sub    *client.Submitter
	home   nodehome.Home
}

func (o *orgFlags) open(cmd *cobra.Command) (*session, error) {
	c, err := client.New(o.nodeURL, nil)
	if err != nil {
		return nil, err
	}
	if err := o.tls.apply(c, o.nodeURL, nodehome.Home(o.home).Genesis()); err != nil {
		return nil, err
	}
	cfg, err := config.Load(o.home)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	st, err := c.Status(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	chainID, _ := st["chain_id"].(string)
	h := nodehome.Home(o.home)
	sub, err := client.LoadSubmitter(chainID, cfg.Org, h.SubmitterCert(), h.SubmitterKey())
	if err != nil {
		cancel()
		return nil, err
	}
	c.WithRequestSigner(chainID, sub.Cert, sub.Key) // for nodes with [api] auth = "signed"
	return &session{ctx: ctx, cancel: cancel, c: c, sub: sub, home: h}, nil
}

func (s *session) submit(cmd *cobra.Command, what string, body chain.Body, actor *client.Actor) (*client.SubmitResult, error) {
	tx, err := s.sub.Build(body, actor)
	if err != nil {
		return nil, err
	}
	res, err := s.c.Submit(s.ctx, tx, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: committed at height %d, log index %d, block time %s, tx %s\n",
		what, res.Height, deref(res.LogIndex), res.BlockTime.UTC().Format(time.RFC3339Nano), res.TxHash)
	return res, nil
}

func deref(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Signer keys"}
	var out, alg string
	newCmd := &cobra.Command{
		Use:   "new",
		Short: "Create a signer key: OUT.key (0600, PKCS#8 PEM) and OUT.pub",
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := signer.ParseAlgorithm(alg)
			if err != nil {
				return err
			}
			k, err := signer.GenerateKey(a, nil)
			if err != nil {
				return err
			}
			if err := signer.SavePrivateKey(out+".key", k); err != nil {
				return err
			}
			pub, err := signer.EncodePublicKeyPEM(k.Public())
			if err != nil {
				return err
			}
			if err := os.WriteFile(out+".pub", pub, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s.key (%s, mode 0600) and %s.pub\n", out, a, out)
			return nil
		},
	}
	newCmd.Flags().StringVar(&out, "out", "signer", "output path prefix")
	newCmd.Flags().StringVar(&alg, "alg", "sm2", "sm2 or ecdsa-p256")
	cmd.AddCommand(newCmd)
	return cmd
}

func newCertCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "cert", Short: "Certificates issued by the organisation's CA and recorded on chain"}
	var (
		o                        orgFlags
		pubPath, out, ref, idHex string
		identity, csrPath        string
		days                     int
		certPath                 string
		reason                   uint32
	)
	var tlsRole string
	var tlsHosts []string
	var tlsRegister, credential bool
	issue := &cobra.Command{
		Use:   "issue",
		Short: "Issue a signer certificate for a public key with the org CA and record it on chain",
		Long: `Issues a signer certificate for --pubkey (or --csr) with the org CA and records it on chain.

With --tls client|server it instead creates an ECDSA P-256 key and a TLS certificate issued
by the org CA, for mutual TLS with the node API: OUT.key (mode 0600) and OUT.crt, where OUT
is --out without its extension. A server certificate names --tls-host (repeatable: DNS
names or IP addresses). TLS certificates are valid for 90 days unless --days says otherwise.
A client certificate is registered on chain (cert_issued) through --node, so the network
can see and revoke it (cert revoke --cert OUT.crt): production networks accept only
registered client certificates. --register=false skips that and needs no running node;
a server certificate is not registered unless --register is given.

With --credential it instead issues an API credential for --pubkey (or --csr): a certificate
with the submitter usage that signs transaction envelopes and API requests for the
organisation, recorded on chain (cert_issued, through the home's current credential). Only
recorded, unrevoked credentials are accepted by the chain and by nodes; cut one off with
'cert revoke --cert OUT'. To switch a home to a new credential, record it, put its
certificate and key in HOME/keys/submitter.crt and submitter.key, then revoke the old one.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tlsRole != "" && credential {
				return &exitError{2, errors.New("--tls and --credential exclude each other")}
			}
			if credential && (identity != "" || idHex != "") {
				return &exitError{2, errors.New("--credential: a credential names an API client, not a person: no --identity")}
			}
			if tlsRole != "" {
				return issueTLS(cmd, &o, tlsIssue{role: tlsRole, hosts: tlsHosts, out: out, ref: ref, days: days, register: tlsRegister})
			}
			// A credential for a governance register_credentials proposal
			// (an org with no usable credential left) is issued without
			// recording it: --credential --register=false.
			record := !(credential && cmd.Flags().Changed("register") && !tlsRegister)
			var s *session
			if record {
				var err error
				if s, err = o.open(cmd); err != nil {
					return err
				}
				defer s.cancel()
			}
			h := nodehome.Home(o.home)
			ca, err := signer.LoadCA(h.CACert(), h.CAKey())
			if err != nil {
				return err
			}
			if c, err := config.Load(o.home); err == nil && c.PKI.Enable {
				ca.OCSPServer, ca.CRLDistributionPoints = pki.RevocationURLs(c.PKI.BaseURL, c.Org)
			}
			var idRef []byte
			switch {
			case identity != "":
				if _, idRef, err = loadIdentity(identity); err != nil {
					return fmt.Errorf("--identity: %w", err)
				}
			case idHex != "":
				if idRef, err = decodeHex32(idHex); err != nil {
					return fmt.Errorf("--identity-ref: %w", err)
				}
			}
			now := time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
			opts := signer.IssueOptions{SubjectRef: ref, IdentityRef: idRef, Usage: signer.UsageSigner, NotBefore: now, NotAfter: now.AddDate(0, 0, days)}
			if credential {
				opts.Usage = signer.UsageSubmitter
			}
			var der []byte
			if csrPath != "" {
				// From a certificate request: the key never leaves the signer;
				// the request's subject is ignored (no names on chain).
				raw, err := os.ReadFile(csrPath)
				if err != nil {
					return err
				}
				if blk, _ := pem.Decode(raw); blk != nil {
					raw = blk.Bytes
				}
				if opts.SubjectRef == "" {
					sum := sm3.Sum(raw)
					opts.SubjectRef = fmt.Sprintf("sc-%x", sum[:16])
				}
				if der, err = ca.IssueFromCSR(raw, opts, nil); err != nil {
					return fmt.Errorf("--csr %s: %w", csrPath, err)
				}
			} else {
				pemBytes, err := os.ReadFile(pubPath)
				if err != nil {
					return err
				}
				pub, err := signer.ParsePublicKeyPEM(pemBytes)
				if err != nil {
					return fmt.Errorf("--pubkey %s: %w", pubPath, err)
				}
				if opts.SubjectRef == "" {
					// A pseudonymous subject: no names on chain.
					sum := sm3.Sum(pemBytes)
					opts.SubjectRef = fmt.Sprintf("sc-%x", sum[:16])
				}
				if der, err = ca.Issue(pub, opts, nil); err != nil {
					return err
				}
			}
			if err := os.WriteFile(out, signer.EncodeCertificatePEM(der), 0o644); err != nil {
				return err
			}
			if !record {
				fmt.Fprintf(cmd.OutOrStdout(), "credential %s\nfingerprint %s\nnot recorded on chain: propose it with 'gov propose --kind register-credentials --credential-cert %s'\n", out, chain.FingerprintOf(der), out)
				return nil
			}
			if _, err := s.submit(cmd, "cert issued", &chain.CertIssued{Cert: der, IdentityRef: idRef}, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "certificate %s\nfingerprint %s\n", out, chain.FingerprintOf(der))
			return nil
		},
	}
	o.add(issue)
	issue.Flags().StringVar(&pubPath, "pubkey", "signer.pub", "the signer's public key (PEM)")
	issue.Flags().StringVar(&out, "out", "signer.crt", "where to write the certificate")
	issue.Flags().StringVar(&ref, "subject-ref", "", "pseudonymous subject id (default: derived from the key); never a name")
	issue.Flags().StringVar(&idHex, "identity-ref", "", "hex SM3 commitment of a verified identity")
	issue.Flags().StringVar(&identity, "identity", "", "the identity file from 'identity verify' (binds the certificate to it)")
	issue.Flags().StringVar(&csrPath, "csr", "", "a certificate request (PEM or DER) instead of --pubkey; needs --identity")
	issue.Flags().IntVar(&days, "days", 730, "validity in days")
	issue.Flags().StringVar(&tlsRole, "tls", "", "client or server: a TLS certificate and P-256 key for the node API instead (see above)")
	issue.Flags().StringArrayVar(&tlsHosts, "tls-host", nil, "with --tls server: a DNS name or IP address of the node (repeatable)")
	issue.Flags().BoolVar(&tlsRegister, "register", false, "with --tls: record the TLS certificate on chain (default: true for client, false for server certificates); with --credential, --register=false issues it unrecorded, for a register-credentials proposal")
	issue.Flags().BoolVar(&credential, "credential", false, "issue an API credential (submitter usage) for --pubkey instead of a signer certificate, recorded on chain")

	var o2 orgFlags
	revoke := &cobra.Command{
		Use:   "revoke",
		Short: "Revoke a certificate the org issued, from the next block on",
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := o2.open(cmd)
			if err != nil {
				return err
			}
			defer s.cancel()
			fp, err := certFingerprint(certPath)
			if err != nil {
				return err
			}
			_, err = s.submit(cmd, "cert revoked", &chain.CertRevoked{Cert: fp, Reason: chain.RevocationReason(reason)}, nil)
			return err
		},
	}
	o2.add(revoke)
	revoke.Flags().StringVar(&certPath, "cert", "signer.crt", "certificate to revoke (PEM): a signer certificate, an API credential ('cert issue --credential', or a genesis one), or a TLS certificate registered by 'cert issue --tls'")
	revoke.Flags().Uint32Var(&reason, "reason", 0, "RFC 5280 reason code")
	cmd.AddCommand(issue, revoke)
	return cmd
}

func certFingerprint(path string) (chain.Fingerprint, error) {
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		return chain.Fingerprint{}, err
	}
	c, err := signer.ParseCertificatePEM(pemBytes)
	if err != nil {
		return chain.Fingerprint{}, fmt.Errorf("%s: %w", path, err)
	}
	return chain.FingerprintOf(c.Raw), nil
}

func decodeHex32(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, errors.New("want 64 hex digits")
	}
	return b, nil
}

func hashFile(path string) (sm3sum, sha []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	h1, h2 := sm3.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(h1, h2), f); err != nil {
		return nil, nil, err
	}
	return h1.Sum(nil), h2.Sum(nil), nil
}

func newContractCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "contract", Short: "Create, sign and complete contracts"}
	var (
		oc                  orgFlags
		id, file, order, dl string
		parties             []string
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Open a contract over a file; the chain gets its SM3 and SHA-256 hashes, never the file",
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := oc.open(cmd)
			if err != nil {
				return err
			}
			defer s.cancel()
			body, err := contractBody(contractSpec{ID: id, File: file, Parties: parties, Order: order, Deadline: dl})
			if err != nil {
				return err
			}
			if _, err := s.submit(cmd, "contract created", body, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "document SM3 %x\ndocument SHA-256 %x\n", body.DocSM3, body.DocSHA256)
			return nil
		},
	}
	oc.add(create)
	create.Flags().StringVar(&id, "id", "", "contract id ([A-Za-z0-9._:-], up to 64)")
	create.Flags().StringVar(&file, "file", "", "the contract document (e.g. a PDF)")
	create.Flags().StringSliceVar(&parties, "party", nil, "a party: certificate file (PEM) or hex fingerprint; repeat in signing order")
	create.Flags().StringVar(&order, "order", "sequential", "sequential or parallel")
	create.Flags().StringVar(&dl, "deadline", "", "signing deadline, RFC 3339 (optional)")

	var (
		os_                          orgFlags
		sid, sfile, scert, skey, sdf string
		sealFile                     string
	)
	sign := &cobra.Command{
		Use:   "sign",
		Short: "Sign a contract's document as a party (after intent is verified)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := os_.open(cmd)
			if err != nil {
				return err
			}
			defer s.cancel()
			actor, err := client.LoadActor(scert, skey)
			if err != nil {
				return err
			}
			d3, _, err := hashFile(sfile)
			if err != nil {
				return err
			}
			body := &chain.ContractSigned{Contract: sid, DocSM3: d3}
			if sealFile != "" {
				// The seal used, by hash: an SESeal (DER) or its image.
				if body.Seal, _, err = hashFile(sealFile); err != nil {
					return err
				}
			}
			if sdf != "" {
				if body.SignedDocSM3, _, err = hashFile(sdf); err != nil {
					return err
				}
			}
			_, err = s.submit(cmd, "contract signed", body, actor)
			return err
		},
	}
	os_.add(sign)
	sign.Flags().StringVar(&sid, "contract", "", "contract id")
	sign.Flags().StringVar(&sfile, "file", "", "the contract document")
	sign.Flags().StringVar(&scert, "cert", "signer.crt", "the signer's certificate")
	sign.Flags().StringVar(&skey, "key", "signer.key", "the signer's private key")
	sign.Flags().StringVar(&sdf, "signed-file", "", "the signed output file, if any (its SM3 is recorded)")
	sign.Flags().StringVar(&sealFile, "seal", "", "the seal used (SESeal or image); its SM3 is recorded")

	var (
		ocomp orgFlags
		cid   string
	)
	complete := &cobra.Command{
		Use:   "complete",
		Short: "Close a contract every party has signed",
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := ocomp.open(cmd)
			if err != nil {
				return err
			}
			defer s.cancel()
			_, err = s.submit(cmd, "contract completed", &chain.ContractCompleted{Contract: cid}, nil)
			return err
		},
	}
	ocomp.add(complete)
	complete.Flags().StringVar(&cid, "contract", "", "contract id")
	cmd.AddCommand(create, newContractCreateBatchCmd(), sign, complete)
	return cmd
}

// contractSpec is one contract to create: the flags of `contract create`, or
// one line of `contract create-batch`'s JSONL.
type contractSpec struct {
	ID       string   `json:"id"`
	File     string   `json:"file"`
	Parties  []string `json:"parties"`
	Order    string   `json:"order"`
	Deadline string   `json:"deadline"`
}

// contractBody hashes the spec's document and builds its contract_created body.
func contractBody(c contractSpec) (*chain.ContractCreated, error) {
	d3, d2, err := hashFile(c.File)
	if err != nil {
		return nil, err
	}
	body := &chain.ContractCreated{Contract: c.ID, DocSM3: d3, DocSHA256: d2}
	switch c.Order {
	case "sequential", "":
		body.Order = chain.OrderSequential
	case "parallel":
		body.Order = chain.OrderParallel
	default:
		return nil, fmt.Errorf("order %q: want sequential or parallel", c.Order)
	}
	if c.Deadline != "" {
		t, err := time.Parse(time.RFC3339, c.Deadline)
		if err != nil {
			return nil, fmt.Errorf("deadline: %w", err)
		}
		body.Deadline = t.Unix()
	}
	for _, p := range c.Parties {
		fp, err := partyFingerprint(p)
		if err != nil {
			return nil, fmt.Errorf("party %s: %w", p, err)
		}
		body.Parties = append(body.Parties, fp)
	}
	return body, nil
}

func partyFingerprint(p string) (chain.Fingerprint, error) {
	if len(p) == 64 && !strings.ContainsAny(p, "./") {
		fp, err := signer.ParseFingerprint(p)
		return chain.Fingerprint(fp), err
	}
	return certFingerprint(p)
}

func newIntentCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "intent", Short: "Record a signer's verified intent"}
	var (
		o                   orgFlags
		id, cert, key, code string
	)
	otp := &cobra.Command{
		Use:   "otp",
		Short: "Verify intent with the node's development OTP verifier and record it (dev networks only)",
		Long: `Starts an OTP challenge for the signer on the contract, answers it (with --code, or
with the code the development verifier returns), and records the verifier's signed
attestation in an intent-verified record signed by the signer.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.cancel()
			actor, err := client.LoadActor(cert, key)
			if err != nil {
				return err
			}
			ch, err := s.c.StartOTP(s.ctx, id, actor.Cert.String())
			if err != nil {
				return err
			}
			answer := code
			if answer == "" {
				answer = ch.Code
			}
			at, err := s.c.VerifyOTP(s.ctx, ch.ChallengeID, id, actor.Cert.String(), answer)
			if err != nil {
				return err
			}
			chash, err := decodeHex32(at.ChallengeHash)
			if err != nil {
				return fmt.Errorf("attestation challenge hash: %w", err)
			}
			body := &chain.IntentVerified{Contract: id, Signer: actor.Cert, Method: chain.IntentSMSOTP,
				ChallengeHash: chash, VerifiedAt: at.VerifiedAtMS, VerifierCert: at.VerifierCert, VerifierSig: at.VerifierSig}
			_, err = s.submit(cmd, "intent verified", body, actor)
			return err
		},
	}
	o.add(otp)
	otp.Flags().StringVar(&id, "contract", "", "contract id")
	otp.Flags().StringVar(&cert, "cert", "signer.crt", "the signer's certificate")
	otp.Flags().StringVar(&key, "key", "signer.key", "the signer's private key")
	otp.Flags().StringVar(&code, "code", "", "the code the signer received (default: the dev verifier's)")
	cmd.AddCommand(otp)
	return cmd
}

func newEvidenceCmd() *cobra.Command {
	var (
		nodeURL, docHash, file, contractID, cert, out string
		timeout                                       time.Duration
		signHome, genesis                             string
		sinceSize                                     uint64
		tf                                            tlsFlags
	)
	cmd := &cobra.Command{
		Use:   "evidence",
		Short: "Fetch the evidence bundle for a file, a document hash, a contract or a certificate",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client.New(nodeURL, nil)
			if err != nil {
				return err
			}
			var sub *client.Submitter
			if signHome != "" {
				h := nodehome.Home(signHome)
				if sub, err = client.LoadSubmitter("", "", h.SubmitterCert(), h.SubmitterKey()); err != nil {
					return fmt.Errorf("--home: %w", err)
				}
			}
			if strings.HasPrefix(nodeURL, "https://") {
				if genesis == "" && signHome != "" {
					genesis = nodehome.Home(signHome).Genesis()
				}
				if genesis, err = defaultGenesis(genesis); err != nil {
					return &exitError{2, err}
				}
			}
			if err := tf.apply(c, nodeURL, genesis); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			if sub != nil {
				// A signed request names the chain: the genesis given or the
				// home's, else the node's own word (over the TLS just set up).
				chainID, err := signingChainID(ctx, c, genesis, nodehome.Home(signHome))
				if err != nil {
					return err
				}
				c.WithRequestSigner(chainID, sub.Cert, sub.Key)
			}
			key, value := "", ""
			switch {
			case file != "":
				d3, _, err := hashFile(file)
				if err != nil {
					return err
				}
				key, value = "doc_hash", fmt.Sprintf("%x", d3)
			case docHash != "":
				key, value = "doc_hash", docHash
			case contractID != "":
				key, value = "contract_id", contractID
			case cert != "":
				key, value = "cert", cert
			default:
				return &exitError{2, errors.New("give --file, --doc-hash, --contract or --cert")}
			}
			var extra []string
			if sinceSize > 0 {
				extra = []string{"since_size", fmt.Sprint(sinceSize)}
			}
			b, err := c.Evidence(ctx, key, value, extra...)
			if err != nil {
				return err
			}
			var probe struct {
				Records []json.RawMessage `json:"records"`
			}
			_ = json.Unmarshal(b, &probe)
			if out == "" || out == "-" {
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			if err := os.WriteFile(out, b, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d records, %d bytes\n", out, len(probe.Records), len(b))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&nodeURL, "node", "http://127.0.0.1:8080", "node API URL")
	f.StringVar(&file, "file", "", "a document: its SM3 is looked up")
	f.StringVar(&docHash, "doc-hash", "", "hex SM3 or SHA-256 of a document")
	f.StringVar(&contractID, "contract", "", "contract id")
	f.StringVar(&cert, "cert", "", "hex certificate fingerprint")
	f.StringVar(&out, "out", "bundle.json", "output file (- for stdout)")
	f.DurationVar(&timeout, "timeout", 60*time.Second, "how long to wait for the node")
	f.Uint64Var(&sinceSize, "since-size", 0, "include a consistency proof from this log size (one you already trust)")
	f.StringVar(&signHome, "home", "", "sign the request with this organisation's API credential (nodes with [api] auth = \"signed\")")
	f.StringVar(&genesis, "genesis", "", "https:// nodes: the genesis whose org CAs the node's certificate must chain to (default: --home's, else ./data/config/genesis.json)")
	tf.add(f)
	return cmd
}

func newStatusCmd() *cobra.Command {
	var nodeURL, genesis string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show a node's status",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client.New(nodeURL, nil)
			if err != nil {
				return err
			}
			if strings.HasPrefix(nodeURL, "https://") {
				if genesis, err = defaultGenesis(genesis); err != nil {
					return &exitError{2, err}
				}
				if err := (&tlsFlags{}).apply(c, nodeURL, genesis); err != nil {
					return err
				}
			}
			st, err := c.Status(cmd.Context())
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(st)
		},
	}
	cmd.Flags().StringVar(&nodeURL, "node", "http://127.0.0.1:8080", "node API URL")
	cmd.Flags().StringVar(&genesis, "genesis", "", "https:// nodes: the genesis whose org CAs the node's certificate must chain to (default ./data/config/genesis.json)")
	return cmd
}

// signingChainID is the chain id a signed request names: genesis's (a
// file), else the home's genesis, else the node's status.
func signingChainID(ctx context.Context, c *client.Client, genesis string, h nodehome.Home) (string, error) {
	for _, p := range []string{genesis, h.Genesis()} {
		if p == "" {
			continue
		}
		if id, err := genesisChainID(p); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return id, err
		}
	}
	st, err := c.Status(ctx)
	if err != nil {
		return "", fmt.Errorf("chain id for signing requests: %w", err)
	}
	id, _ := st["chain_id"].(string)
	if id == "" {
		return "", errors.New("chain id for signing requests: the node's status names none; give --genesis")
	}
	return id, nil
}

// genesisChainID reads a genesis file's chain_id.
func genesisChainID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("chain id for signing requests: %w", err)
	}
	var g struct {
		ChainID string `json:"chain_id"`
	}
	if err := json.Unmarshal(b, &g); err != nil || g.ChainID == "" {
		return "", fmt.Errorf("chain id for signing requests: %s has no chain_id", path)
	}
	return g.ChainID, nil
}
