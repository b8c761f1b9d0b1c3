package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang/protobuf/proto"
	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/peer"
	"github.com/hyperledger/fabric-sdk-go/pkg/core/config"
	"github.com/hyperledger/fabric-sdk-go/pkg/gateway"
	"gopkg.in/yaml.v2"
)

type client struct {
	gw        *gateway.Gateway
	channel   string
	contract  *gateway.Contract
	qscc      *gateway.Contract
	peers     []string
	timeout   time.Duration
	startedAt time.Time
}

// connect loads the profile, fixes what fabric-sdk-go needs, and connects.
func connect(path string, timeout time.Duration) (*client, error) {
	if path == "" {
		return nil, &kindError{kindUsage, fmt.Errorf("-profile is required")}
	}
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	prof, sc, err := prepareProfile(raw, filepath.Dir(path))
	if err != nil {
		return nil, &kindError{kindUsage, fmt.Errorf("profile %s: %w", path, err)}
	}
	cert, err := os.ReadFile(resolve(filepath.Dir(path), sc.Identity.Cert))
	if err != nil {
		return nil, err
	}
	key, err := os.ReadFile(resolve(filepath.Dir(path), sc.Identity.Key))
	if err != nil {
		return nil, err
	}
	wallet := gateway.NewInMemoryWallet()
	if err := wallet.Put("sealchain", gateway.NewX509Identity(sc.mspID, string(cert), string(key))); err != nil {
		return nil, err
	}
	gw, err := gateway.Connect(gateway.WithConfig(config.FromRaw(prof, "yaml")), gateway.WithIdentity(wallet, "sealchain"),
		gateway.WithTimeout(timeout))
	if err != nil {
		return nil, sdkError("connect", err)
	}
	nw, err := gw.GetNetwork(sc.Channel)
	if err != nil {
		gw.Close()
		return nil, sdkError("channel "+sc.Channel, err)
	}
	return &client{gw: gw, channel: sc.Channel, contract: nw.GetContract(sc.Chaincode), qscc: nw.GetContract("qscc"), peers: sc.peers,
		timeout: timeout, startedAt: time.Now()}, nil
}

func (c *client) close() { c.gw.Close() }

func (c *client) put(record []byte) (*output, error) {
	txn, err := c.contract.CreateTransaction("PutAnchor")
	if err != nil {
		return nil, err
	}
	events := txn.RegisterCommitEvent()
	res, err := txn.Submit(string(record))
	if err != nil {
		return nil, sdkError("submit PutAnchor", err)
	}
	select {
	case ev := <-events:
		if ev == nil {
			return nil, fmt.Errorf("no commit event")
		}
		if ev.TxValidationCode != peer.TxValidationCode_VALID {
			return nil, fmt.Errorf("transaction %s not valid: %s", ev.TxID, ev.TxValidationCode)
		}
		return &output{Record: res, Block: ev.BlockNumber}, nil
	case <-time.After(c.timeout):
		return nil, fmt.Errorf("no commit event within %s", c.timeout)
	}
}

func (c *client) get(chainID string, height uint64) (*output, error) {
	res, err := c.contract.EvaluateTransaction("GetAnchor", chainID, strconv.FormatUint(height, 10))
	if err != nil {
		return nil, sdkError("evaluate GetAnchor", err)
	}
	var rec struct {
		TxID string `json:"tx_id"`
	}
	if err := jsonUnmarshal(res, &rec); err != nil {
		return nil, err
	}
	b, err := c.ledgerQuery("GetTransactionByID", rec.TxID)
	if err != nil {
		return nil, sdkError("qscc GetTransactionByID", err)
	}
	var pt peer.ProcessedTransaction
	if err := proto.Unmarshal(b, &pt); err != nil {
		return nil, fmt.Errorf("qscc transaction: %w", err)
	}
	if code := peer.TxValidationCode(pt.ValidationCode); code != peer.TxValidationCode_VALID {
		return nil, fmt.Errorf("transaction %s is on the ledger but %s", rec.TxID, code)
	}
	b, err = c.ledgerQuery("GetBlockByTxID", rec.TxID)
	if err != nil {
		return nil, sdkError("qscc GetBlockByTxID", err)
	}
	var blk common.Block
	if err := proto.Unmarshal(b, &blk); err != nil || blk.Header == nil {
		return nil, fmt.Errorf("qscc block of %s: %v", rec.TxID, err)
	}
	return &output{Record: res, Block: blk.Header.Number}, nil
}

// sdkError classifies fabric-sdk-go's errors, which are text only.
func sdkError(op string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "is not above the latest anchor"):
		return &kindError{kindNotAfterLatest, fmt.Errorf("%s: %s", op, msg)}
	case strings.Contains(msg, "no anchor at height"):
		return &kindError{kindNotFound, fmt.Errorf("%s: %s", op, msg)}
	case strings.Contains(msg, "sanitizeCert"):
		// fabric-sdk-go v1.0.0's MSP code cannot load an MSP whose CA
		// certificate carries a high-S ECDSA signature.
		return &kindError{kindHighSCA, fmt.Errorf("%s: %s (a channel MSP's CA certificate has a high-S ECDSA signature, which fabric-sdk-go v1.0.0 rejects; use the gateway client on Fabric >= 2.4, or re-issue that CA; see docs/anchoring.md)", op, msg)}
	}
	return fmt.Errorf("%s: %s", op, msg)
}

type sealchainSection struct {
	Channel   string `yaml:"channel"`
	Chaincode string `yaml:"chaincode"`
	Client    string `yaml:"client"`
	Identity  struct {
		Cert string `yaml:"cert"`
		Key  string `yaml:"key"`
	} `yaml:"identity"`
	mspID string
	peers []string
}

// prepareProfile reads the sealchain section and returns the profile as
// fabric-sdk-go needs it: relative certificate paths made absolute (the SDK
// resolves them against its working directory), and the channel's orderer
// list filled from the top-level orderers when it is missing (the SDK does
// not fall back to them and fails at submit time otherwise).
func prepareProfile(raw []byte, dir string) ([]byte, *sealchainSection, error) {
	var doc map[string]interface{}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, nil, err
	}
	var sc struct {
		Sealchain sealchainSection `yaml:"sealchain"`
		Client    struct {
			Organization string `yaml:"organization"`
		} `yaml:"client"`
		Organizations map[string]struct {
			MSPID string   `yaml:"mspid"`
			Peers []string `yaml:"peers"`
		} `yaml:"organizations"`
	}
	if err := yaml.Unmarshal(raw, &sc); err != nil {
		return nil, nil, err
	}
	s := sc.Sealchain
	if s.Channel == "" || s.Chaincode == "" || s.Identity.Cert == "" || s.Identity.Key == "" {
		return nil, nil, fmt.Errorf("sealchain section needs channel, chaincode and identity cert/key")
	}
	s.mspID = sc.Organizations[sc.Client.Organization].MSPID
	s.peers = sc.Organizations[sc.Client.Organization].Peers
	if s.mspID == "" {
		return nil, nil, fmt.Errorf("client.organization %q has no mspid", sc.Client.Organization)
	}
	for _, section := range []string{"peers", "orderers", "certificateAuthorities"} {
		for _, ep := range asMap(doc[section]) {
			tls := asMap(asMap(ep)["tlsCACerts"])
			if p, ok := tls["path"].(string); ok {
				tls["path"] = resolve(dir, p)
			}
		}
	}
	var orderers []string
	for name := range asMap(doc["orderers"]) {
		orderers = append(orderers, fmt.Sprint(name))
	}
	sort.Strings(orderers)
	if len(orderers) == 0 {
		return nil, nil, fmt.Errorf("orderers: at least one is needed to submit")
	}
	channels := asMap(doc["channels"])
	if channels == nil {
		channels = map[interface{}]interface{}{}
		doc["channels"] = channels
	}
	ch := asMap(channels[s.Channel])
	if ch == nil {
		ch = map[interface{}]interface{}{}
		channels[s.Channel] = ch
	}
	if l, _ := ch["orderers"].([]interface{}); len(l) == 0 {
		list := make([]interface{}, len(orderers))
		for i, o := range orderers {
			list[i] = o
		}
		ch["orderers"] = list
	}
	out, err := yaml.Marshal(doc)
	return out, &s, err
}

func asMap(v interface{}) map[interface{}]interface{} {
	m, _ := v.(map[interface{}]interface{})
	return m
}

func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// ledgerQuery evaluates a qscc function on the organisation's own peers:
// discovery cannot describe system chaincodes, so the SDK must not select
// endorsers for it.
func (c *client) ledgerQuery(fn, txID string) ([]byte, error) {
	if len(c.peers) == 0 {
		return nil, fmt.Errorf("organizations.<client org>.peers: name the peers to query the ledger on")
	}
	txn, err := c.qscc.CreateTransaction(fn, gateway.WithEndorsingPeers(c.peers...))
	if err != nil {
		return nil, err
	}
	return txn.Evaluate(c.channel, txID)
}
