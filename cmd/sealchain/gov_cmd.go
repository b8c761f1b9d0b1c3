package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/privval"
	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
)

func newGovCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gov",
		Short: "Governance: propose and vote on organisations, validators and intent verifiers",
		Long: `A change to the network (a new organisation, a validator added, re-weighted or
removed, a new intent verifier) is a proposal that takes effect when organisations
holding more than 2/3 of the org weight vote yes. The proposing organisation's vote
counts yes. Validator changes reach CometBFT two heights after the deciding block.
A schedule-upgrade proposal switches the chain's rules version at a height; every
node needs a binary that supports the version by then (docs/operations.md).`,
	}
	var (
		po                                orgFlags
		id, kind, orgHome, pubkey, valOrg string
		power                             int64
		verifierCert                      string
		credCerts                         []string
		expires                           time.Duration
		noCredential                      bool
		plan                              chain.UpgradePlan
	)
	propose := &cobra.Command{
		Use:   "propose",
		Short: "Make a proposal (--kind register-org | set-validator | register-verifier | register-credentials | schedule-upgrade | cancel-upgrade)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := &chain.Proposal{ID: id}
			if expires > 0 {
				p.Expires = time.Now().Add(expires).Unix()
			}
			switch kind {
			case "register-org":
				p.Kind = chain.ProposalRegisterOrg
				o, creds, err := orgProposal(orgHome, noCredential)
				if err != nil {
					return err
				}
				p.Org, p.Credentials = o, creds
			case "set-validator":
				p.Kind = chain.ProposalSetValidator
				key, err := validatorKey(pubkey, orgHome)
				if err != nil {
					return err
				}
				p.Validator = &chain.ValidatorChange{PubKey: key, Power: power, Org: valOrg}
			case "register-verifier":
				p.Kind = chain.ProposalRegisterVerifier
				pemBytes, err := os.ReadFile(verifierCert)
				if err != nil {
					return err
				}
				c, err := signer.ParseCertificatePEM(pemBytes)
				if err != nil {
					return fmt.Errorf("--verifier-cert: %w", err)
				}
				p.VerifierCert = c.Raw
			case "register-credentials":
				p.Kind = chain.ProposalRegisterCredentials
				if len(credCerts) == 0 {
					return &exitError{2, errors.New("register-credentials needs --credential-cert")}
				}
				for _, path := range credCerts {
					pemBytes, err := os.ReadFile(path)
					if err != nil {
						return err
					}
					c, err := signer.ParseCertificatePEM(pemBytes)
					if err != nil {
						return fmt.Errorf("--credential-cert %s: %w", path, err)
					}
					p.Credentials = append(p.Credentials, c.Raw)
				}
			case "schedule-upgrade", "cancel-upgrade":
				p.Kind = chain.ProposalScheduleUpgrade
				if kind == "cancel-upgrade" {
					p.Kind = chain.ProposalCancelUpgrade
				}
				if plan.Version == 0 || plan.Height == 0 || plan.Name == "" {
					return &exitError{2, fmt.Errorf("%s needs --rules-version, --height and --upgrade-name", kind)}
				}
				up := plan
				p.Upgrade = &up
			default:
				return &exitError{2, fmt.Errorf("--kind %q: want register-org, set-validator, register-verifier, register-credentials, schedule-upgrade or cancel-upgrade", kind)}
			}
			s, err := po.open(cmd)
			if err != nil {
				return err
			}
			defer s.cancel()
			_, err = s.submit(cmd, "proposal "+id, p, nil)
			return err
		},
	}
	po.add(propose)
	f := propose.Flags()
	f.StringVar(&id, "id", "", "proposal id")
	f.StringVar(&kind, "kind", "", "register-org, set-validator, register-verifier, register-credentials, schedule-upgrade or cancel-upgrade")
	f.Uint32Var(&plan.Version, "rules-version", 0, "schedule-upgrade, cancel-upgrade: the rules version the plan switches to")
	f.Int64Var(&plan.Height, "height", 0, "schedule-upgrade, cancel-upgrade: the first height under the new rules (at least 100 above the height where the proposal passes)")
	f.StringVar(&plan.Name, "upgrade-name", "", "schedule-upgrade, cancel-upgrade: the plan's name, an identifier")
	f.StringVar(&plan.Info, "upgrade-info", "", "schedule-upgrade, cancel-upgrade: where to get the binary and its checksum (optional; a cancel names the plan exactly, info included)")
	f.StringArrayVar(&credCerts, "credential-cert", nil, "register-credentials: an API credential (PEM, submitter usage) of one registered organisation, for an organisation that has no usable credential left (repeatable)")
	f.StringVar(&orgHome, "org-home", "", "register-org: the new organisation's home (its config and keys/ca.crt); set-validator: a home whose validator key to use")
	f.BoolVar(&noCredential, "no-credential", false, "register-org: register the organisation without its keys/submitter.crt (it can then submit nothing until a register-credentials proposal passes)")
	f.StringVar(&pubkey, "pubkey", "", "set-validator: ed25519 public key, base64 (default: from --org-home)")
	f.Int64Var(&power, "power", 10, "set-validator: voting power (0 removes the validator)")
	f.StringVar(&valOrg, "validator-org", "", "set-validator: the organisation running the validator")
	f.StringVar(&verifierCert, "verifier-cert", "", "register-verifier: the verifier's certificate (PEM)")
	f.DurationVar(&expires, "expires", 0, "refuse votes after this long (0: never)")

	var (
		vo     orgFlags
		vid    string
		voteNo bool
	)
	vote := &cobra.Command{
		Use:   "vote",
		Short: "Vote on a proposal as this home's organisation (yes unless --no)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := vo.open(cmd)
			if err != nil {
				return err
			}
			defer s.cancel()
			v := &chain.Vote{Proposal: vid, Choice: chain.VoteYes}
			if voteNo {
				v.Choice = chain.VoteNo
			}
			if _, err := s.submit(cmd, "vote on "+vid, v, nil); err != nil {
				return err
			}
			b, err := s.c.Get(s.ctx, "/v1/proposals/"+vid)
			if err != nil {
				return err
			}
			var st struct {
				Status string   `json:"status"`
				Yes    []string `json:"yes"`
				No     []string `json:"no"`
			}
			_ = json.Unmarshal(b, &st)
			fmt.Fprintf(cmd.OutOrStdout(), "proposal %s: %s (yes %v, no %v)\n", vid, st.Status, st.Yes, st.No)
			return nil
		},
	}
	vo.add(vote)
	vote.Flags().StringVar(&vid, "id", "", "proposal id")
	vote.Flags().BoolVar(&voteNo, "no", false, "vote no")

	var showVal string
	show := &cobra.Command{
		Use:   "show-validator",
		Short: "Print a home's validator public key (base64) for a set-validator proposal",
		RunE: func(cmd *cobra.Command, _ []string) error {
			key, err := validatorKey("", showVal)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), base64.StdEncoding.EncodeToString(key))
			return nil
		},
	}
	show.Flags().StringVar(&showVal, "home", "./data", "node home")
	cmd.AddCommand(propose, vote, show)
	return cmd
}

// validatorKey returns an ed25519 key from base64 or from a home's validator key file.
func validatorKey(b64, home string) ([]byte, error) {
	if b64 != "" {
		k, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(k) != 32 {
			return nil, errors.New("--pubkey: want a base64 ed25519 public key (32 bytes)")
		}
		return k, nil
	}
	if home == "" {
		return nil, errors.New("give --pubkey or --org-home")
	}
	data, err := os.ReadFile(filepath.Join(home, "config", "priv_validator_key.json"))
	if err != nil {
		return nil, err
	}
	var key privval.FilePVKey
	if err := cmtjson.Unmarshal(data, &key); err != nil {
		return nil, fmt.Errorf("validator key of %s: %w", home, err)
	}
	if key.PubKey.Type() != "ed25519" {
		return nil, fmt.Errorf("validator key of %s is %s, want ed25519", home, key.PubKey.Type())
	}
	return key.PubKey.Bytes(), nil
}

// orgFromHome reads a new organisation's identity from its home: the org id,
// role and name from the CA certificate's subject, the CA certificate itself.
// orgProposal reads a register-org proposal's organisation and, unless
// noCredential, its node's API credential (keys/submitter.crt), so that the
// org can submit once registered. A missing credential is an error: an org
// registered without one can submit nothing, not even a vote.
func orgProposal(home string, noCredential bool) (*chain.Org, [][]byte, error) {
	o, err := orgFromHome(home)
	if err != nil {
		return nil, nil, err
	}
	if noCredential {
		return o, nil, nil
	}
	path := filepath.Join(home, "keys", "submitter.crt")
	pemBytes, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("--org-home %s: no API credential at %s: organisation %q would be registered unable to submit anything; "+
			"give its home a keys/submitter.crt (sealchain init writes one), or pass --no-credential and register one later with --kind register-credentials",
			home, path, o.ID)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("--org-home credential: %w", err)
	}
	c, err := signer.ParseCertificatePEM(pemBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("--org-home credential %s: %w", path, err)
	}
	return o, [][]byte{c.Raw}, nil
}

func orgFromHome(home string) (*chain.Org, error) {
	if home == "" {
		return nil, errors.New("register-org needs --org-home")
	}
	pemBytes, err := os.ReadFile(filepath.Join(home, "keys", "ca.crt"))
	if err != nil {
		return nil, err
	}
	c, err := signer.ParseCertificatePEM(pemBytes)
	if err != nil {
		return nil, err
	}
	if len(c.Subject.Organization) == 0 || len(c.Subject.OrganizationalUnit) == 0 {
		return nil, fmt.Errorf("%s: CA subject lacks O (name) or OU (role)", home)
	}
	id := c.Subject.CommonName
	if n := len(id); n > 3 && id[n-3:] == " CA" {
		id = id[:n-3]
	}
	o := &chain.Org{ID: id, Name: c.Subject.Organization[0], Role: chain.Role(c.Subject.OrganizationalUnit[0]), CACert: c.Raw, Weight: 1}
	return o, o.Validate()
}
