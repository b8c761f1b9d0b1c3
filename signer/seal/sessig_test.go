package seal

import (
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/signer"
)

func TestSESSignatureBothAlgorithms(t *testing.T) {
	for _, alg := range []signer.Algorithm{signer.AlgSM2, signer.AlgECDSAP256} {
		t.Run(alg.String(), func(t *testing.T) {
			fx := newFixture(t, alg, "org1")
			sealDER := fx.make(t)
			// The signer: the fixture's listed certificate needs its key,
			// so list a fresh one instead.
			key, err := signer.GenerateKey(alg, nil)
			require.NoError(t, err)
			cert, err := fx.ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: "sc:s", Usage: signer.UsageSigner, NotBefore: caFrom, NotAfter: caUntil}, nil)
			require.NoError(t, err)
			info := fx.info(t)
			info.SignerCerts = [][]byte{cert}
			sealDER, err = Make(info, fx.ca.Key, fx.ca.Cert.Raw, nil)
			require.NoError(t, err)
			data := []byte("<Signature/>")
			h := sm3.Sum(data)
			der, err := MakeSESSignature(SignatureInfo{Seal: sealDER, SignerCert: cert, Time: atGood.Add(1500 * time.Millisecond), DataHash: h[:], PropertyInfo: "/Doc_0/Signs/Sign_0/Signature.xml"}, key, nil)
			require.NoError(t, err)
			s, err := ParseSESSignature(der)
			require.NoError(t, err)
			require.Equal(t, atGood.Add(time.Second), s.Time, "truncated to the second")
			require.Empty(t, s.Tolerated)
			roots := []*smx509.Certificate{fx.ca.Cert}
			rep, err := s.Verify(data, roots, roots, time.Time{})
			require.NoError(t, err, "%+v", rep)
			require.True(t, rep.Seal.OK())
			// After the seal's validEnd, at the caller's time.
			_, err = s.Verify(data, roots, roots, sealTo.Add(time.Hour))
			require.ErrorIs(t, err, ErrSealInvalid)
			// No roots: untrusted signer and seal.
			_, err = s.Verify(data, nil, nil, time.Time{})
			require.ErrorIs(t, err, ErrSignerUntrusted)
			require.ErrorIs(t, err, ErrSealInvalid)
		})
	}
}

func TestSESSignatureTimes(t *testing.T) {
	var tol []string
	got, err := textTime("2020-01-25T07:31:56.377Z", &tol)
	require.NoError(t, err)
	require.Equal(t, time.Date(2020, 1, 25, 7, 31, 56, 377e6, time.UTC), got)
	require.Empty(t, tol)
	got, err = textTime("2020-07-16 16:05:36", &tol)
	require.NoError(t, err)
	require.Equal(t, time.Date(2020, 7, 16, 8, 5, 36, 0, time.UTC), got)
	require.Len(t, tol, 1)
	got, err = textTime("yesterday", &tol)
	require.NoError(t, err)
	require.True(t, got.IsZero())
	require.Len(t, tol, 2)
	_, note, err := generalizedTime("20201010071120.5Z")
	require.NoError(t, err)
	require.NotEmpty(t, note)
	_, _, err = generalizedTime("20201010071120+0800")
	require.Error(t, err)
}
