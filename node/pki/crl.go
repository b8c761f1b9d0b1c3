package pki

import (
	"crypto/x509"
	"io"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

type x509RevokedEntry struct {
	serial *big.Int
	at     time.Time
	reason int
}

// crlLifetime is how long a CRL is stated to be current: clients fetch a
// new one after it (the chain may revoke at any block).
const crlLifetime = time.Hour

func makeCRL(ca *signer.CA, entries []x509RevokedEntry, number *big.Int, thisUpdate, now time.Time, rand io.Reader) ([]byte, error) {
	tmpl := &x509.RevocationList{
		Number:     number,
		ThisUpdate: thisUpdate.UTC().Truncate(time.Second),
		NextUpdate: now.UTC().Truncate(time.Second).Add(crlLifetime),
	}
	for _, e := range entries {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: e.serial, RevocationTime: e.at.UTC().Truncate(time.Second), ReasonCode: e.reason,
		})
	}
	return smx509.CreateRevocationList(rand, tmpl, ca.Cert, ca.Key.Signer())
}
