package app

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/api/cometbft/crypto/v1"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// AppVersion is the application protocol version reported to CometBFT.
const AppVersion uint64 = 1

// App is the Sealchain ABCI++ application.
type App struct {
	abci.BaseApplication // defaults for the calls the app does not use (vote extensions)

	store   *store.Store
	chainID string
	ver     *verifier
	metrics *Metrics
	logger  *slog.Logger
	maxTx   int
	snap    *snapshotter // state sync snapshots (snapshot.go)
	// anchoring is genesis app_state.anchoring (anchored.go), passed to the
	// rules in RuleContext; nil refuses anchored records.
	anchoring *chain.GenesisAnchoring
	versions  map[uint32]ruleSet // supported rules versions (upgrade.go); nil: production's

	mu      sync.Mutex
	block   *store.Block           // staged by FinalizeBlock, written by Commit
	updates []abci.ValidatorUpdate // validator changes passed in the block being finalized
	rules   ruleSet                // rules version of the block being finalized (upgrade.go)

	// typeSince is the rules version that introduced a record type
	// (chain's registry; tests substitute it, upgrade.go).
	typeSince func(chain.Type) uint32
	// nextRules caches the rules version of the height after the last
	// committed one, for CheckTx (upgrade.go).
	nextRules atomic.Pointer[heightVersion]
}

var _ abci.Application = (*App)(nil)

// Option configures an App.
type Option func(*App) error

// WithMetrics records metrics into m.
func WithMetrics(m *Metrics) Option { return func(a *App) error { a.metrics = m; return nil } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(a *App) error {
		if l == nil {
			return errors.New("nil logger")
		}
		a.logger = l
		return nil
	}
}

// WithMaxTxBytes lowers the size limit CheckTx admits standalone txs by,
// below chain.MaxTxBytes. It is this node's mempool policy: blocks are
// judged by chain.MaxTxBytes, as on every validator.
func WithMaxTxBytes(n int) Option {
	return func(a *App) error {
		if n <= 0 || n > chain.MaxTxBytes {
			return fmt.Errorf("max tx bytes %d: want 1..%d", n, chain.MaxTxBytes)
		}
		a.maxTx = n
		return nil
	}
}

// WithCacheSize sets how many verified txs and parsed certificates are remembered.
func WithCacheSize(n int) Option {
	return func(a *App) error {
		if n < 16 {
			return fmt.Errorf("cache size %d: want at least 16", n)
		}
		a.ver = newVerifier(n)
		return nil
	}
}

// New returns the app for chainID over store.
func New(store *store.Store, chainID string, opts ...Option) (*App, error) {
	if err := chain.ValidateID("chain_id", chainID); err != nil {
		return nil, err
	}
	a := &App{
		store:   store,
		chainID: chainID,
		ver:     newVerifier(100_000),
		logger:  slog.New(slog.DiscardHandler),
		maxTx:   chain.MaxTxBytes,
		snap:    newSnapshotter(),
		typeSince: func(t chain.Type) uint32 {
			v, _ := t.Since()
			return v
		},
	}
	for _, o := range opts {
		if err := o(a); err != nil {
			return nil, fmt.Errorf("app option: %w", err)
		}
	}
	return a, nil
}

// ChainID returns the chain the app serves.
func (a *App) ChainID() string { return a.chainID }

// Store returns the app's store, for queries.
func (a *App) Store() *store.Store { return a.store }

// Info tells CometBFT where the app is, so the handshake replays exactly the
// blocks the app has not committed.
func (a *App) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	a.logUpgradeStatus()
	last := a.store.Last()
	return &abci.InfoResponse{
		Data:             "sealchain",
		Version:          "1",
		AppVersion:       AppVersion,
		LastBlockHeight:  last.Height,
		LastBlockAppHash: last.AppHash,
	}, nil
}

// InitChain registers the genesis organisations. It is idempotent: after a
// crash before block 1 CometBFT calls it again and gets the same app hash.
func (a *App) InitChain(_ context.Context, req *abci.InitChainRequest) (*abci.InitChainResponse, error) {
	if req.ChainId != a.chainID {
		return nil, fmt.Errorf("init chain: genesis chain id %q, app configured for %q", req.ChainId, a.chainID)
	}
	_, orgs, err := chain.ParseGenesisState(req.AppStateBytes)
	if err != nil {
		return nil, fmt.Errorf("init chain: %w", err)
	}
	gs, _, _ := chain.ParseGenesisState(req.AppStateBytes)
	b := a.store.NewBlock(0, req.Time)
	if err := b.PutParams(&chain.Params{RequireIdentity: gs.RequireIdentity, Production: gs.Production}); err != nil {
		return nil, fmt.Errorf("init chain: %w", err)
	}
	// A genesis rules version above 1 is an activation at the initial
	// height, read like any other (rulesVersionAt); version 1 writes
	// nothing, so such a genesis keeps the app hashes it always had.
	if v := gs.RulesVersion; v > chain.InitialRulesVersion {
		if _, ok := a.supportedRules()[v]; !ok {
			return nil, fmt.Errorf("init chain: genesis app_state.rules_version %d: this binary supports rules versions %v", v, a.SupportedRulesVersions())
		}
		if err := b.PutUpgradeActivation(&chain.UpgradeActivation{Height: max(req.InitialHeight, 1), Version: v, Name: "genesis"}); err != nil {
			return nil, fmt.Errorf("init chain: %w", err)
		}
	}
	for i, o := range orgs {
		if err := b.PutOrg(o); err != nil {
			return nil, fmt.Errorf("init chain: %w", err)
		}
		ders, _ := gs.Orgs[i].CredentialDERs() // ParseGenesisState checked them
		for j, der := range ders {
			field := fmt.Sprintf("genesis app_state.orgs[%d].credentials[%d]", i, j)
			c, fp, terr := a.ver.Parse(der, field)
			if terr == nil {
				terr = chain.CheckCredentialRegistration(c, nil, field)
			}
			if terr != nil {
				return nil, fmt.Errorf("init chain: %s", terr.Error())
			}
			if err := b.PutCert(fp, &chain.CertState{DER: der, Org: o.ID, IssuedIn: chain.IssuedAtGenesis}); err != nil {
				return nil, fmt.Errorf("init chain: %w", err)
			}
		}
	}
	for _, v := range req.Validators {
		if v.PubKeyType != "ed25519" {
			return nil, fmt.Errorf("init chain: validator key type %q, want ed25519", v.PubKeyType)
		}
		if err := b.PutValidator(&chain.ValidatorState{PubKey: v.PubKeyBytes, Power: v.Power}); err != nil {
			return nil, fmt.Errorf("init chain: %w", err)
		}
	}
	for i, v := range gs.Verifiers {
		der, _ := v.VerifierDER()
		if _, _, terr := a.verifierOrgIn(b.View, der); terr != nil {
			return nil, fmt.Errorf("init chain: genesis verifiers[%d]: %s", i, terr.Error())
		}
		if err := b.PutVerifier(chain.FingerprintOf(der), &chain.VerifierState{Cert: der, Org: v.Org}); err != nil {
			return nil, fmt.Errorf("init chain: %w", err)
		}
	}
	cp, err := b.Finish()
	if err != nil {
		return nil, fmt.Errorf("init chain: %w", err)
	}
	if err := a.store.Commit(b); err != nil {
		return nil, fmt.Errorf("init chain: %w", err)
	}
	a.logger.Info("genesis state committed", "orgs", len(orgs), "app_hash", hex.EncodeToString(cp.AppHash))
	return &abci.InitChainResponse{AppHash: cp.AppHash}, nil
}

// checkTx runs the checks CheckTx, ProcessProposal and FinalizeBlock share:
// size, decoding, chain id and every signature, against view (committed
// state, or a block's staged state so a certificate registered earlier in the
// same block is known). From rules version chain.BatchRulesVersion raw may
// be a batch, checked as a whole (batch.go).
//
// version is the rules version in force at the height the tx is checked
// for: a record type introduced by a later version is refused exactly as a
// binary without that type refuses it, at decoding (CodeUnknownType; in
// ProcessProposal, the block), so new and old binaries agree until the
// upgrade height. Under version 1 a batch is refused as the decoder of a
// binary without batches refuses it.
//
// maxTx bounds a standalone tx: the node's configured limit in CheckTx (a
// mempool policy), the consensus limit chain.MaxTxBytes in ProcessProposal
// and FinalizeBlock, which every validator must answer alike whatever its
// configuration.
func (a *App) checkTx(view store.View, raw []byte, version uint32, maxTx int) (*wireTx, *TxError) {
	w := &wireTx{h: chain.TxHash(raw)}
	// A batch has its own limit (chain.MaxBatchBytes, checked by its
	// decoder).
	isBatch := version >= chain.BatchRulesVersion && chain.IsBatch(raw)
	if !isBatch && len(raw) > maxTx {
		return nil, reject(CodeTooLarge, "tx", "%d bytes exceeds the limit of %d", len(raw), maxTx)
	}
	if isBatch {
		if d, ok := a.ver.batches.get(w.h); ok && d.version == version {
			w.batch, w.recs = d.batch, d.recs
			if terr := a.checkBatch(view, w); terr != nil {
				return nil, terr
			}
			return w, nil
		}
	}
	tx, batch, err := chain.DecodeWire(raw, func(t chain.Type) bool { return a.typeSince(t) <= version }, version)
	if err != nil {
		return nil, fromDecode(err)
	}
	if err := roleIntroduced(tx, batch, version); err != nil {
		return nil, fromDecode(err)
	}
	if batch != nil {
		w.batch, w.recs = batch, batch.Records()
		if terr := a.checkBatch(view, w); terr != nil {
			return nil, terr
		}
		// Only a batch that passed is kept: one that fails costs its
		// sender the decoding again, not this node memory.
		a.ver.batches.put(w.h, &decodedBatch{version: version, batch: batch, recs: w.recs}, len(raw))
		return w, nil
	}
	if tx.ChainID != a.chainID {
		return nil, reject(CodeChainID, "chain_id", "%q, this chain is %q", tx.ChainID, a.chainID)
	}
	s, terr := a.checkSignatures(view, tx, w.h)
	if terr != nil {
		return nil, terr
	}
	w.tx, w.s = tx, s
	return w, nil
}

// CheckTx admits a tx to the mempool: well formed, for this chain, every
// signature valid, not already committed. The contract state machine runs in
// FinalizeBlock, where earlier txs of the same block are visible.
func (a *App) CheckTx(_ context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	view := a.store.View()
	version, err := a.nextRulesVersion(view)
	if err != nil {
		return nil, err
	}
	if req.Type == abci.CHECK_TX_TYPE_RECHECK {
		if ad, ok := a.ver.admitted.get(chain.TxHash(req.Tx)); ok {
			terr, err := a.checkBatchAdmission(view, ad)
			if err != nil {
				return nil, err
			}
			return a.checkTxResponse(terr), nil
		}
	}
	w, terr := a.checkTx(view, req.Tx, version, a.maxTx)
	switch {
	case terr != nil:
	case w.batch != nil:
		ad := newAdmittedBatch(w)
		if terr, err = a.checkBatchAdmission(view, ad); err != nil {
			return nil, err
		}
		if terr == nil {
			a.ver.admitted.put(w.h, ad)
		}
	case w.s.SubmitterState.Revoked():
		// Any committed revocation is at or before the next block's time.
		terr = reject(CodeCertRevoked, "envelope.cert", "credential revoked at %s", w.s.SubmitterState.RevokedAt.Format(time.RFC3339Nano))
	default:
		for _, h := range chain.RecordKeys(req.Tx, w.tx, version) {
			if _, seen, err := view.TxLogIndex(h); err != nil {
				return nil, err
			} else if seen {
				terr = reject(CodeReplay, "tx", "transaction %s was already committed", h)
				break
			}
		}
	}
	return a.checkTxResponse(terr), nil
}

func (a *App) checkTxResponse(terr *TxError) *abci.CheckTxResponse {
	if terr != nil {
		a.metrics.rejected(terr.Code, "check")
		return &abci.CheckTxResponse{Code: terr.Code, Codespace: Codespace, Log: terr.Error()}
	}
	return &abci.CheckTxResponse{Code: CodeOK}
}

// PrepareProposal keeps the mempool's order and the byte limit.
func (a *App) PrepareProposal(_ context.Context, req *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	txs := make([][]byte, 0, len(req.Txs))
	var total int64
	for _, tx := range req.Txs {
		total += int64(len(tx))
		if total > req.MaxTxBytes {
			break
		}
		txs = append(txs, tx)
	}
	return &abci.PrepareProposalResponse{Txs: txs}, nil
}

// ProcessProposal rejects a block carrying a tx that no honest proposer
// would include: one that fails CheckTx's stateless or signature checks.
// It changes no state.
func (a *App) ProcessProposal(_ context.Context, req *abci.ProcessProposalRequest) (*abci.ProcessProposalResponse, error) {
	a.preverify(req.Txs)
	view := a.store.View()
	version, _, _, err := rulesVersionAt(view, req.Height)
	if err != nil {
		return nil, fmt.Errorf("process proposal %d: %w", req.Height, err)
	}
	for _, raw := range req.Txs {
		if _, terr := a.checkTx(view, raw, version, chain.MaxTxBytes); terr != nil {
			a.metrics.rejected(terr.Code, "proposal")
			a.logger.Info("rejecting proposal", "height", req.Height, "reason", terr.Error())
			return &abci.ProcessProposalResponse{Status: abci.PROCESS_PROPOSAL_STATUS_REJECT}, nil
		}
	}
	return &abci.ProcessProposalResponse{Status: abci.PROCESS_PROPOSAL_STATUS_ACCEPT}, nil
}

// FinalizeBlock applies the block's txs in order on top of the last committed
// state and returns the app hash. Nothing is durable until Commit.
func (a *App) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.block != nil {
		// FinalizeBlock again without Commit only happens if CometBFT retries
		// after a failure; start from committed state.
		if err := a.store.Discard(a.block); err != nil {
			return nil, err
		}
		a.block = nil
	}
	if last := a.store.Last(); req.Height != last.Height+1 {
		return nil, fmt.Errorf("finalize block %d: last committed height is %d", req.Height, last.Height)
	}
	a.preverify(req.Txs)
	b := a.store.NewBlock(req.Height, req.Time)
	if err := a.startRules(b); err != nil {
		_ = a.store.Discard(b)
		return nil, fmt.Errorf("finalize block %d: %w", req.Height, err)
	}
	a.updates = nil
	results := make([]*abci.ExecTxResult, len(req.Txs))
	for i, raw := range req.Txs {
		results[i] = a.execTx(b, uint32(i), raw)
	}
	if len(a.updates) > 0 {
		// CometBFT applies the updates at Height+2, so the header at
		// Height+1 is the first whose NextValidatorsHash names the new set.
		if err := b.MarkValidatorChange(req.Height + 1); err != nil {
			return nil, fmt.Errorf("finalize block %d: %w", req.Height, err)
		}
	}
	cp, err := b.Finish()
	if err != nil {
		return nil, fmt.Errorf("finalize block %d: %w", req.Height, err)
	}
	a.block = b
	return &abci.FinalizeBlockResponse{TxResults: results, AppHash: cp.AppHash, ValidatorUpdates: a.updates}, nil
}

func (a *App) execTx(b *store.Block, i uint32, raw []byte) *abci.ExecTxResult {
	w, terr := a.checkTx(b.View, raw, a.rules.version, chain.MaxTxBytes)
	if terr == nil && w.batch != nil {
		return a.execBatch(b, i, w)
	}
	var tx *chain.Tx
	var en *chain.Entry
	if terr == nil {
		tx = w.tx
		keys := chain.RecordKeys(raw, tx, a.rules.version)
		rc := a.ruleContext(b, tx, w.s)
		terr = chain.CheckCommon(b, rc, keys...)
		if terr == nil {
			terr = a.versionRules(tx)
		}
		if terr == nil {
			en, _, terr = a.apply(b, i, raw, tx, rc, keys)
		}
	}
	if terr != nil {
		a.metrics.rejected(terr.Code, "finalize")
		return &abci.ExecTxResult{Code: terr.Code, Codespace: Codespace, Log: terr.Error()}
	}
	a.metrics.recordAppended(tx.Body.Type().String())
	attrs := []abci.EventAttribute{
		{Key: "log_index", Value: strconv.FormatUint(en.Index, 10), Index: true},
		{Key: "type", Value: tx.Body.Type().String(), Index: true},
	}
	if id := tx.Body.ContractID(); id != "" {
		attrs = append(attrs, abci.EventAttribute{Key: "contract_id", Value: id, Index: true})
	}
	return &abci.ExecTxResult{
		Code:   CodeOK,
		Data:   chainIndexBytes(en.Index),
		Events: []abci.Event{{Type: "record", Attributes: attrs}},
	}
}

func chainIndexBytes(i uint64) []byte {
	return []byte(strconv.FormatUint(i, 10))
}

// Commit makes the finalized block durable.
func (a *App) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.block == nil {
		return nil, errors.New("commit without finalize block")
	}
	if err := a.store.Commit(a.block); err != nil {
		return nil, err
	}
	a.block = nil
	last := a.store.Last()
	a.metrics.committed(last.Height, last.LogSize)
	return &abci.CommitResponse{}, nil
}

// Query answers read-only questions about committed state. Paths:
//
//	/checkpoint[/HEIGHT]   the checkpoint (log size, roots, app hash) as JSON
//	/entry/INDEX           the leaf bytes; with prove, the inclusion proof at the latest size
//	/tx/HASH               the log index of a committed record (hex hash: a tx hash, or from rules version 2 an item hash)
//	/contract/ID           contract state as JSON
//	/cert/FINGERPRINT      certificate state as JSON
//	/upgrade               rules version in force and the scheduled upgrade plan as JSON
func (a *App) Query(_ context.Context, req *abci.QueryRequest) (*abci.QueryResponse, error) {
	last := a.store.Last()
	resp, err := a.query(req, last)
	if err != nil {
		return &abci.QueryResponse{Code: CodeInvalidField, Codespace: Codespace, Log: err.Error(), Height: last.Height}, nil
	}
	resp.Height = last.Height
	return resp, nil
}

func (a *App) query(req *abci.QueryRequest, last chain.Checkpoint) (*abci.QueryResponse, error) {
	parts := strings.Split(strings.Trim(req.Path, "/"), "/")
	view := a.store.View()
	asJSON := func(v any) (*abci.QueryResponse, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return &abci.QueryResponse{Value: b}, nil
	}
	switch {
	case parts[0] == "checkpoint" && len(parts) <= 2:
		cp := last
		if len(parts) == 2 {
			h, err := strconv.ParseInt(parts[1], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("path height: %w", err)
			}
			if cp, err = view.Checkpoint(h); err != nil {
				return nil, err
			}
		}
		return asJSON(cp)
	case parts[0] == "entry" && len(parts) == 2:
		i, err := strconv.ParseUint(parts[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("path index: %w", err)
		}
		if i >= last.LogSize {
			return nil, fmt.Errorf("entry %d: log size is %d", i, last.LogSize)
		}
		leaf, err := view.Entry(i)
		if err != nil {
			return nil, err
		}
		resp := &abci.QueryResponse{Key: []byte(parts[1]), Value: leaf, Index: int64(i)}
		if req.Prove {
			proof, err := a.store.InclusionProof(i, last.LogSize)
			if err != nil {
				return nil, err
			}
			b, _ := json.Marshal(struct {
				Index, Size uint64
				Path        [][]byte
			}{i, last.LogSize, proof})
			resp.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: "sealchain/sm3-rfc6962-inclusion", Key: resp.Key, Data: b}}}
		}
		return resp, nil
	case parts[0] == "tx" && len(parts) == 2:
		raw, err := hex.DecodeString(parts[1])
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("path tx hash: want 64 hex digits")
		}
		i, ok, err := view.TxLogIndex(chain.Hash(raw))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("tx %s: %w", parts[1], store.ErrNotFound)
		}
		return asJSON(map[string]uint64{"log_index": i})
	case parts[0] == "contract" && len(parts) == 2:
		c, ok, err := view.Contract(parts[1])
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("contract %q: %w", parts[1], store.ErrNotFound)
		}
		return asJSON(c)
	case parts[0] == "upgrade" && len(parts) == 1:
		s, err := a.upgradeStatus()
		if err != nil {
			return nil, err
		}
		return asJSON(s)
	case parts[0] == "cert" && len(parts) == 2:
		raw, err := hex.DecodeString(parts[1])
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("path fingerprint: want 64 hex digits")
		}
		c, ok, err := view.Cert(chain.Fingerprint(raw))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("cert %s: %w", parts[1], store.ErrNotFound)
		}
		return asJSON(c)
	}
	return nil, fmt.Errorf("unknown query path %q", req.Path)
}
