package gateway

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	gwproto "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/sealchain/sealchain/anchor"
)

// Ledger is the Gateway client. Close it when done.
type Ledger struct {
	conn      *grpc.ClientConn
	gw        *client.Gateway
	network   string
	channel   string
	chaincode string
	contract  *client.Contract
	qscc      *client.Contract
}

var _ anchor.Ledger = (*Ledger)(nil)

// Open connects to the profile's peer with the profile's identity. The
// connection is lazy: an unreachable peer makes calls fail, not Open.
func Open(p *anchor.Profile) (*Ledger, error) {
	mspID, err := p.MSPID()
	if err != nil {
		return nil, err
	}
	_, peerEP, err := p.Peer()
	if err != nil {
		return nil, err
	}
	caPEM, err := p.TLSCA(peerEP)
	if err != nil {
		return nil, fmt.Errorf("peer tls: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("peer tls: no certificate in tlsCACerts")
	}
	override, _ := peerEP.GRPCOptions["ssl-target-name-override"].(string)
	conn, err := grpc.NewClient(peerEP.HostPort(), grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, override)))
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", peerEP.URL, err)
	}
	certPEM, err := os.ReadFile(p.Resolve(p.Sealchain.Identity.Cert))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("identity cert: %w", err)
	}
	keyPEM, err := os.ReadFile(p.Resolve(p.Sealchain.Identity.Key))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("identity key: %w", err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("identity cert: %w", err)
	}
	id, err := identity.NewX509Identity(mspID, cert)
	if err != nil {
		conn.Close()
		return nil, err
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("identity key: %w", err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		conn.Close()
		return nil, err
	}
	// Each call also takes the caller's context; these are upper bounds.
	gw, err := client.Connect(id, client.WithSign(sign), client.WithHash(hash.SHA256), client.WithClientConnection(conn),
		client.WithEvaluateTimeout(10*time.Second), client.WithEndorseTimeout(20*time.Second),
		client.WithSubmitTimeout(10*time.Second), client.WithCommitStatusTimeout(time.Minute))
	if err != nil {
		conn.Close()
		return nil, err
	}
	nw := gw.GetNetwork(p.Sealchain.Channel)
	return &Ledger{
		conn: conn, gw: gw, network: p.NetworkName(), channel: p.Sealchain.Channel, chaincode: p.Sealchain.Chaincode,
		contract: nw.GetContract(p.Sealchain.Chaincode), qscc: nw.GetContract("qscc"),
	}, nil
}

// Close releases the connection.
func (l *Ledger) Close() error {
	return errors.Join(l.gw.Close(), l.conn.Close())
}

// PutAnchor submits a and waits until its transaction is committed.
func (l *Ledger) PutAnchor(ctx context.Context, a anchor.Anchor) (anchor.Receipt, error) {
	if err := a.Validate(); err != nil {
		return anchor.Receipt{}, err
	}
	rec, err := jsonRecord(a)
	if err != nil {
		return anchor.Receipt{}, err
	}
	res, commit, err := l.contract.SubmitAsyncWithContext(ctx, "PutAnchor", client.WithArguments(rec))
	if err != nil {
		return anchor.Receipt{}, classify("submit PutAnchor", err)
	}
	st, err := commit.StatusWithContext(ctx)
	if err != nil {
		return anchor.Receipt{}, fmt.Errorf("commit status of %s: %w", commit.TransactionID(), err)
	}
	if !st.Successful {
		// MVCC conflicts happen when two submitters race; the caller retries.
		return anchor.Receipt{}, fmt.Errorf("transaction %s not valid: %s", st.TransactionID, st.Code)
	}
	r, err := anchor.DecodeRecord(res)
	if err != nil {
		return anchor.Receipt{}, err
	}
	return l.receipt(r, st.BlockNumber), nil
}

// GetAnchor reads the anchor at height and checks its transaction on the
// channel's ledger.
func (l *Ledger) GetAnchor(ctx context.Context, chainID string, height uint64) (anchor.Anchor, anchor.Receipt, error) {
	b, err := l.contract.EvaluateWithContext(ctx, "GetAnchor", client.WithArguments(chainID, strconv.FormatUint(height, 10)))
	if err != nil {
		return anchor.Anchor{}, anchor.Receipt{}, classify("evaluate GetAnchor", err)
	}
	r, err := anchor.DecodeRecord(b)
	if err != nil {
		return anchor.Anchor{}, anchor.Receipt{}, err
	}
	a, err := r.Anchor()
	if err != nil {
		return anchor.Anchor{}, anchor.Receipt{}, err
	}
	block, err := l.txBlock(ctx, r.TxID)
	if err != nil {
		return anchor.Anchor{}, anchor.Receipt{}, err
	}
	return a, l.receipt(r, block), nil
}

// txBlock returns the number of the block holding a valid transaction txID.
func (l *Ledger) txBlock(ctx context.Context, txID string) (uint64, error) {
	b, err := l.qscc.EvaluateWithContext(ctx, "GetTransactionByID", client.WithArguments(l.channel, txID))
	if err != nil {
		return 0, classify("qscc GetTransactionByID "+txID, err)
	}
	var pt peer.ProcessedTransaction
	if err := proto.Unmarshal(b, &pt); err != nil {
		return 0, fmt.Errorf("qscc transaction %s: %w", txID, err)
	}
	if code := peer.TxValidationCode(pt.ValidationCode); code != peer.TxValidationCode_VALID {
		return 0, fmt.Errorf("transaction %s is on the ledger but %s", txID, code)
	}
	b, err = l.qscc.EvaluateWithContext(ctx, "GetBlockByTxID", client.WithArguments(l.channel, txID))
	if err != nil {
		return 0, classify("qscc GetBlockByTxID "+txID, err)
	}
	var blk common.Block
	if err := proto.Unmarshal(b, &blk); err != nil || blk.Header == nil {
		return 0, fmt.Errorf("qscc block of %s: %v", txID, err)
	}
	return blk.Header.Number, nil
}

func (l *Ledger) receipt(r anchor.Record, block uint64) anchor.Receipt {
	return anchor.Receipt{Network: l.network, Channel: l.channel, Chaincode: l.chaincode, TxID: r.TxID, Block: block,
		Time: time.Unix(0, r.Time).UTC()}
}

// classify maps the chaincode's refusals to the anchor sentinels. Fabric
// returns chaincode errors as text in gRPC status details, so matching the
// chaincode's own wording is the only way; the wording lives in
// anchor/chaincode and is pinned by the Fabric test.
func classify(op string, err error) error {
	var details []string
	for _, d := range status.Convert(err).Details() {
		if ed, ok := d.(*gwproto.ErrorDetail); ok {
			details = append(details, ed.GetMessage())
		}
	}
	msg := err.Error()
	if len(details) > 0 {
		msg = strings.Join(details, "; ")
	}
	switch {
	case strings.Contains(msg, "is not above the latest anchor"):
		return fmt.Errorf("%s: %w: %s", op, anchor.ErrNotAfterLatest, msg)
	case strings.Contains(msg, "no anchor at height"):
		return fmt.Errorf("%s: %w: %s", op, anchor.ErrNotFound, msg)
	case len(details) > 0:
		return fmt.Errorf("%s: %w (%s)", op, err, msg)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Latest returns the newest anchor of a chain.
func (l *Ledger) Latest(ctx context.Context, chainID string) (anchor.Record, error) {
	b, err := l.contract.EvaluateWithContext(ctx, "Latest", client.WithArguments(chainID))
	if err != nil {
		return anchor.Record{}, classify("evaluate Latest", err)
	}
	return anchor.DecodeRecord(b)
}

// History returns up to limit anchors of a chain above height after, in
// height order.
func (l *Ledger) History(ctx context.Context, chainID string, after uint64, limit int) ([]anchor.Record, error) {
	b, err := l.contract.EvaluateWithContext(ctx, "History",
		client.WithArguments(chainID, strconv.FormatUint(after, 10), strconv.Itoa(limit)))
	if err != nil {
		return nil, classify("evaluate History", err)
	}
	var out []anchor.Record
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return out, nil
}
