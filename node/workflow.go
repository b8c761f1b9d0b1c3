package node

import (
	"cmp"
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
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow"
	"github.com/sealchain/sealchain/workflow/filestore"
	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/notify"
	"github.com/sealchain/sealchain/workflow/template"
)

// CrashEnv names a workflow step (workflow.Step*) at which the node kills
// itself with SIGKILL: the kill -9 tests set it. Unset in normal runs.
const CrashEnv = "SEALCHAIN_WORKFLOW_CRASH_AT"

// Workflow files under the home.
func (h Home) WorkflowDB() string    { return h.path("data", "workflow") }
func (h Home) WorkflowFiles() string { return h.path("data", "workflow-files") }
func (h Home) WorkflowToken() string { return h.path("config", "workflow.token") }

// wfService is the signing workflow running in this node.
type wfService struct {
	engine   *workflow.Engine
	db       *pebble.DB
	files    *filestore.Store
	webhooks *notify.Webhooks
	outbox   *notify.Outbox
	token    string // platform bearer token
	bank     *identity.DevBank
	devOnly  bool
	cancel   context.CancelFunc
	done     chan struct{}

	templates *builtinTemplates // renders and describes the built-in templates
}

// startWorkflow opens and starts the workflow when [workflow] enabled and
// this node's organisation is a platform. The API listener must be open
// (its address is the default link prefix).
func (n *Node) startWorkflow() error {
	wc := n.cfg.Workflow
	if !wc.Enabled {
		return nil
	}
	var role chain.Role
	for _, o := range n.gs.Orgs {
		if o.ID == n.cfg.Org {
			role = chain.Role(o.Role)
		}
	}
	if role != chain.RolePlatform {
		n.logger.Info("workflow off: this node's organisation is not a platform", "org", n.cfg.Org, "role", role)
		return nil
	}
	if wc.DevProviders && n.gs.Production {
		return &config.KeyError{Key: "workflow.dev_providers", Err: errors.New("development providers are refused on a production chain (genesis app_state.production)")}
	}
	if !wc.DevProviders {
		// Production providers (a carrier, a face service, an SMS
		// gateway) plug in through workflow/identity.Provider and the
		// outbox; none ships with Sealchain yet.
		return &config.KeyError{Key: "workflow.dev_providers", Err: errors.New("no production identity providers are configured; set dev_providers on a development chain or disable the workflow")}
	}
	s, err := n.openWorkflow(wc)
	if err != nil {
		return fmt.Errorf("workflow: %w", err)
	}
	n.wf = s
	return nil
}

func (n *Node) openWorkflow(wc config.Workflow) (s *wfService, err error) {
	logger := n.logger.With("module", "workflow")
	sub, err := client.LoadSubmitter(n.genesis.ChainID, n.cfg.Org, n.home.SubmitterCert(), n.home.SubmitterKey())
	if err != nil {
		return nil, err
	}
	ca, err := signer.LoadCA(n.home.CACert(), n.home.CAKey())
	if err != nil {
		return nil, err
	}
	vkey, err := signer.LoadPrivateKey(n.home.VerifierKey())
	if err != nil {
		return nil, fmt.Errorf("intent verifier credential (sealchain init with dev OTP creates one): %w", err)
	}
	vpem, err := os.ReadFile(n.home.VerifierCert())
	if err != nil {
		return nil, err
	}
	vcert, err := signer.ParseCertificatePEM(vpem)
	if err != nil {
		return nil, err
	}
	token, err := loadOrCreateToken(n.home.WorkflowToken())
	if err != nil {
		return nil, err
	}
	s = &wfService{token: token, devOnly: wc.DevProviders, templates: &builtinTemplates{logger: logger}}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.db, err = pebble.Open(n.home.WorkflowDB(), &pebble.Options{Logger: pebbleSlog{n.logger.With("module", "workflow", "db", "workflow")}}); err != nil {
		return nil, fmt.Errorf("open %s: %w", n.home.WorkflowDB(), err)
	}
	fkek, err := filestore.LoadKEK(n.home.path("config", filestore.DefaultKEKFile), nil)
	if err != nil {
		return nil, err
	}
	if s.files, err = filestore.Open(n.home.WorkflowFiles(), fkek); err != nil {
		return nil, err
	}
	wkek, err := workflow.LoadKEK(n.home.path("config", workflow.KEKFile), nil)
	if err != nil {
		return nil, err
	}
	// Data older versions kept in clear is sealed (or deleted) before
	// anything reads the DB; once, by a version marker.
	if err := workflow.MigrateAtRest(context.Background(), s.db, wkek, rand.Reader, logger); err != nil {
		return nil, err
	}
	sealer := wkek.Sealer(rand.Reader)
	s.bank = &identity.DevBank{}
	verifier, err := identity.New(n.genesis.ChainID, n.gs, vkey, vcert.Raw,
		identity.WithProvider(identity.DevProvider{}), identity.WithBank(s.bank), identity.WithDepositStore(s.db),
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
	public := cmp.Or(wc.PublicURL, n.cfg.API.PublicURL) // links and report QR codes name one address
	if public == "" {
		scheme := "http"
		if n.tlsCert != nil {
			scheme = "https"
		}
		public = scheme + "://" + n.lis.Addr().String()
	}
	cfg := workflow.Config{
		ChainID: n.genesis.ChainID, Submitter: sub, CA: ca, VerifierKey: vkey, VerifierCert: vcert.Raw,
		Identity: verifier, Files: s.files, Templates: s.templates, Notifier: &wfNotifier{s.webhooks, s.outbox},
		Chain: newWFChain(n.store, n.sub, n.comet), DB: s.db, KEK: wkek,
		PublicURL: strings.TrimRight(public, "/"), OTPTTL: wc.OTPTTL.Duration, OTPMaxAttempts: wc.OTPMaxAttempts,
		OTPCooldown: wc.OTPCooldown.Duration, OTPCodesPerHour: wc.OTPCodesPerHour, OTPCodesPerLink: wc.OTPCodesPerLink,
		OTPMaxFailures:   wc.OTPMaxFailures,
		ReminderInterval: wc.ReminderInterval.Duration, DevOTP: wc.DevProviders, Logger: logger,
		Face: devFace,
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
	if s.engine, err = workflow.New(cfg); err != nil {
		return nil, err
	}
	if err := s.engine.Start(); err != nil {
		return nil, err
	}
	if n.reg != nil {
		// Queue depth and stuck records (evicted from the mempool while
		// CometBFT's cache holds them: workflow/pipeline.go).
		engine := s.engine
		n.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sealchain_workflow_chain_queued",
				Help: "Workflow records queued for the chain and not yet committed or rejected."},
				func() float64 { q, _ := engine.PendingTxs(); return float64(q) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sealchain_workflow_chain_stuck",
				Help: "Workflow records accepted by CheckTx but neither in the mempool nor on chain for several blocks; restart the node to clear CometBFT's cache."},
				func() float64 { return float64(engine.StuckTxs()) }))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.webhooks.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			logger.Error("webhook dispatcher stopped", "err", err)
		}
	}()
	logger.Info("workflow started", "db", n.home.WorkflowDB(), "public_url", cfg.PublicURL, "dev_providers", wc.DevProviders)
	return s, nil
}

// close stops the loops and closes the database.
func (s *wfService) close() error {
	if s == nil {
		return nil
	}
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	if s.engine != nil {
		s.engine.Stop()
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
	store *chain.Store
	sub   *submit.Submitter
	pool  txPool // nil: InMempool answers true (no eviction check)
}

// txPool is the part of CometBFT's CListMempool the eviction check uses.
type txPool interface {
	InMempool(key types.TxKey) bool
}

func newWFChain(store *chain.Store, sub *submit.Submitter, c *Comet) *wfChain {
	pool, _ := c.node.Mempool().(txPool)
	return &wfChain{store: store, sub: sub, pool: pool}
}

func (c *wfChain) Height() int64 { return c.store.Last().Height }

func (c *wfChain) InMempool(tx []byte) bool {
	return c.pool == nil || c.pool.InMempool(types.Tx(tx).Key())
}

func (c *wfChain) Broadcast(ctx context.Context, tx []byte) (workflow.TxResult, error) {
	o, err := c.sub.Submit(ctx, tx)
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
			"contract_id": m.Params["contract_id"], "party": m.Params["party"]}
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
