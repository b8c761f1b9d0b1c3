package chain_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// TestParseGenesisStrict: each certificate of app_state is exactly one PEM
// block (whitespace around it allowed), and no two organisations share a CA
// subject name or a CA key. On the old code pem.Decode dropped whatever
// followed the first block, and a second org with another org's CA subject
// could never authenticate (lookups stop at the first subject match).
func TestParseGenesisStrict(t *testing.T) {
	net := fixture.New(t, "genesis-test", fixture.Role{ID: "platform", Role: chain.RolePlatform}, fixture.Role{ID: "court", Role: chain.RoleCourt})
	pemOf := func(der []byte) string { return string(signer.EncodeCertificatePEM(der)) }
	court := net.Orgs[1]
	// Another CA named exactly as the court's (same org id, name and role),
	// with its own key; and a CA with the court CA's key and another name.
	twin := fixture.New(t, "genesis-test", fixture.Role{ID: "court", Role: chain.RoleCourt}).Orgs[0]
	sameKey, err := signer.NewCA(court.CA.Key, signer.CAOptions{OrgID: "court-2", OrgName: "court-2 org", Role: "court",
		NotBefore: fixture.Epoch.Add(-time.Hour), NotAfter: fixture.Epoch.AddDate(10, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(gs *chain.GenesisState)
		want []string // substrings of the error; none: accepted
	}{
		{name: "as generated", edit: func(*chain.GenesisState) {}},
		{name: "whitespace around the PEM blocks", edit: func(gs *chain.GenesisState) {
			gs.Orgs[1].Credentials[0] = "\n  " + gs.Orgs[1].Credentials[0] + "\r\n\n"
			gs.Orgs[1].CACert = "\t" + gs.Orgs[1].CACert + " \n"
		}},
		{name: "two certificates in one credential", want: []string{"orgs[1].credentials[0]", `"court"`, "after the PEM certificate"}, edit: func(gs *chain.GenesisState) {
			gs.Orgs[1].Credentials[0] += pemOf(court.VerifierCert)
		}},
		{name: "text after a credential", want: []string{"orgs[1].credentials[0]", `"court"`, "after the PEM certificate"}, edit: func(gs *chain.GenesisState) {
			gs.Orgs[1].Credentials[0] += "trailing words\n"
		}},
		{name: "text before a credential", want: []string{"orgs[0].credentials[0]", `"platform"`, "before the PEM block"}, edit: func(gs *chain.GenesisState) {
			gs.Orgs[0].Credentials[0] = "note: " + gs.Orgs[0].Credentials[0]
		}},
		{name: "a PEM header in a credential", want: []string{"orgs[0].credentials[0]", "headers"}, edit: func(gs *chain.GenesisState) {
			gs.Orgs[0].Credentials[0] = strings.Replace(gs.Orgs[0].Credentials[0], "-----\n", "-----\nNote: x\n\n", 1)
		}},
		{name: "text after a CA certificate", want: []string{"orgs[1].ca_cert", `"court"`, "after the PEM certificate"}, edit: func(gs *chain.GenesisState) {
			gs.Orgs[1].CACert += pemOf(twin.CA.Cert.Raw)
		}},
		{name: "text after a verifier certificate", want: []string{"verifiers[1].cert", "after the PEM certificate"}, edit: func(gs *chain.GenesisState) {
			gs.Verifiers[1].Cert += "x"
		}},
		{name: "two CAs with one subject", want: []string{"orgs[2].ca_cert", "subject", "orgs[1]", `"court"`}, edit: func(gs *chain.GenesisState) {
			gs.Orgs = append(gs.Orgs, chain.GenesisOrg{ID: "court-2", Name: "court-2 org", Role: "court", Weight: 1,
				CACert: pemOf(twin.CA.Cert.Raw), Credentials: []string{pemOf(twin.Submitter.Cert)}})
		}},
		{name: "two CAs with one key", want: []string{"orgs[2].ca_cert", "key", "orgs[1]", `"court"`}, edit: func(gs *chain.GenesisState) {
			gs.Orgs = append(gs.Orgs, chain.GenesisOrg{ID: "court-2", Name: "court-2 org", Role: "court", Weight: 1,
				CACert: pemOf(sameKey.Cert.Raw)})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var gs chain.GenesisState
			if err := json.Unmarshal(net.GenesisState(t), &gs); err != nil {
				t.Fatal(err)
			}
			tc.edit(&gs)
			raw, err := json.Marshal(gs)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = chain.ParseGenesisState(raw)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted; want an error naming %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestGenesisRoleNeedsRulesVersion: an organisation with the appraisal role
// needs a genesis rules_version of 3 or later (chain.Role.Since).
func TestGenesisRoleNeedsRulesVersion(t *testing.T) {
	net := fixture.New(t, "genesis-test", fixture.Role{ID: "court", Role: chain.RoleCourt}, fixture.Role{ID: "appraisal", Role: chain.RoleAppraisal})
	for _, tc := range []struct {
		version uint32
		ok      bool
	}{{0, false}, {chain.InitialRulesVersion, false}, {chain.BatchRulesVersion, false}, {chain.CaseRulesVersion, true}} {
		var gs chain.GenesisState
		if err := json.Unmarshal(net.GenesisState(t), &gs); err != nil {
			t.Fatal(err)
		}
		gs.RulesVersion = tc.version
		raw, err := json.Marshal(gs)
		if err != nil {
			t.Fatal(err)
		}
		_, orgs, err := chain.ParseGenesisState(raw)
		switch {
		case tc.ok && err != nil:
			t.Errorf("rules_version %d: refused: %v", tc.version, err)
		case tc.ok && orgs[1].Role != chain.RoleAppraisal:
			t.Errorf("rules_version %d: org role %q", tc.version, orgs[1].Role)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), "orgs[1].role") || !strings.Contains(err.Error(), "rules_version 3")):
			t.Errorf("rules_version %d: error %v, want one naming orgs[1].role and rules_version 3", tc.version, err)
		}
	}
}
