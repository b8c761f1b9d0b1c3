package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow/identity"
)

// Defaults.
const (
	DefaultOTPTTL           = 5 * time.Minute
	DefaultOTPMaxAttempts   = 5
	DefaultOTPCodesPerHour  = 5
	DefaultOTPCodesPerLink  = 10
	DefaultOTPMaxFailures   = 10
	DefaultReminderInterval = 24 * time.Hour
	// certValidity is how long a party's certificate lasts (capped by the CA's).
	certValidity = 2 * 365 * 24 * time.Hour
	// backdate covers the gap between the node's clock and block time.
	backdate = time.Hour
)

// Contract and party statuses (off chain, as the API shows them).
const (
	StatusDraft     = "draft"
	StatusSigning   = "signing"
	StatusSigned    = "signed" // every party signed; completion queued
	StatusCompleted = "completed"
	StatusDeclined  = "declined"
	StatusVoided    = "voided"
	StatusExpired   = "expired"

	PartyPending  = "pending"
	PartyViewed   = "viewed"
	PartySigned   = "signed"
	PartyDeclined = "declined"

	IdentityPending  = "pending"
	IdentityVerified = "verified"
	IdentityFailed   = "failed"
)

// IdentityVerifier checks people and companies (workflow/identity.Verifier).
type IdentityVerifier interface {
	Verify(ctx context.Context, req *identity.Request) (*identity.Attestation, error)
	StartDeposit(ctx context.Context, req *identity.Request) (*identity.DepositChallenge, error)
	ConfirmDeposit(ctx context.Context, id string, amountFen int64) (*identity.Attestation, error)
	// RetryDeposit sends an open challenge's deposit again (same amount,
	// same memo) after StartDeposit could not tell whether it left.
	RetryDeposit(ctx context.Context, id string, req *identity.Request) (*identity.DepositChallenge, error)
}

// FileStore keeps documents encrypted and addressed by SM3 (workflow/filestore.Store).
// Put must be durable when it returns.
type FileStore interface {
	Put(ctx context.Context, r io.Reader) ([32]byte, error)
	Get(ctx context.Context, sum [32]byte) ([]byte, error)
}

// Templates renders a template with its fields into a PDF and the signing
// area of each of its roles, in the template's order.
type Templates interface {
	Render(ctx context.Context, id string, fields map[string]string) (pdf []byte, areas []RoleArea, err error)
}

// Notifier hands events to webhooks and messages to the SMS/e-mail outbox.
// Both must be idempotent by ID: the engine redelivers after a crash. An
// error wrapping ErrUndeliverable drops the item; any other is retried.
type Notifier interface {
	Event(ctx context.Context, ev Event) error
	Message(ctx context.Context, m Message) error
}

// TxResult is what the chain says about a submitted transaction. The
// workflow reads outcomes, never ABCI code numbers: the node, which wires
// the chain, maps its codes to these fields.
type TxResult struct {
	Committed bool
	Index     uint64 // log index when committed
	Rejected  bool   // rejected by CheckTx (Broadcast) or in FinalizeBlock (Result)
	Code      uint32
	Log       string
	Height    int64 // the block it was committed or rejected in, if known
	// Replay (Broadcast): the same bytes are already committed, or already
	// in the mempool; Result tells the outcome.
	Replay bool
	// NotYetDue (Rejected): contract_expired in a block whose time is not
	// yet past the deadline. CometBFT's block time is the median of the
	// previous commit's votes, so after an idle spell it lags the clock; a
	// fresh copy of the record in a later block passes.
	NotYetDue bool
}

// Chain submits transactions and reports their outcome.
type Chain interface {
	// Broadcast runs CheckTx: a zero TxResult means accepted into the
	// mempool; Replay, already there or committed; Rejected, refused. An
	// error means no answer (mempool full, node stopping): retry later.
	// With batchable the record may wait (briefly) to share a batch with
	// others, so the queue calls it concurrently; without, it goes alone
	// as a standalone tx (a record queued under its tx hash, which only
	// the standalone form is found by).
	Broadcast(ctx context.Context, tx []byte, batchable bool) (TxResult, error)
	// Result reads a record's outcome by its record hash.
	Result(ctx context.Context, h chain.Hash) (TxResult, error)
	// RecordHash is the hash the chain answers for tx once it is sent
	// batchable: its item hash from rules version 2 (batches), else its
	// tx hash. Records are queued and named by it.
	RecordHash(tx []byte) chain.Hash
	// BlockTime is the time of the last committed block.
	BlockTime() time.Time
	// Height is the last committed height.
	Height() int64
	// InMempool tells whether tx, or the batch carrying it, waits in this
	// node's mempool.
	InMempool(tx []byte) bool
}

// Event is a webhook event.
type Event struct {
	ID         string    `json:"id"`
	Type       string    `json:"event"`
	At         time.Time `json:"at"`
	ContractID string    `json:"contract_id,omitempty"`
	IdentityID string    `json:"identity_id,omitempty"`
	Party      *int      `json:"party,omitempty"`
}

// Message is an SMS or e-mail to a party, for the outbox.
type Message struct {
	ID       string            `json:"id"`
	Channel  string            `json:"channel"` // sms or email
	To       string            `json:"to"`
	Template string            `json:"template"` // otp, sign_link, reminder
	Params   map[string]string `json:"params"`
}

// Config is what the engine needs. Chain, Submitter, CA, the verifier
// credential, DB, KEK, Files and Identity are required.
type Config struct {
	ChainID      string
	Submitter    *client.Submitter
	CA           *signer.CA
	VerifierKey  *signer.PrivateKey // signs intent attestations (intent-verifier usage, registered)
	VerifierCert []byte
	Identity     IdentityVerifier
	Files        FileStore
	Templates    Templates // optional
	// Pages draws OFD pages for the signing page (optional: without it the
	// page says the picture cannot be shown and offers the file).
	Pages    PageRenderer
	Notifier Notifier // optional: nothing is sent without one
	// Index answers Search (optional: without it Search scans the store
	// by creation time, fine for thousands of contracts, not millions).
	Index SearchIndex
	Chain Chain
	DB    *pebble.DB
	KEK   *KEK
	// PublicURL prefixes signing links ("http://host:port").
	PublicURL      string
	OTPTTL         time.Duration
	OTPMaxAttempts int // wrong codes before one code is burned
	// OTPCooldown is the least time between two codes for one link (0:
	// none); OTPCodesPerHour and OTPCodesPerLink cap the codes a link gets
	// in any hour and in its life; after OTPMaxFailures wrong codes over
	// the link's life (all codes together) the link is locked. Without
	// these a new code, with fresh attempts, could be asked for without
	// end: 5 guesses per SMS, about 200 000 SMS to guess a 6-digit code.
	OTPCooldown      time.Duration
	OTPCodesPerHour  int
	OTPCodesPerLink  int
	OTPMaxFailures   int
	ReminderInterval time.Duration // 0: no scheduled reminders
	// DevOTP puts the SMS code in the message params as well, so tests and
	// the development pages can read it from the outbox.
	DevOTP bool
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
	// Face checks a live capture against the identity's (intent by face);
	// nil disables the face method.
	Face func(ctx context.Context, identityID string, capture []byte) error
	// Crash, when set, is called at named steps (see Steps) with a detail
	// (the record type for outbox steps, the contract id for sign steps);
	// tests make the process die there.
	Crash func(step, detail string)
}

// Steps at which Config.Crash is called.
const (
	StepSignPDFStored   = "sign.pdf_stored"  // signed PDF in the file store, state not yet written
	StepSignStateSaved  = "sign.state_saved" // state and queued records written, nothing submitted
	StepOutboxBroadcast = "outbox.broadcast" // a record was broadcast, its commit not yet noted
	StepOutboxCommitted = "outbox.committed" // a record is committed, the queue not yet advanced
)

// Engine runs the signing workflow. It is safe for concurrent use; state
// changes are serialised by one mutex (the platform's volume is small and
// each change is one synced pebble batch).
type Engine struct {
	cfg    Config
	db     *pebble.DB
	now    func() time.Time
	rand   io.Reader
	logger *slog.Logger

	mu   sync.Mutex // state changes and the sequence counter
	seq  uint64
	ltv  LTV           // SetLTV; nil: PDFs stay PAdES B-B
	kick chan struct{} // wakes the queues
	// bulkWake wakes the bulk send runner (bulk.go).
	bulkWake chan struct{}
	// stuck counts records marked stuck by this process (pipeline.go).
	stuck atomic.Int64

	// ixMu guards ixReady (Search uses the index) and ixMark (the last
	// change the index applied); taken after mu.
	ixMu    sync.Mutex
	ixReady bool
	ixMark  uint64
	// names caches identities' verified names for the index (index.go).
	namesMu sync.Mutex
	names   map[string]string

	runMu   sync.Mutex
	running bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// New checks cfg and returns an engine; Start runs its background loops.
func New(cfg Config) (*Engine, error) {
	switch {
	case cfg.ChainID == "":
		return nil, errors.New("workflow: no chain id")
	case cfg.Submitter == nil:
		return nil, errors.New("workflow: no submitter credential")
	case cfg.CA == nil:
		return nil, errors.New("workflow: no platform CA")
	case cfg.VerifierKey == nil || len(cfg.VerifierCert) == 0:
		return nil, errors.New("workflow: no intent verifier credential")
	case cfg.Identity == nil:
		return nil, errors.New("workflow: no identity verifier")
	case cfg.Files == nil:
		return nil, errors.New("workflow: no file store")
	case cfg.Chain == nil:
		return nil, errors.New("workflow: no chain")
	case cfg.DB == nil:
		return nil, errors.New("workflow: no database")
	case cfg.KEK == nil:
		return nil, errors.New("workflow: no key-encryption key")
	}
	if cfg.OTPTTL <= 0 {
		cfg.OTPTTL = DefaultOTPTTL
	}
	if cfg.OTPMaxAttempts <= 0 {
		cfg.OTPMaxAttempts = DefaultOTPMaxAttempts
	}
	if cfg.OTPCodesPerHour <= 0 {
		cfg.OTPCodesPerHour = DefaultOTPCodesPerHour
	}
	if cfg.OTPCodesPerLink <= 0 {
		cfg.OTPCodesPerLink = DefaultOTPCodesPerLink
	}
	if cfg.OTPMaxFailures <= 0 {
		cfg.OTPMaxFailures = DefaultOTPMaxFailures
	}
	if cfg.OTPCooldown < 0 {
		cfg.OTPCooldown = 0
	}
	e := &Engine{cfg: cfg, db: cfg.DB, now: cfg.Now, rand: cfg.Rand, logger: cfg.Logger, kick: make(chan struct{}, 1), bulkWake: make(chan struct{}, 1)}
	if e.now == nil {
		e.now = time.Now
	}
	if e.rand == nil {
		e.rand = rand.Reader
	}
	if e.logger == nil {
		e.logger = slog.New(slog.DiscardHandler)
	}
	var seq [8]byte
	val, closer, err := e.db.Get([]byte(kSeq))
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("workflow: read sequence: %w", err)
	default:
		copy(seq[:], val)
		closer.Close()
		e.seq = beUint64(seq[:])
	}
	return e, nil
}

// Start runs the chain queue, the notification queue, the scheduler, the
// bulk send runner and the search index's catch-up until Stop.
func (e *Engine) Start() error {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	if e.running {
		return errors.New("workflow: already started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done, e.running = cancel, make(chan struct{}), true
	var wg sync.WaitGroup
	wg.Add(5)
	go func() {
		defer wg.Done()
		if err := e.startIndex(ctx); err != nil && ctx.Err() == nil {
			e.logger.Error("search index not started; searching the store", "err", err)
		}
	}()
	go func() { defer wg.Done(); e.runTxQueue(ctx) }()
	go func() { defer wg.Done(); e.runBulk(ctx) }()
	go func() { defer wg.Done(); e.runNoteQueue(ctx) }()
	go func() { defer wg.Done(); e.runScheduler(ctx) }()
	go func() { wg.Wait(); close(e.done) }()
	return nil
}

// Stop ends the loops and waits for them.
func (e *Engine) Stop() {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	if !e.running {
		return
	}
	e.cancel()
	<-e.done
	e.running = false
}

func (e *Engine) crash(step, detail string) {
	if e.cfg.Crash != nil {
		e.cfg.Crash(step, detail)
	}
}

func (e *Engine) wake() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

func (e *Engine) randomID(prefix string) (string, error) {
	var b [12]byte
	if _, err := io.ReadFull(e.rand, b[:]); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}
