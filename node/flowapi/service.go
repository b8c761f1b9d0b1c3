package flowapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow"
	"github.com/sealchain/sealchain/workflow/filestore"
	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/notify"
	"github.com/sealchain/sealchain/workflow/search"
	"github.com/sealchain/sealchain/workflow/template"
)

// Service is the signing workflow running in this node, and its HTTP API.
type Service struct {
	engine   *workflow.Engine
	db       *pebble.DB
	index    *search.Index
	files    workflow.FileStore
	uploads  *filestore.Tiered // nil: files stay on the local disk
	upDone   chan struct{}     // closed when the uploader stops
	webhooks *notify.Webhooks
	outbox   *notify.Outbox
	token    string             // platform bearer token
	bank     *identity.DevBank  // nil unless the bank is the development one
	sms      *notify.SMSGateway // nil: SMS wait in the outbox for an external gateway
	devOnly  bool
	cancel   context.CancelFunc
	done     chan struct{}

	templates *builtinTemplates // renders and describes the built-in templates

	// For the HTTP API (Register).
	store        Store
	assemble     AssembleFn
	chainID, org string
	maxBody      int64
	wait         time.Duration
	logger       *slog.Logger
}

func Open(c Config) (s *Service, err error) {
	wc, logger := c.Workflow, c.Logger
	sub, err := client.LoadSubmitter(c.Genesis.ChainID, c.Org, c.Paths.SubmitterCert, c.Paths.SubmitterKey)
	if err != nil {
		return nil, err
	}
	ca, err := signer.LoadCA(c.Paths.CACert, c.Paths.CAKey)
	if err != nil {
		return nil, err
	}
	if c.RevocationURLs != nil {
		ca.OCSPServer, ca.CRLDistributionPoints = c.RevocationURLs()
	}
	vkey, err := signer.LoadPrivateKey(c.Paths.VerifierKey)
	if err != nil {
		return nil, fmt.Errorf("intent verifier credential (sealchain init with dev OTP creates one): %w", err)
	}
	vpem, err := os.ReadFile(c.Paths.VerifierCert)
	if err != nil {
		return nil, err
	}
	vcert, err := signer.ParseCertificatePEM(vpem)
	if err != nil {
		return nil, err
	}
	token, err := loadOrCreateToken(c.Paths.Token)
	if err != nil {
		return nil, err
	}
	s = &Service{token: token, devOnly: wc.DevProviders, templates: &builtinTemplates{logger: logger},
		store: c.Store, assemble: c.Assemble, chainID: c.Genesis.ChainID, org: c.Org, maxBody: c.MaxBody, wait: c.Wait,
		logger: c.APILogger}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.db, err = pebble.Open(c.Paths.DB, &pebble.Options{Logger: c.PebbleLogger}); err != nil {
		return nil, fmt.Errorf("open %s: %w", c.Paths.DB, err)
	}
	fkek, err := filestore.LoadKEK(c.Paths.FilesKEK, nil)
	if err != nil {
		return nil, err
	}
	if s.files, s.uploads, err = openFiles(c, fkek, logger); err != nil {
		return nil, err
	}
	wkek, err := workflow.LoadKEK(c.Paths.KEK, nil)
	if err != nil {
		return nil, err
	}
	// Data older versions kept in clear is sealed (or deleted) before
	// anything reads the DB; once, by a version marker.
	if err := workflow.MigrateAtRest(context.Background(), s.db, wkek, rand.Reader, logger); err != nil {
		return nil, err
	}
	sealer := wkek.Sealer(rand.Reader)
	ps, err := buildProviders(wc.Providers, c.Resolve, logger)
	if err != nil {
		return nil, err
	}
	s.bank = ps.devBank
	verifier, err := identity.New(c.Genesis.ChainID, c.GenesisState, vkey, vcert.Raw,
		identity.WithProvider(ps.identity), identity.WithBank(ps.bank), identity.WithDepositStore(s.db),
		identity.WithDepositSealer(sealer))
	if err != nil {
		return nil, err
	}
	allow, err := wc.WebhookAllowPrefixes()
	if err != nil {
		return nil, err
	}
	if s.webhooks, err = notify.NewWebhooks(s.db, notify.WithLogger(logger.With("part", "webhooks")),
		notify.WithBackoff(wc.WebhookBackoff.Duration, max(wc.WebhookBackoff.Duration, time.Hour)),
		notify.WithAllowedTargets(allow...), notify.WithSecretSealer(sealer)); err != nil {
		return nil, err
	}
	if s.outbox, err = notify.NewOutbox(s.db, time.Now, notify.WithSealer(sealer)); err != nil {
		return nil, err
	}
	if ps.sms != nil {
		if s.sms, err = notify.NewSMSGateway(s.outbox, ps.sms, ps.smsOpts...); err != nil {
			return nil, err
		}
	}
	cfg := workflow.Config{
		ChainID: c.Genesis.ChainID, Submitter: sub, CA: ca, VerifierKey: vkey, VerifierCert: vcert.Raw,
		Identity: verifier, Files: s.files, Templates: s.templates, Notifier: &wfNotifier{s.webhooks, s.outbox},
		Chain: &wfChain{store: c.Store, sub: c.Submitter, pool: c.Pool}, DB: s.db, KEK: wkek,
		PublicURL: strings.TrimRight(c.PublicURL, "/"), OTPTTL: wc.OTPTTL.Duration, OTPMaxAttempts: wc.OTPMaxAttempts,
		OTPCooldown: wc.OTPCooldown.Duration, OTPCodesPerHour: wc.OTPCodesPerHour, OTPCodesPerLink: wc.OTPCodesPerLink,
		OTPMaxFailures:   wc.OTPMaxFailures,
		ReminderInterval: wc.ReminderInterval.Duration, DevOTP: wc.DevProviders, Logger: logger,
		Face: faceCheck(ps, func() *workflow.Engine { return s.engine }), Pages: c.Pages,
	}
	if want := os.Getenv(CrashEnv); want != "" {
		// "step" or "step:detail", e.g. outbox.broadcast:contract_signed.
		step, detail, _ := strings.Cut(want, ":")
		cfg.Crash = func(at, what string) {
			if at == step && (detail == "" || detail == what) {
				logger.Error("killing the process at a workflow step", "env", CrashEnv, "step", at, "detail", what)
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // never returns: the signal ends the process
			}
		}
	}
	if c.Paths.Search != "" {
		if s.index, err = openIndex(c.Paths.Search, workflow.SearchKey(wkek), c.PebbleLogger, logger); err != nil {
			return nil, err
		}
		cfg.Index = s.index
	}
	if s.engine, err = workflow.New(cfg); err != nil {
		return nil, err
	}
	if err := s.engine.Start(); err != nil {
		return nil, err
	}
	if c.Metrics != nil {
		// Queue depth and stuck records (evicted from the mempool while
		// CometBFT's cache holds them: workflow/pipeline.go).
		engine := s.engine
		c.Metrics.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sealchain_workflow_chain_queued",
				Help: "Workflow records queued for the chain and not yet committed or rejected."},
				func() float64 { q, _ := engine.PendingTxs(); return float64(q) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sealchain_workflow_chain_stuck",
				Help: "Workflow records accepted by CheckTx but neither in the mempool nor on chain for several blocks; restart the node to clear CometBFT's cache."},
				func() float64 { return float64(engine.StuckTxs()) }))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	var loops sync.WaitGroup
	loops.Add(1)
	if s.uploads != nil {
		if c.Metrics != nil {
			fileMetrics(c.Metrics, s.uploads)
		}
		s.upDone = make(chan struct{})
		go runUploads(ctx, s.uploads, logger, s.upDone)
	}
	go func() {
		defer loops.Done()
		if err := s.webhooks.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			logger.Error("webhook dispatcher stopped", "err", err)
		}
	}()
	if s.sms != nil {
		loops.Add(1)
		go func() {
			defer loops.Done()
			if err := s.sms.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				logger.Error("sms gateway stopped", "err", err)
			}
		}()
	}
	go func() { loops.Wait(); close(s.done) }()
	logger.Info("workflow started", "db", c.Paths.DB, "public_url", cfg.PublicURL, "dev_providers", wc.DevProviders)
	return s, nil
}

// DB is the workflow's database (tests and tools).
func (s *Service) DB() *pebble.DB { return s.db }

// Close stops the loops and closes the database.
func (s *Service) Close() error {
	if s == nil {
		return nil
	}
	if s.cancel != nil {
		s.cancel()
		<-s.done
		if s.upDone != nil {
			<-s.upDone
		}
	}
	if s.engine != nil {
		s.engine.Stop()
	}
	if s.index != nil {
		if err := s.index.Close(); err != nil {
			s.logger.Warn("close search index", "err", err)
		}
	}
	if s.db != nil {
		return s.db.Close()
	}
	return nil
}

// loadOrCreateToken reads the platform's bearer token, creating it (0600).
func loadOrCreateToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		tok := strings.TrimSpace(string(b))
		if len(tok) < 32 {
			return "", fmt.Errorf("workflow token %s: want at least 32 characters", path)
		}
		return tok, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, raw); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", err
	}
	return tok, nil
}

// devFace is the development face check: any capture passes except the
// documented rejecting one (identity.DevRejectFace).
func devFace(_ context.Context, _ string, capture []byte) error {
	if string(capture) == identity.DevRejectFace {
		return errors.New("face does not match (development reject input)")
	}
	return nil
}

// wfChain submits the workflow's records through the node's submitter and
// maps its outcomes to the workflow's TxResult (the workflow reads no ABCI
// code numbers).
type wfChain struct {
	store Store
	sub   Submitter
	pool  TxPool // nil: InMempool answers true (no eviction check)
}

// The submitter's batching API (submit.Submitter): record hashes, the
// mempool check that sees a record inside a batch, and a standalone send.
// Asserted, not required, so the workflow runs over a submitter that
// does not batch (every record then goes standalone, keyed by tx hash).
type (
	recordHasher interface {
		RecordHash(tx []byte) chain.Hash
	}
	batchMempool interface {
		InMempool(tx []byte) bool
	}
	standaloneSubmitter interface {
		SubmitAlone(ctx context.Context, tx []byte) (submit.Outcome, error)
	}
)

func (c *wfChain) Height() int64 { return c.store.Last().Height }

func (c *wfChain) RecordHash(tx []byte) chain.Hash {
	if h, ok := c.sub.(recordHasher); ok {
		return h.RecordHash(tx)
	}
	return chain.TxHash(tx)
}

func (c *wfChain) InMempool(tx []byte) bool {
	if m, ok := c.sub.(batchMempool); ok {
		return m.InMempool(tx)
	}
	return c.pool == nil || c.pool.InMempool(types.Tx(tx).Key())
}

// Broadcast submits tx; a record that must be found by its tx hash (not
// batchable) goes standalone when the submitter can be told so. If it
// cannot, the record may land batched: the workflow then also asks for
// its record hash (workflow/pipeline.go), so it still settles.
func (c *wfChain) Broadcast(ctx context.Context, tx []byte, batchable bool) (workflow.TxResult, error) {
	submitFn := c.sub.Submit
	if s, ok := c.sub.(standaloneSubmitter); ok && !batchable {
		submitFn = s.SubmitAlone
	}
	o, err := submitFn(ctx, tx)
	if err != nil {
		return workflow.TxResult{}, err
	}
	return wfResult(o)
}

func (c *wfChain) Result(ctx context.Context, h chain.Hash) (workflow.TxResult, error) {
	o, err := c.sub.Result(ctx, h)
	if err != nil {
		return workflow.TxResult{}, err
	}
	return wfResult(o)
}

// wfResult maps a submitter outcome to the workflow's terms.
func wfResult(o submit.Outcome) (workflow.TxResult, error) {
	switch o.Status {
	case submit.Pending:
		return workflow.TxResult{}, nil
	case submit.Replay:
		return workflow.TxResult{Replay: true}, nil
	case submit.Committed:
		return workflow.TxResult{Committed: true, Index: o.Index, Height: o.Height}, nil
	case submit.Rejected:
		return workflow.TxResult{Rejected: true, Code: o.Code, Log: o.Log, Height: o.Height,
			NotYetDue: o.Code == app.CodeNotExpired && o.Codespace == app.Codespace}, nil
	}
	return workflow.TxResult{}, fmt.Errorf("submit: %s: %w", o.Status, o.Err)
}

func (c *wfChain) BlockTime() time.Time { return c.store.Last().Time }

// wfNotifier hands events to the webhook dispatcher and messages to the outbox.
type wfNotifier struct {
	webhooks *notify.Webhooks
	outbox   *notify.Outbox
}

func (w *wfNotifier) Event(ctx context.Context, ev workflow.Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = w.webhooks.Publish(ctx, notify.Event{ID: ev.ID, Type: ev.Type, Payload: body})
	return undeliverable(err)
}

// undeliverable marks input errors as final for the workflow's queue.
func undeliverable(err error) error {
	if errors.Is(err, notify.ErrInvalid) {
		return fmt.Errorf("%w: %w", workflow.ErrUndeliverable, err)
	}
	return err
}

func (w *wfNotifier) Message(ctx context.Context, m workflow.Message) error {
	tmpl := m.Template
	params := m.Params
	if tmpl == "otp" {
		// The outbox's SMS-code template: gateways know it.
		tmpl = notify.TemplateSMSCode
		purpose := m.Params["purpose"]
		if purpose == "" {
			purpose = workflow.PurposeSign
		}
		params = map[string]string{"code": m.Params["code"], "purpose": purpose + " " + m.Params["contract_id"],
			"contract_id": m.Params["contract_id"], "party": m.Params["party"], "ttl_minutes": m.Params["ttl_minutes"]}
		if b := m.Params["batch_id"]; b != "" { // one code for a batch of contracts
			params = map[string]string{"code": m.Params["code"], "batch_id": b, "ttl_minutes": m.Params["ttl_minutes"],
				"purpose": purpose + " " + m.Params["count"] + " contracts (batch " + b + ")"}
		}
	}
	// m.ID is stable across redeliveries, so a crash between Enqueue and
	// the workflow's dequeue does not send the SMS twice.
	_, err := w.outbox.Enqueue(ctx, notify.Message{Key: m.ID, Channel: m.Channel, RecipientRef: m.To, Template: tmpl, Params: params})
	return undeliverable(err)
}

// builtinTemplates renders workflow/template's built-in templates. The CJK
// font (4 MB) is loaded on first use, not at every node start; a failed
// load is tried again on the next use (workflow_templates.go).
type builtinTemplates struct {
	fontPath string // "": template.DefaultFontPath
	logger   *slog.Logger

	mu    sync.Mutex
	font  *template.Font
	descs []*template.Description // with example areas, once the font loaded
}

func (b *builtinTemplates) Render(_ context.Context, id string, fields map[string]string) ([]byte, []workflow.RoleArea, error) {
	t, err := template.Builtin(id)
	if err != nil {
		return nil, nil, err
	}
	font, err := b.loadFont()
	if err != nil {
		return nil, nil, err
	}
	doc, err := t.Render(fields, template.WithFont(font))
	if err != nil {
		return nil, nil, err
	}
	areas := make([]workflow.RoleArea, len(doc.Areas))
	for i, a := range doc.Areas {
		areas[i] = workflow.RoleArea{Role: a.Role, Area: workflow.Area{Page: a.Page, X: a.X, Y: a.Y, W: a.W, H: a.H}}
	}
	return doc.PDF, areas, nil
}

// SetLTV hands the workflow the node's PKI for PAdES B-T and B-LT
// (workflow.Engine.SetLTV).
func (s *Service) SetLTV(l workflow.LTV) { s.engine.SetLTV(l) }

// openIndex opens the search index. The index is derived data: a corrupt
// one is deleted and rebuilt from the workflow database (the engine
// rebuilds an empty one when it starts).
func openIndex(dir string, key []byte, pl pebble.Logger, logger *slog.Logger) (*search.Index, error) {
	o := search.Options{Logger: pl}
	ix, err := search.Open(dir, key, o)
	if err != nil && pebble.IsCorruptionError(err) {
		logger.Warn("search index corrupt; deleting it to rebuild", "dir", dir, "err", err)
		if rerr := os.RemoveAll(dir); rerr != nil {
			return nil, fmt.Errorf("remove corrupt search index: %w", rerr)
		}
		ix, err = search.Open(dir, key, o)
	}
	return ix, err
}
