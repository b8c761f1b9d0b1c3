package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
)

// identityFile is what `identity verify` leaves with the person: the salt
// and fields that open the on-chain commitment. It holds personal data and
// is written 0600; it never goes to the chain.
type identityFile struct {
	IdentityRef string   `json:"identity_ref"`
	Salt        string   `json:"salt"`
	Subject     string   `json:"subject"`
	Method      string   `json:"method"`
	Fields      []string `json:"fields"`
}

func loadIdentity(path string) (*identityFile, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var id identityFile
	if err := json.Unmarshal(data, &id); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	salt, err := hex.DecodeString(id.Salt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: salt: %w", path, err)
	}
	ref, err := signer.IdentityCommitment(salt, id.Fields...)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if hex.EncodeToString(ref[:]) != id.IdentityRef {
		return nil, nil, fmt.Errorf("%s: identity_ref does not open with the salt and fields", path)
	}
	return &id, ref[:], nil
}

func newIdentityCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "identity", Short: "Real-name identity verification (only a salted SM3 commitment goes on chain)"}
	var (
		o                           orgFlags
		name, idNumber, phone, out  string
		company, creditCode, method string
	)
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Verify a person or a company with the development verifier and record the commitment",
		Long: `Computes a salted SM3 commitment of the identity (a person's name, ID number and
phone, or a company's name and unified social credit code), has the node's
development verifier attest it, and records an identity-verified record. The
salt and the fields are written to --out (mode 0600) and never leave this machine:
with them the commitment can be opened in court. Certificates issued with
'cert issue --identity FILE' carry the commitment.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id := identityFile{Subject: "person", Method: method}
			switch {
			case company != "" && creditCode != "":
				id.Subject, id.Fields = "enterprise", []string{company, creditCode}
				if id.Method == "carrier_3factor" {
					id.Method = "bank_transfer"
				}
			case name != "" && idNumber != "" && phone != "":
				id.Fields = []string{name, idNumber, phone}
			default:
				return &exitError{2, errors.New("give --name, --id-number and --phone, or --company and --credit-code")}
			}
			m, err := chain.ParseIdentityMethod(id.Method)
			if err != nil {
				return &exitError{2, err}
			}
			salt, err := signer.NewIdentitySalt(nil)
			if err != nil {
				return err
			}
			ref, err := signer.IdentityCommitment(salt, id.Fields...)
			if err != nil {
				return err
			}
			id.Salt, id.IdentityRef = hex.EncodeToString(salt), hex.EncodeToString(ref[:])
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.cancel()
			at, err := s.c.AttestIdentity(s.ctx, id.IdentityRef, id.Subject, id.Method)
			if err != nil {
				return err
			}
			subject := chain.SubjectPerson
			if id.Subject == "enterprise" {
				subject = chain.SubjectEnterprise
			}
			body := &chain.IdentityVerified{IdentityRef: ref[:], Subject: subject, Method: m,
				VerifiedAt: at.VerifiedAtMS, VerifierCert: at.VerifierCert, VerifierSig: at.VerifierSig}
			data, _ := json.MarshalIndent(id, "", "  ")
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			if _, err := f.Write(data); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			if _, err := s.submit(cmd, "identity verified", body, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "identity commitment %s (salt and fields in %s, mode 0600)\n", id.IdentityRef, out)
			return nil
		},
	}
	o.add(verify)
	f := verify.Flags()
	f.StringVar(&name, "name", "", "person's name")
	f.StringVar(&idNumber, "id-number", "", "person's ID number")
	f.StringVar(&phone, "phone", "", "person's phone")
	f.StringVar(&company, "company", "", "company's registered name")
	f.StringVar(&creditCode, "credit-code", "", "company's unified social credit code")
	f.StringVar(&method, "method", "carrier_3factor", "face, carrier_3factor, bank_transfer, legal_rep_authorisation, business_registration, agent_check")
	f.StringVar(&out, "out", "identity.json", "where to keep the salt and fields (created, 0600)")
	cmd.AddCommand(verify)
	return cmd
}
