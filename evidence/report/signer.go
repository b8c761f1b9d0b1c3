package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/sealchain/sealchain/signer"
)

// IssuerSigner has the issuing organisation's CA issue a one-day signer
// certificate for a fresh key, to sign one report: a CA certificate cannot
// sign documents itself (it lacks the signer usage).
func IssuerSigner(ca *signer.CA, orgID string, now time.Time) (*signer.PrivateKey, []byte, error) {
	key, err := signer.GenerateKey(ca.Key.Algorithm(), nil)
	if err != nil {
		return nil, nil, err
	}
	nb, na := now.Add(-time.Minute), now.Add(24*time.Hour)
	if nb.Before(ca.Cert.NotBefore) {
		nb = ca.Cert.NotBefore
	}
	if na.After(ca.Cert.NotAfter) {
		na = ca.Cert.NotAfter
	}
	ref := issuerSignerRef(orgID)
	der, err := ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: ref, Usage: signer.UsageSigner, NotBefore: nb, NotAfter: na}, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("issue report signer certificate: %w", err)
	}
	return key, der, nil
}

// issuerSignerRef is the subject common name IssuerSigner gives the
// certificates it issues for organisation orgID: VerifyDocument requires
// it, so that no other certificate of the organisation's CA (an end
// user's, say) can sign a document in the organisation's name.
func issuerSignerRef(orgID string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(":._-", r) {
			return r
		}
		return '_'
	}, orgID) + ":report-signer"
}

// subjectCNs are the CN values of a subject name in its RFC 2253 string
// form (pkix.Name.String), split at unescaped commas.
func subjectCNs(subject string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(subject); i++ {
		if i < len(subject) && (subject[i] != ',' || (i > 0 && subject[i-1] == '\\')) {
			continue
		}
		if rdn := subject[start:i]; strings.HasPrefix(rdn, "CN=") {
			out = append(out, rdn[3:])
		}
		start = i + 1
	}
	return out
}
