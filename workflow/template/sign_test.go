package template

import (
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
)

// TestSignIntoAreas signs a rendered contract in each party's area with
// signer/pdf, the way the workflow does, and checks both signatures.
func TestSignIntoAreas(t *testing.T) {
	tpl, err := Builtin("service_agreement")
	require.NoError(t, err)
	doc, err := tpl.Render(serviceValues())
	require.NoError(t, err)

	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	require.NoError(t, err)
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: "platform", OrgName: "Platform", Role: "platform",
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}, nil)
	require.NoError(t, err)
	out := doc.PDF
	for _, a := range doc.Areas {
		k, err := signer.GenerateKey(signer.AlgSM2, nil)
		require.NoError(t, err)
		cert, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "sc-" + a.Role, Usage: signer.UsageSigner,
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}, nil)
		require.NoError(t, err)
		out, err = pdf.Sign(out, pdf.SignOptions{Key: k, Cert: cert, Page: a.Page, Rect: [4]float64{a.X, a.Y, a.W, a.H},
			Name: a.Role, Time: now})
		require.NoError(t, err, a.Role)
	}
	rep, err := pdf.Verify(out, pdf.VerifyOptions{Roots: []*smx509.Certificate{ca.Cert}})
	require.NoError(t, err)
	require.Equal(t, pdf.TotalPassed, rep.Indication)
}
