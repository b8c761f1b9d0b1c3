package chainapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/internal/testport"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// tlsPKI is three registered organisations (a court and two platforms) in a
// committed store, and a CA that is not registered.
type tlsPKI struct {
	dir   string
	now   time.Time
	store *store.Store
	cas   map[string]*signer.CA // by org id; "rogue" is not in the store
}

func newTLSPKI(t testing.TB) *tlsPKI {
	t.Helper()
	p := &tlsPKI{dir: t.TempDir(), now: time.Now(), cas: map[string]*signer.CA{}}
	st, err := store.Open(filepath.Join(p.dir, "store"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p.store = st
	b := st.NewBlock(0, p.now.Add(-time.Hour))
	for _, o := range []struct {
		id   string
		role chain.Role
	}{{"court", chain.RoleCourt}, {"platform", chain.RolePlatform}, {"platform-2", chain.RolePlatform}, {"rogue", chain.RoleCourt}} {
		k, err := signer.GenerateKey(signer.AlgSM2, nil)
		if err != nil {
			t.Fatal(err)
		}
		ca, err := signer.NewCA(k, signer.CAOptions{OrgID: o.id, OrgName: o.id + " org", Role: string(o.role),
			NotBefore: p.now.Add(-24 * time.Hour), NotAfter: p.now.AddDate(1, 0, 0)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.cas[o.id] = ca
		if o.id != "rogue" {
			if err := b.PutOrg(&chain.Org{ID: o.id, Name: o.id + " org", Role: o.role, CACert: ca.Cert.Raw, Weight: 1}); err != nil {
				t.Fatal(err)
			}
		}
	}
	p.commit(t, b)
	return p
}

func (p *tlsPKI) commit(t testing.TB, b *store.Block) {
	t.Helper()
	if _, err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := p.store.Commit(b); err != nil {
		t.Fatal(err)
	}
}

// revoke records cert as revoked a minute ago, as cert_revoked would.
func (p *tlsPKI) revoke(t *testing.T, org string, der []byte) {
	t.Helper()
	last := p.store.Last()
	b := p.store.NewBlock(last.Height+1, p.now)
	if err := b.PutCert(chain.FingerprintOf(der), &chain.CertState{DER: der, Org: org, RevokedAt: p.now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	p.commit(t, b)
}

// issued is a TLS key and certificate, in memory and as PEM files.
type issued struct {
	pair              tls.Certificate
	der               []byte
	certFile, keyFile string
}

// issue makes a TLS certificate of org's CA, valid from an hour ago for a
// day unless mod changes it; servers are named 127.0.0.1.
func (p *tlsPKI) issue(t testing.TB, org string, role signer.TLSRole, mod func(*signer.TLSOptions)) issued {
	t.Helper()
	is := p.issueUnregistered(t, org, role, mod)
	if role == signer.TLSClient && org != "rogue" {
		p.register(t, org, is.der) // every chain requires it (credentialStanding)
	}
	return is
}

// issueUnregistered is issue without recording a client certificate.
func (p *tlsPKI) issueUnregistered(t testing.TB, org string, role signer.TLSRole, mod func(*signer.TLSOptions)) issued {
	t.Helper()
	o := signer.TLSOptions{SubjectRef: fmt.Sprintf("%s-%s", org, role), Role: role,
		NotBefore: p.now.Add(-time.Hour), NotAfter: p.now.Add(24 * time.Hour)}
	if role == signer.TLSServer {
		o.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	if mod != nil {
		mod(&o)
	}
	name := filepath.Join(t.TempDir(), "tls")
	if err := nodehome.IssueTLSFiles(p.cas[org], name+".crt", name+".key", o, nil, nil); err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(name+".crt", name+".key")
	if err != nil {
		t.Fatalf("crypto/tls does not load an SM2-issued P-256 leaf: %v", err)
	}
	return issued{pair: pair, der: pair.Certificate[0], certFile: name + ".crt", keyFile: name + ".key"}
}

// register records cert as cert_issued would.
func (p *tlsPKI) register(t testing.TB, org string, der []byte) {
	t.Helper()
	last := p.store.Last()
	b := p.store.NewBlock(last.Height+1, p.now.Add(-time.Hour))
	if err := b.PutCert(chain.FingerprintOf(der), &chain.CertState{DER: der, Org: org}); err != nil {
		t.Fatal(err)
	}
	p.commit(t, b)
}

func (p *tlsPKI) orgCAs(ids ...string) []*smx509.Certificate {
	var out []*smx509.Certificate
	for _, id := range ids {
		out = append(out, p.cas[id].Cert)
	}
	return out
}

// serveJudicial serves one judicial endpoint over TLS the way the node
// does: GET /v1/contracts/c-1, owned by "platform", answering the caller's
// org. mtls nil means HTTPS without client certificates.
func serveJudicial(t *testing.T, server issued, mtls *ClientVerifier, signed bool) (base string, errlog *nodetest.SyncBuffer) {
	t.Helper()
	a := &API{auth: judicialAuth{mtls: mtls, signed: signed}}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/contracts/c-1", a.judicial(chain.QueryContract, func(w http.ResponseWriter, r *http.Request) {
		if !a.allowOrg(w, r, "platform") {
			return
		}
		c := callerFrom(r.Context())
		writeJSON(w, http.StatusOK, map[string]any{"org": c.org.ID, "role": c.org.Role, "sees_all": c.seesAll()})
	}))
	addr, err := testport.Free()
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	errlog = &nodetest.SyncBuffer{}
	srv := &http.Server{Handler: mux, ErrorLog: log.New(errlog, "", 0), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(tls.NewListener(lis, ServerTLSConfig(server.pair, mtls)))
	t.Cleanup(func() { srv.Close() })
	return "https://" + addr, errlog
}

// rawClient presents cert (if any) without checking the server, so the
// server's verification alone decides.
func rawClient(cert *issued) *http.Client { return rawClientTLS(cert, 0) }

func rawClientTLS(cert *issued, maxVersion uint16) *http.Client {
	c := &tls.Config{InsecureSkipVerify: true, MaxVersion: maxVersion}
	if cert != nil {
		c.Certificates = []tls.Certificate{cert.pair}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: c, DisableKeepAlives: true}}
}

// TestMTLSClientCertificates runs the handshake and the role rules for
// each kind of client certificate against a server with [api] auth = "mtls".
func TestMTLSClientCertificates(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := newTLSPKI(t)
	revoked := p.issue(t, "court", signer.TLSClient, nil)
	p.revoke(t, "court", revoked.der)
	base, errlog := serveJudicial(t, p.issue(t, "platform", signer.TLSServer, nil), NewClientVerifier(p.store), false)

	courtCert := p.issue(t, "court", signer.TLSClient, nil)
	tests := []struct {
		name   string
		cert   *issued
		tls12  bool
		status int    // 0: the handshake fails
		org    string // the caller's org on 200
		want   string // in the 401/403 message, or the server's handshake error
	}{
		{name: "court sees all", cert: &courtCert, status: 200, org: "court"},
		{name: "court over TLS 1.2", cert: &courtCert, tls12: true, status: 200, org: "court"},
		{name: "owning platform", cert: ptr(p.issue(t, "platform", signer.TLSClient, nil)), status: 200, org: "platform"},
		{name: "another platform", cert: ptr(p.issue(t, "platform-2", signer.TLSClient, nil)), status: 403, want: `organisation "platform-2" (platform) may query only its own`},
		{name: "no certificate", status: 401, want: "present a TLS client certificate"},
		{name: "unknown CA", cert: ptr(p.issue(t, "rogue", signer.TLSClient, nil)), want: "not a registered organisation's CA"},
		{name: "expired", cert: ptr(p.issue(t, "court", signer.TLSClient, func(o *signer.TLSOptions) {
			o.NotBefore, o.NotAfter = p.now.Add(-3*time.Hour), p.now.Add(-2*time.Hour)
		})), want: "not valid at"},
		{name: "revoked: handshake, then 401 naming the revocation", cert: &revoked, status: 401, want: "was revoked at"},
		{name: "server certificate as client (wrong EKU)", cert: ptr(p.issue(t, "court", signer.TLSServer, nil)), want: "is not a TLS client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var maxVersion uint16
			if tt.tls12 {
				maxVersion = tls.VersionTLS12
			}
			status, body, err := nodetest.GetJSON(ctx, rawClientTLS(tt.cert, maxVersion), base+"/v1/contracts/c-1")
			if tt.status == 0 {
				if err == nil {
					t.Fatalf("handshake accepted: %d %v", status, body)
				}
				if !strings.Contains(err.Error(), "bad certificate") {
					t.Errorf("client error %v, want the server's bad certificate alert", err)
				}
				nodetest.WaitFor(t, 5*time.Second, "the server logs why", func() bool { return strings.Contains(errlog.String(), tt.want) })
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.status {
				t.Fatalf("status %d %v, want %d", status, body, tt.status)
			}
			if tt.status == 200 {
				if body["org"] != tt.org || body["sees_all"] != (tt.org != "platform") {
					t.Errorf("caller %v, want org %s", body, tt.org)
				}
				return
			}
			e, _ := body["error"].(map[string]any)
			if msg, _ := e["message"].(string); !strings.Contains(msg, tt.want) {
				t.Errorf("error %v, want a message with %q", body, tt.want)
			}
		})
	}

	// A revocation also ends an open connection's access: each request
	// verifies the certificate again.
	t.Run("revoked on a kept-alive connection", func(t *testing.T) {
		cert := p.issue(t, "court", signer.TLSClient, nil)
		hc := rawClient(&cert)
		hc.Transport.(*http.Transport).DisableKeepAlives = false
		if status, body, err := nodetest.GetJSON(ctx, hc, base+"/v1/contracts/c-1"); err != nil || status != 200 {
			t.Fatalf("before revocation: %d %v %v", status, body, err)
		}
		p.revoke(t, "court", cert.der)
		status, body, err := nodetest.GetJSON(ctx, hc, base+"/v1/contracts/c-1")
		if err != nil || status != 401 || !strings.Contains(fmt.Sprint(body), "was revoked at") {
			t.Fatalf("after revocation: %d %v %v, want 401 revoked", status, body, err)
		}
	})
}

// TestMTLSServerCertificate checks the client side: the node's certificate
// must be a serverAuth certificate of a trusted org CA, valid now, naming
// the host dialled.
func TestMTLSServerCertificate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := newTLSPKI(t)
	clientCert := p.issue(t, "court", signer.TLSClient, nil)
	tests := []struct {
		name   string
		server issued
		want   string // "" = accepted
	}{
		{"issued by a genesis org", p.issue(t, "platform", signer.TLSServer, nil), ""},
		{"unknown CA", p.issue(t, "rogue", signer.TLSServer, nil), "not a registered organisation's CA"},
		{"expired", p.issue(t, "platform", signer.TLSServer, func(o *signer.TLSOptions) {
			o.NotBefore, o.NotAfter = p.now.Add(-3*time.Hour), p.now.Add(-2*time.Hour)
		}), "not valid at"},
		{"client certificate as server (wrong EKU)", p.issue(t, "platform", signer.TLSClient, func(o *signer.TLSOptions) {
			o.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		}), "is not a TLS server certificate"},
		{"other host", p.issue(t, "platform", signer.TLSServer, func(o *signer.TLSOptions) {
			o.DNSNames, o.IPAddresses = []string{"node.example"}, nil
		}), "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, _ := serveJudicial(t, tt.server, NewClientVerifier(p.store), false)
			cfg, err := client.TLSConfig(client.TLSOptions{CAs: p.orgCAs("court", "platform", "platform-2"), CertFile: clientCert.certFile, KeyFile: clientCert.keyFile})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := client.New(base, nil)
			_, err = c.WithTLS(cfg).Get(ctx, "/v1/contracts/c-1")
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("rejected a good node certificate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestClientTLSConfigChecksOwnCertificate: the client refuses to present a
// certificate the node would reject, with the reason.
func TestClientTLSConfigChecksOwnCertificate(t *testing.T) {
	p := newTLSPKI(t)
	cas := p.orgCAs("court", "platform")
	tests := []struct {
		name string
		cert issued
		want error
	}{
		{"unknown CA", p.issue(t, "rogue", signer.TLSClient, nil), signer.ErrUnknownIssuer},
		{"server certificate", p.issue(t, "court", signer.TLSServer, nil), signer.ErrWrongUsage},
		{"expired", p.issue(t, "court", signer.TLSClient, func(o *signer.TLSOptions) {
			o.NotBefore, o.NotAfter = p.now.Add(-3*time.Hour), p.now.Add(-2*time.Hour)
		}), signer.ErrNotValidAt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.TLSConfig(client.TLSOptions{CAs: cas, CertFile: tt.cert.certFile, KeyFile: tt.cert.keyFile})
			if !errors.Is(err, tt.want) {
				t.Fatalf("TLSConfig = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := client.TLSConfig(client.TLSOptions{}); err == nil {
		t.Error("TLSConfig without CAs accepted")
	}
}

// TestMTLSCurl: an OpenSSL client (curl) authenticates with the same
// certificate over TLS 1.2. (Over TLS 1.3 OpenSSL offers a client
// certificate only if its issuer's signature algorithm, SM2 here, is one the
// server lists; see docs/api.md.)
func TestMTLSCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs curl: %v", err)
		}
		t.Skip("curl not installed")
	}
	p := newTLSPKI(t)
	base, _ := serveJudicial(t, p.issue(t, "platform", signer.TLSServer, nil), NewClientVerifier(p.store), false)
	court := p.issue(t, "court", signer.TLSClient, nil)
	out, err := exec.Command("curl", "-sS", "--max-time", "10", "--tls-max", "1.2", "-k",
		"--cert", court.certFile, "--key", court.keyFile, base+"/v1/contracts/c-1").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"org": "court"`) {
		t.Fatalf("curl over TLS 1.2: %v\n%q", err, out)
	}
}

// BenchmarkClientVerify is the per-request cost of re-verifying a TLS client
// certificate: parse, SM2 signature of the org CA, revocation lookup.
func BenchmarkClientVerify(b *testing.B) {
	p := newTLSPKI(b)
	cert := p.issue(b, "court", signer.TLSClient, nil)
	v := NewClientVerifier(p.store)
	for b.Loop() {
		if _, err := v.verify(cert.der); err != nil {
			b.Fatal(err)
		}
	}
}

// TestClientVerifierStanding: what the certificate's standing on chain
// decides, on a development and a production chain alike: an unregistered
// certificate is refused on both (a development chain accepted it before). The handshake check
// (verifyIssued) passes in every case: these are 401s, not TLS alerts.
func TestClientVerifierStanding(t *testing.T) {
	tests := []struct {
		name       string
		production bool
		state      func(p *tlsPKI, der []byte) *chain.CertState // nil: not registered
		want       string                                       // "" accepted
	}{
		{name: "development, unregistered", want: "not registered on chain"},
		{name: "development, registered", state: func(_ *tlsPKI, der []byte) *chain.CertState {
			return &chain.CertState{DER: der, Org: "court"}
		}, want: ""},
		{name: "production, unregistered", production: true, want: "not registered on chain"},
		{name: "production, registered", production: true, state: func(_ *tlsPKI, der []byte) *chain.CertState {
			return &chain.CertState{DER: der, Org: "court"}
		}, want: ""},
		{name: "development, registered and revoked", state: func(p *tlsPKI, der []byte) *chain.CertState {
			return &chain.CertState{DER: der, Org: "court", RevokedAt: p.now.Add(time.Minute), Reason: chain.ReasonSuperseded, RevokedIn: 7}
		}, want: "(on chain, log index 7, reason superseded)"},
		{name: "production, registered under another org", production: true, state: func(_ *tlsPKI, der []byte) *chain.CertState {
			return &chain.CertState{DER: der, Org: "platform"}
		}, want: `registered to organisation "platform"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTLSPKI(t)
			cert := p.issueUnregistered(t, "court", signer.TLSClient, nil)
			b := p.store.NewBlock(p.store.Last().Height+1, p.now)
			if err := b.PutParams(&chain.Params{Production: tt.production}); err != nil {
				t.Fatal(err)
			}
			if tt.state != nil {
				if err := b.PutCert(chain.FingerprintOf(cert.der), tt.state(p, cert.der)); err != nil {
					t.Fatal(err)
				}
			}
			p.commit(t, b)
			v := NewClientVerifier(p.store)
			if _, err := v.verifyIssued(v.view(), cert.der); err != nil {
				t.Fatalf("handshake check: %v", err)
			}
			c, err := v.verify(cert.der)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "" && (c.org.ID != "court" || c.cert != chain.FingerprintOf(cert.der)):
				t.Fatalf("caller %+v", c)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}
