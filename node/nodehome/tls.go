package nodehome

import (
	"fmt"
	"io"
	"net"
	"os"

	"github.com/sealchain/sealchain/signer"
)

// Where `sealchain init --tls-host` puts the API's TLS certificate and key,
// relative to the home.
const (
	TLSCertPath = "keys/tls.crt"
	TLSKeyPath  = "keys/tls.key"
)

// IssueTLSFiles creates an ECDSA P-256 key and a TLS certificate for it
// issued by ca, and writes them as PEM: the key to keyPath (mode 0600), the
// certificate, the leaf alone, to certPath. hosts (DNS names or IP
// addresses) go into the certificate's subject alternative names.
func IssueTLSFiles(ca *signer.CA, certPath, keyPath string, opts signer.TLSOptions, hosts []string, rand io.Reader) error {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			opts.IPAddresses = append(opts.IPAddresses, ip)
		} else {
			opts.DNSNames = append(opts.DNSNames, h)
		}
	}
	k, err := signer.GenerateKey(signer.AlgECDSAP256, rand)
	if err != nil {
		return err
	}
	der, err := ca.IssueTLS(k.Public(), opts, rand)
	if err != nil {
		return fmt.Errorf("issue TLS %s certificate: %w", opts.Role, err)
	}
	if err := signer.SavePrivateKey(keyPath, k); err != nil {
		return err
	}
	return os.WriteFile(certPath, signer.EncodeCertificatePEM(der), 0o644)
}
