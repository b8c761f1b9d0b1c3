package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/signer"
)

// newOrgHome writes a home with keys/ca.crt for org notary-2 and, if
// withCred, keys/submitter.crt issued by it.
func newOrgHome(t *testing.T, withCred bool) string {
	t.Helper()
	home := t.TempDir()
	keys := filepath.Join(home, "keys")
	if err := os.MkdirAll(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: "notary-2", OrgName: "notary-2 org", Role: "notary",
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(keys, "ca.crt"), signer.EncodeCertificatePEM(ca.Cert.Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	if withCred {
		k, err := signer.GenerateKey(signer.AlgSM2, nil)
		if err != nil {
			t.Fatal(err)
		}
		der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "notary-2-submitter", Usage: signer.UsageSubmitter,
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(keys, "submitter.crt"), signer.EncodeCertificatePEM(der), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

// TestGovProposeRegisterOrgCredential: register-org without the new org's
// keys/submitter.crt fails with a message naming the file and the way out
// (--no-credential), before any node is contacted. The old code skipped the
// missing file silently and proposed an org that could never submit.
func TestGovProposeRegisterOrgCredential(t *testing.T) {
	withCred, without := newOrgHome(t, true), newOrgHome(t, false)
	tests := []struct {
		name         string
		home         string
		noCredential bool
		creds        int
		wantErr      []string
	}{
		{name: "credential present", home: withCred, creds: 1},
		{name: "credential missing", home: without, wantErr: []string{"submitter.crt", "--no-credential", `"notary-2"`}},
		{name: "credential missing, allowed", home: without, noCredential: true},
		{name: "credential present, not wanted", home: withCred, noCredential: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, creds, err := orgProposal(tc.home, tc.noCredential)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("accepted with %d credentials", len(creds))
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.ID != "notary-2" || len(creds) != tc.creds {
				t.Fatalf("org %q with %d credentials, want notary-2 with %d", o.ID, len(creds), tc.creds)
			}
		})
	}
	// Through the command: it fails on the missing credential, not later
	// (no node listens on port 1, and the member's home is empty).
	out, err := execute(t, "gov", "propose", "--id", "org-notary-2", "--kind", "register-org", "--org-home", without,
		"--home", t.TempDir(), "--node", "http://127.0.0.1:1", "--timeout", "2s")
	if err == nil || !strings.Contains(err.Error(), "submitter.crt") || !strings.Contains(err.Error(), "--no-credential") {
		t.Fatalf("gov propose without a credential: err %v, output %q", err, out)
	}
}

// TestGovProposeUpgradeNeedsPlan: schedule-upgrade and cancel-upgrade
// without the plan's version, height and name fail as bad usage before any
// node is contacted.
func TestGovProposeUpgradeNeedsPlan(t *testing.T) {
	for _, kind := range []string{"schedule-upgrade", "cancel-upgrade"} {
		out, err := execute(t, "gov", "propose", "--id", "up", "--kind", kind, "--rules-version", "2", "--upgrade-name", "v2",
			"--home", t.TempDir(), "--node", "http://127.0.0.1:1", "--timeout", "2s")
		if err == nil || !strings.Contains(err.Error(), "--height") {
			t.Fatalf("%s without --height: err %v, output %q", kind, err, out)
		}
	}
}
