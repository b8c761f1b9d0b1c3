package node

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/chainapi"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// loadServerCert reads the API's TLS certificate and key ([api]
// tls_cert_file, tls_key_file; relative to home) and checks the certificate
// is one clients will accept: issued for serverAuth by a genesis
// organisation's CA and valid now.
func loadServerCert(home nodehome.Home, api config.API, orgs []*chain.Org, now time.Time) (tls.Certificate, error) {
	certFile, keyFile := home.Resolve(api.TLSCertFile), home.Resolve(api.TLSKeyFile)
	if _, err := signer.LoadPrivateKey(keyFile); err != nil { // the 0600 check crypto/tls does not make
		return tls.Certificate{}, &config.KeyError{Key: "api.tls_key_file", Err: err}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, &config.KeyError{Key: "api.tls_cert_file", Err: err}
	}
	if len(cert.Certificate) != 1 {
		// crypto/x509 on the client side cannot parse an SM2 CA certificate.
		return tls.Certificate{}, &config.KeyError{Key: "api.tls_cert_file", Err: fmt.Errorf("%s holds %d certificates; give the leaf only", certFile, len(cert.Certificate))}
	}
	leaf, err := smx509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return tls.Certificate{}, &config.KeyError{Key: "api.tls_cert_file", Err: err}
	}
	cas, _ := chainapi.OrgCAs(orgs)
	if _, err := signer.VerifyTLS(leaf, cas, now, signer.TLSServer); err != nil {
		return tls.Certificate{}, &config.KeyError{Key: "api.tls_cert_file", Err: err}
	}
	return cert, nil
}

// APIURL is the API's base URL: https:// when it serves TLS.
func (n *Node) APIURL() string {
	if n.cfg.API.TLS() {
		return "https://" + n.APIAddr()
	}
	return "http://" + n.APIAddr()
}
