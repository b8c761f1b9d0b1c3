package anchor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Client names which Fabric client a profile uses.
const (
	ClientGateway   = "gateway"    // Fabric >= 2.4, the peer's Gateway service
	ClientFabricSDK = "fabric-sdk" // Fabric 1.4 / 2.2, fabric-sdk-go through the helper process
)

// Profile is a Fabric common connection profile (YAML or JSON) with a
// "sealchain" section naming the channel, chaincode, client and identity.
// The same file configures the node's anchoring and `sealchain verify
// --fabric`; fabric-sdk-go reads it as is (it ignores the extra section).
//
//	name: court-net
//	client: {organization: Org1}
//	organizations: {Org1: {mspid: Org1MSP, peers: [peer0]}}
//	peers: {peer0: {url: grpcs://127.0.0.1:7051, tlsCACerts: {path: tls/ca.crt}}}
//	orderers: {orderer0: {url: grpcs://127.0.0.1:7050, tlsCACerts: {path: tls/orderer-ca.crt}}}
//	channels: {anchorchannel: {orderers: [orderer0], peers: {peer0: {}}}}
//	sealchain:
//	  channel: anchorchannel
//	  chaincode: anchor
//	  client: gateway            # or fabric-sdk
//	  identity: {cert: user/cert.pem, key: user/key.pem}
//
// Relative paths are relative to the profile's directory.
type Profile struct {
	Path string `yaml:"-"`
	Name string `yaml:"name"`

	Client struct {
		Organization string `yaml:"organization"`
	} `yaml:"client"`
	Organizations map[string]struct {
		MSPID string   `yaml:"mspid"`
		Peers []string `yaml:"peers"`
	} `yaml:"organizations"`
	Peers    map[string]Endpoint `yaml:"peers"`
	Orderers map[string]Endpoint `yaml:"orderers"`
	Channels map[string]struct {
		Orderers []string       `yaml:"orderers"`
		Peers    map[string]any `yaml:"peers"`
	} `yaml:"channels"`

	Sealchain struct {
		Channel   string `yaml:"channel"`
		Chaincode string `yaml:"chaincode"`
		Client    string `yaml:"client"`
		Identity  struct {
			Cert string `yaml:"cert"`
			Key  string `yaml:"key"`
		} `yaml:"identity"`
	} `yaml:"sealchain"`
}

// Endpoint is a peer or orderer in a profile.
type Endpoint struct {
	URL        string `yaml:"url"`
	TLSCACerts struct {
		Path string `yaml:"path"`
		PEM  string `yaml:"pem"`
	} `yaml:"tlsCACerts"`
	GRPCOptions map[string]any `yaml:"grpcOptions"`
}

// LoadProfile reads and checks a profile.
func LoadProfile(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fabric profile: %w", err)
	}
	var p Profile
	if err := yaml.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("fabric profile %s: %w", path, err)
	}
	p.Path = path
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("fabric profile %s: %w", path, err)
	}
	return &p, nil
}

// Validate checks what the clients need.
func (p *Profile) Validate() error {
	s := p.Sealchain
	switch {
	case s.Channel == "":
		return errors.New("sealchain.channel: missing")
	case s.Chaincode == "":
		return errors.New("sealchain.chaincode: missing")
	case s.Client != ClientGateway && s.Client != ClientFabricSDK:
		return fmt.Errorf("sealchain.client: %q, want %s or %s", s.Client, ClientGateway, ClientFabricSDK)
	case s.Identity.Cert == "" || s.Identity.Key == "":
		return errors.New("sealchain.identity: cert and key are required")
	}
	if _, err := p.MSPID(); err != nil {
		return err
	}
	if _, _, err := p.Peer(); err != nil {
		return err
	}
	if s.Client == ClientFabricSDK {
		// fabric-sdk-go finds the orderer only under the channel; the helper
		// fills the list from the top-level orderers, so at least one must exist.
		if len(p.Orderers) == 0 {
			return errors.New("orderers: fabric-sdk needs at least one orderer")
		}
	}
	return nil
}

// NetworkName is the profile's name, or the channel when it has none.
func (p *Profile) NetworkName() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Sealchain.Channel
}

// MSPID is the client organisation's MSP id.
func (p *Profile) MSPID() (string, error) {
	o, ok := p.Organizations[p.Client.Organization]
	if !ok || o.MSPID == "" {
		return "", fmt.Errorf("client.organization %q: no mspid under organizations", p.Client.Organization)
	}
	return o.MSPID, nil
}

// Peer returns the first peer of the client's organisation (in sorted order
// when the organisation lists none) and its name.
func (p *Profile) Peer() (string, Endpoint, error) {
	names := p.Organizations[p.Client.Organization].Peers
	if len(names) == 0 {
		for n := range p.Peers {
			names = append(names, n)
		}
		slices.Sort(names)
	}
	for _, n := range names {
		if e, ok := p.Peers[n]; ok && e.URL != "" {
			return n, e, nil
		}
	}
	return "", Endpoint{}, errors.New("peers: no peer with a url for the client organisation")
}

// Resolve makes a profile-relative path absolute.
func (p *Profile) Resolve(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(p.Path), path)
}

// HostPort strips the grpc:// or grpcs:// scheme of an endpoint url.
func (e Endpoint) HostPort() string {
	u := e.URL
	for _, s := range []string{"grpcs://", "grpc://"} {
		u = strings.TrimPrefix(u, s)
	}
	return u
}

// TLSCA returns the endpoint's TLS root certificates (PEM).
func (p *Profile) TLSCA(e Endpoint) ([]byte, error) {
	if e.TLSCACerts.PEM != "" {
		return []byte(e.TLSCACerts.PEM), nil
	}
	if e.TLSCACerts.Path == "" {
		return nil, errors.New("tlsCACerts: give path or pem")
	}
	return os.ReadFile(p.Resolve(e.TLSCACerts.Path))
}
