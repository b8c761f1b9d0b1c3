package workflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/workflow/filestore"
)

// Area is where a party's seal goes: 1-based page and a rectangle in PDF
// points from the bottom left.
type Area struct {
	Page int     `json:"page"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	W    float64 `json:"w"`
	H    float64 `json:"h"`
}

func (a *Area) validate(field string) error {
	switch {
	case a.Page < 1:
		return badField(field+".page", "%d, want 1 or more", a.Page)
	case a.W <= 0 || a.H <= 0 || a.W > 2000 || a.H > 2000:
		return badField(field, "width and height must be in (0, 2000] points")
	case a.X < 0 || a.Y < 0:
		return badField(field, "x and y must not be negative")
	}
	return nil
}

// HistoryEvent is one line of a contract's history.
type HistoryEvent struct {
	At     time.Time `json:"at"`
	Event  string    `json:"event"`
	Party  *int      `json:"party,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// otpState is a party's current SMS code, hashed.
type otpState struct {
	Hash      []byte    `json:"hash"`
	Salt      []byte    `json:"salt"`
	ExpiresAt time.Time `json:"expires_at"`
	Failures  int       `json:"failures"`
	Burned    bool      `json:"burned"`
	Purpose   string    `json:"purpose,omitempty"` // sign or decline: what the SMS said; "" is sign
	// Message is the id of the SMS that carried the code, for its delivery
	// state (SignView.Code).
	Message string `json:"message,omitempty"`
	// Keyed: Hash is HMAC-SM3 under the KEK's MAC key (otpMAC). Codes made
	// by older versions hold a plain SM3 (otpHashV1) and expire within
	// the code lifetime.
	Keyed bool `json:"keyed,omitempty"`
}

// Party is one signer of a contract.
type Party struct {
	Index          int       `json:"index"`
	IdentityID     string    `json:"identity_id"`
	DisplayName    string    `json:"display_name"`
	Role           string    `json:"role,omitempty"`
	Status         string    `json:"status"`
	Turn           bool      `json:"turn"` // may sign now (set by Contract.Public)
	Area           Area      `json:"area"`
	CertFP         string    `json:"cert_fingerprint"`
	ViewedAt       time.Time `json:"viewed_at,omitzero"`
	SignedAt       time.Time `json:"signed_at,omitzero"`
	SignedSM3      string    `json:"signed_sm3,omitempty"`
	DeclinedReason string    `json:"declined_reason,omitempty"`
	Reminders      int       `json:"reminders"`
	LastReminded   time.Time `json:"last_reminded,omitzero"`
	LinkUsed       bool      `json:"link_used"`
	// OTPCodes counts the SMS codes sent on this link, OTPRecent holds the
	// send times of the last hour and OTPFailures the wrong codes over the
	// link's life; Locked is set when OTPFailures reaches the limit.
	OTPCodes    int         `json:"otp_codes"`
	OTPRecent   []time.Time `json:"otp_recent,omitempty"`
	OTPFailures int         `json:"otp_failures"`
	Locked      bool        `json:"locked,omitempty"`
	OTP         *otpState   `json:"otp,omitempty"`
	LinkSealed  []byte      `json:"link_sealed,omitempty"` // the token under the KEK, for reminders
}

// Contract is the platform's view of a contract: title, parties and their
// progress, the current PDF. Only hashes of it go on chain.
type Contract struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	Order     string    `json:"order"`
	Deadline  time.Time `json:"deadline,omitzero"`
	DocSM3    string    `json:"doc_sm3"`
	DocSHA256 string    `json:"doc_sha256"`
	// Format is "pdf" or "ofd" (FormatPDF, FormatOFD); empty in contracts
	// stored before OFD, which are PDFs.
	Format     string `json:"format,omitempty"`
	CurrentSM3 string `json:"current_sm3"`
	Template   string `json:"template,omitempty"`
	// FieldsSealed are the template's field values (JSON) under the KEK:
	// they hold names and ID numbers. Case packages read them (CaseData).
	FieldsSealed []byte         `json:"fields_sealed,omitempty"`
	Parties      []Party        `json:"parties"`
	CreatedAt    time.Time      `json:"created_at"`
	SentAt       time.Time      `json:"sent_at,omitzero"`
	RenewedFrom  string         `json:"renewed_from,omitempty"`
	RenewedTo    string         `json:"renewed_to,omitempty"`
	VoidReason   string         `json:"void_reason,omitempty"`
	Txs          []string       `json:"txs"` // hashes of the contract's records, queue order
	History      []HistoryEvent `json:"history"`
}

// turn reports whether party i may sign now.
func (c *Contract) turn(i int) bool {
	if c.Status != StatusSigning || c.Parties[i].Status == PartySigned || c.Parties[i].Status == PartyDeclined || c.Parties[i].Locked {
		return false // a locked link gets no reminders either
	}
	if c.Order == chain.OrderParallel.String() {
		return true
	}
	for j := range i {
		if c.Parties[j].Status != PartySigned {
			return false
		}
	}
	return true
}

// Public is c without secrets (codes, sealed links), for API answers.
func (c *Contract) Public() *Contract {
	out := *c
	out.Parties = slices.Clone(c.Parties)
	out.FieldsSealed = nil
	for i := range out.Parties {
		out.Parties[i].OTP, out.Parties[i].LinkSealed = nil, nil
		out.Parties[i].Turn = c.turn(i)
	}
	return &out
}

func (c *Contract) open() bool { return c.Status == StatusDraft || c.Status == StatusSigning }

func (c *Contract) log(at time.Time, event string, party *int, detail string) {
	c.History = append(c.History, HistoryEvent{At: at.UTC(), Event: event, Party: party, Detail: detail})
}

// PartyInput names a party of a new contract. In a template contract Role
// is one of the template's roles and the party signs in that role's area
// (Area must be empty). In a contract on an uploaded PDF, Role is a free
// label and Area is required.
type PartyInput struct {
	IdentityID string `json:"identity_id"`
	Role       string `json:"role,omitempty"`
	Area       *Area  `json:"area,omitempty"`
}

// RoleArea is a template's signing area for one role.
type RoleArea struct {
	Role string
	Area Area
}

// TemplateInput starts a contract from a template.
type TemplateInput struct {
	ID     string            `json:"id"`
	Fields map[string]string `json:"fields"`
}

// ContractInput creates a contract.
type ContractInput struct {
	Title    string         `json:"title"`
	FileID   string         `json:"file_id,omitempty"`
	Template *TemplateInput `json:"template,omitempty"`
	Order    string         `json:"order"`
	Deadline *time.Time     `json:"deadline,omitempty"`
	Parties  []PartyInput   `json:"parties"`
}

// PutFile stores an uploaded PDF or OFD and returns its SM3.
func (e *Engine) PutFile(ctx context.Context, data []byte) ([32]byte, error) {
	if _, _, err := docFormat(data); err != nil {
		return [32]byte{}, badField("body", "%v", err)
	}
	return e.cfg.Files.Put(ctx, bytes.NewReader(data))
}

func (e *Engine) getFile(ctx context.Context, hexSum string) ([]byte, error) {
	b, err := hex.DecodeString(hexSum)
	if err != nil || len(b) != 32 {
		return nil, badField("file_id", "want 64 hex digits")
	}
	data, err := e.cfg.Files.Get(ctx, [32]byte(b))
	if errors.Is(err, filestore.ErrNotFound) {
		return nil, notFound("file", hexSum)
	}
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", hexSum, err)
	}
	return data, nil
}

// CreateContract makes a draft contract and queues contract_created.
func (e *Engine) CreateContract(ctx context.Context, in *ContractInput) (*Contract, error) {
	id, err := e.randomID("wf-")
	if err != nil {
		return nil, err
	}
	pc, err := e.prepareContract(ctx, in, id, nil)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.begin()
	defer t.close()
	if err := e.writeContract(t, pc); err != nil {
		return nil, err
	}
	return pc.c, t.commit()
}

// prepared is a contract checked, its document stored and its
// contract_created record built, not yet written: CreateContract and bulk
// sends (bulk.go) write it in a txn.
type prepared struct {
	c       *Contract
	created queuedTx
	phones  []string // the parties' phones, for their links (secrets: never stored in clear)
}

// queuedTx is a record built (and signed) ahead of its txn.
type queuedTx struct {
	body  chain.Body
	actor *chain.Fingerprint // the actor's certificate, if the record has one
	raw   []byte
	hash  string
}

// buildTx builds body as enqueueTx would, outside any txn (the SM2
// signatures are most of a record's cost).
func (e *Engine) buildTx(body chain.Body, actor *client.Actor) (queuedTx, error) {
	if err := body.Validate(); err != nil {
		return queuedTx{}, fmt.Errorf("%s: %w", body.Type(), err)
	}
	raw, err := e.cfg.Submitter.Build(body, actor)
	if err != nil {
		return queuedTx{}, fmt.Errorf("build %s: %w", body.Type(), err)
	}
	q := queuedTx{body: body, raw: raw, hash: e.cfg.Chain.RecordHash(raw).String()}
	if actor != nil {
		q.actor = &actor.Cert
	}
	return q, nil
}

// identityCache holds the identities a bulk send names, read once per job
// (by several workers); nil reads each time.
type identityCache struct {
	mu sync.Mutex
	m  map[string]*cachedIdentity
}

type cachedIdentity struct {
	rec   *Identity
	phone string
	err   error
}

func (e *Engine) cachedIdentity(cache *identityCache, id string) (*Identity, string, error) {
	if cache != nil {
		cache.mu.Lock()
		ci, ok := cache.m[id]
		cache.mu.Unlock()
		if ok {
			return ci.rec, ci.phone, ci.err
		}
	}
	rec, sec, err := e.loadIdentitySecrets(id)
	phone := ""
	if sec != nil {
		phone = sec.Phone
	}
	var we *Error
	if cache != nil && (err == nil || errors.As(err, &we)) { // remember answers, not I/O failures
		cache.mu.Lock()
		if cache.m == nil {
			cache.m = map[string]*cachedIdentity{}
		}
		cache.m[id] = &cachedIdentity{rec: rec, phone: phone, err: err}
		cache.mu.Unlock()
	}
	return rec, phone, err
}

// prepareContract checks in, renders or reads its document, stores it and
// builds contract_created for contract id. It takes no lock and writes
// nothing but the (content-addressed) document.
func (e *Engine) prepareContract(ctx context.Context, in *ContractInput, id string, cache *identityCache) (*prepared, error) {
	title := strings.TrimSpace(in.Title)
	if title == "" || len(title) > 512 {
		return nil, badField("title", "1 to 512 bytes")
	}
	order := chain.OrderSequential
	switch in.Order {
	case "", "sequential":
	case "parallel":
		order = chain.OrderParallel
	default:
		return nil, badField("order", "%q, want sequential or parallel", in.Order)
	}
	if len(in.Parties) == 0 || len(in.Parties) > chain.MaxParties {
		return nil, badField("parties", "%d parties, want 1..%d", len(in.Parties), chain.MaxParties)
	}
	var deadline time.Time
	if in.Deadline != nil {
		deadline = in.Deadline.UTC().Truncate(time.Second)
		if !deadline.After(e.now()) {
			return nil, badField("deadline", "must be in the future")
		}
	}
	var doc []byte
	var roles []RoleArea
	var err error
	switch {
	case in.FileID != "" && in.Template != nil:
		return nil, badField("file_id", "give file_id or template, not both")
	case in.FileID != "":
		if doc, err = e.getFile(ctx, in.FileID); err != nil {
			return nil, err
		}
	case in.Template != nil:
		if e.cfg.Templates == nil {
			return nil, badField("template", "no templates on this node")
		}
		if doc, roles, err = e.cfg.Templates.Render(ctx, in.Template.ID, in.Template.Fields); err != nil {
			be := badField("template", "%v", err)
			be.Err = err // a *template.FieldError names the fields (bulk.go)
			return nil, be
		}
		// Each party signs in its role's area, whatever the parties' order.
		if err := bindRoles(in.Template.ID, in.Parties, roles); err != nil {
			return nil, err
		}
	default:
		return nil, badField("file_id", "missing (or give a template)")
	}
	format, pages, err := docFormat(doc)
	if err != nil {
		return nil, badField("file_id", "%v", err)
	}
	s3, s2 := sm3.Sum(doc), sha256.Sum256(doc)
	c := &Contract{ID: id, Title: title, Status: StatusDraft, Order: order.String(), Deadline: deadline,
		DocSM3: fmt.Sprintf("%x", s3), DocSHA256: fmt.Sprintf("%x", s2), Format: format, CreatedAt: e.now().UTC()}
	c.CurrentSM3 = c.DocSM3
	if in.Template != nil {
		c.Template = in.Template.ID
		fj, err := json.Marshal(in.Template.Fields)
		if err != nil {
			return nil, err
		}
		if c.FieldsSealed, err = e.cfg.KEK.Seal(e.rand, c.ID+"/fields", fj); err != nil {
			return nil, err
		}
	}
	var fps []chain.Fingerprint
	var phones []string
	for i, p := range in.Parties {
		field := fmt.Sprintf("parties[%d]", i)
		rec, phone, err := e.cachedIdentity(cache, p.IdentityID)
		if err != nil {
			return nil, badField(field+".identity_id", "%v", err)
		}
		if rec.Status != IdentityVerified {
			return nil, unverified(rec)
		}
		area := p.Area
		if in.Template != nil {
			area = &roles[slices.IndexFunc(roles, func(r RoleArea) bool { return r.Role == p.Role })].Area
		}
		if area == nil {
			return nil, badField(field+".area", "missing")
		}
		if err := area.validate(field + ".area"); err != nil {
			return nil, err
		}
		if pages > 0 && area.Page > pages {
			return nil, badField(field+".area.page", "%d, the OFD has %d pages", area.Page, pages)
		}
		fp := rec.Fingerprint()
		if slices.Contains(fps, fp) {
			return nil, badField(field+".identity_id", "identity %s is already a party", p.IdentityID)
		}
		fps = append(fps, fp)
		phones = append(phones, phone)
		c.Parties = append(c.Parties, Party{Index: i, IdentityID: rec.ID, DisplayName: rec.DisplayName, Role: p.Role,
			Status: PartyPending, Area: *area, CertFP: fp.String()})
	}
	if in.Template != nil {
		// Stored only once the parties are valid: a refused request leaves
		// no file behind.
		if _, err := e.cfg.Files.Put(ctx, bytes.NewReader(doc)); err != nil {
			return nil, err
		}
	}
	body := &chain.ContractCreated{Contract: id, DocSM3: s3[:], DocSHA256: s2[:], Parties: fps, Order: order}
	if !deadline.IsZero() {
		body.Deadline = deadline.Unix()
	}
	c.log(c.CreatedAt, "created", nil, "")
	q, err := e.buildTx(body, nil)
	if err != nil {
		return nil, err
	}
	return &prepared{c: c, created: q, phones: phones}, nil
}

// writeContract queues a prepared contract's contract_created and stores
// it, in t. The caller holds e.mu.
func (e *Engine) writeContract(t *txn, pc *prepared) error {
	c := pc.c
	h, err := t.enqueueBuilt(pc.created, c.ID, "")
	if err != nil {
		return err
	}
	c.Txs = append(c.Txs, h)
	if err := t.b.Set(indexKey(c), nil, nil); err != nil {
		return err
	}
	if err := e.putContract(t, c); err != nil {
		return err
	}
	return t.notify("contract.created", c.ID, "", nil)
}

// bindRoles checks that the parties of a contract from template id take
// each of its roles exactly once, and give no area of their own. Errors
// name the party's field and the role.
func bindRoles(id string, parties []PartyInput, roles []RoleArea) error {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Role
	}
	list := strings.Join(names, ", ")
	taken := map[string]int{}
	for i, p := range parties {
		field := fmt.Sprintf("parties[%d]", i)
		switch {
		case p.Role == "":
			return badField(field+".role", "missing: a party of a contract from template %s names its role, one of %s", id, list)
		case !slices.Contains(names, p.Role):
			return badField(field+".role", "%q is not a role of template %s; its roles are %s", p.Role, id, list)
		case p.Area != nil:
			return badField(field+".area", "a template contract places each seal in the area of the party's role (%s); omit area", p.Role)
		}
		if j, dup := taken[p.Role]; dup {
			return badField(field+".role", "role %q is already taken by parties[%d]; each role of template %s has one party", p.Role, j, id)
		}
		taken[p.Role] = i
	}
	for _, n := range names {
		if _, ok := taken[n]; !ok {
			return badField("parties", "no party has role %q of template %s; its roles are %s", n, id, list)
		}
	}
	return nil
}

func (e *Engine) queueContractTx(t *txn, c *Contract, body chain.Body, actorID *string) error {
	var h string
	var err error
	if actorID != nil {
		actor, _, _, _, aerr := e.actor(*actorID)
		if aerr != nil {
			return aerr
		}
		h, err = t.enqueueTx(body, actor, c.ID, "")
	} else {
		h, err = t.enqueueTx(body, nil, c.ID, "")
	}
	if err != nil {
		return err
	}
	c.Txs = append(c.Txs, h)
	return nil
}

func (e *Engine) putContract(t *txn, c *Contract) error {
	if err := t.set(pContract+c.ID, c); err != nil {
		return err
	}
	return t.logChange(c)
}

func (e *Engine) loadContract(id string) (*Contract, error) {
	var c Contract
	ok, err := getJSON(e.db, pContract+id, &c)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("contract", id)
	}
	return &c, nil
}

// Link is a party's signing link, returned once, by Send.
type Link struct {
	Party int    `json:"party"`
	Token string `json:"token"`
	URL   string `json:"url"`
}

// Send moves a draft to signing, queues contract_sent and gives each party
// a one-time link (stored only as its SM3), sent by SMS.
func (e *Engine) Send(ctx context.Context, id string) (*Contract, []Link, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.loadContract(id)
	if err != nil {
		return nil, nil, err
	}
	if c.Status != StatusDraft {
		if !c.open() {
			return nil, nil, closedErr(c)
		}
		return nil, nil, wrongState("contract %s was already sent at %s", c.ID, c.SentAt.Format(time.RFC3339))
	}
	if e.pastDeadline(c) {
		return nil, nil, e.expireLocked(c)
	}
	sent, err := e.buildTx(&chain.ContractSent{Contract: c.ID}, nil)
	if err != nil {
		return nil, nil, err
	}
	phones := make([]string, len(c.Parties))
	for i, p := range c.Parties {
		_, sec, err := e.loadIdentitySecrets(p.IdentityID)
		if err != nil {
			return nil, nil, err
		}
		phones[i] = sec.Phone
	}
	t := e.begin()
	defer t.close()
	links, err := e.sendLocked(t, c, sent, phones)
	if err != nil {
		return nil, nil, err
	}
	if err := t.commit(); err != nil {
		return nil, nil, err
	}
	return c, links, nil
}

// sendLocked moves draft c to signing in t: contract_sent (built), a link
// per party, texted to phones[i]. The caller holds e.mu.
func (e *Engine) sendLocked(t *txn, c *Contract, sent queuedTx, phones []string) ([]Link, error) {
	h, err := t.enqueueBuilt(sent, c.ID, "")
	if err != nil {
		return nil, err
	}
	c.Txs = append(c.Txs, h)
	now := e.now().UTC()
	c.Status, c.SentAt = StatusSigning, now
	c.log(now, "sent", nil, "")
	var links []Link
	for i := range c.Parties {
		tok, err := newToken(e.rand)
		if err != nil {
			return nil, err
		}
		if err := t.b.Set([]byte(pToken+tokenHash(tok)), fmt.Appendf(nil, "%s/%d", c.ID, i), nil); err != nil {
			return nil, err
		}
		if c.Parties[i].LinkSealed, err = e.cfg.KEK.Seal(e.rand, c.ID+"/link", []byte(tok)); err != nil {
			return nil, err
		}
		l := Link{Party: i, Token: tok, URL: e.cfg.PublicURL + "/sign/" + tok}
		links = append(links, l)
		if err := t.message(Message{Channel: "sms", To: phones[i], Template: "sign_link",
			Params: map[string]string{"title": c.Title, "url": l.URL, "contract_id": c.ID, "party": fmt.Sprint(i)}}); err != nil {
			return nil, err
		}
	}
	if err := e.putContract(t, c); err != nil {
		return nil, err
	}
	if err := t.notify("contract.sent", c.ID, "", nil); err != nil {
		return nil, err
	}
	return links, nil
}

// queueLinkMessage texts party i its link (template sign_link or reminder).
// The link URL is in the message: the outbox is the only place it goes.
func (e *Engine) queueLinkMessage(t *txn, c *Contract, i int, url, tmpl string) error {
	_, sec, err := e.loadIdentitySecrets(c.Parties[i].IdentityID)
	if err != nil {
		return err
	}
	return t.message(Message{Channel: "sms", To: sec.Phone, Template: tmpl,
		Params: map[string]string{"title": c.Title, "url": url, "contract_id": c.ID, "party": fmt.Sprint(i)}})
}

// Contract returns a contract.
func (e *Engine) Contract(id string) (*Contract, error) { return e.loadContract(id) }

// Refs returns the chain records of a contract with their status.
func (e *Engine) Refs(c *Contract) ([]ChainRef, error) {
	out := make([]ChainRef, 0, len(c.Txs))
	for _, h := range c.Txs {
		var r ChainRef
		if _, err := getJSON(e.db, pRef+h, &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Ref returns one record's status.
func (e *Engine) Ref(hash string) (*ChainRef, bool, error) {
	var r ChainRef
	ok, err := getJSON(e.db, pRef+hash, &r)
	return &r, ok, err
}

// Remind texts the given party (or, with party < 0, every party whose turn
// it is) its link again and queues contract_reminded. It returns the parties
// reminded.
func (e *Engine) Remind(ctx context.Context, id string, party int) ([]int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.loadContract(id)
	if err != nil {
		return nil, err
	}
	if c.Status != StatusSigning {
		if !c.open() {
			return nil, closedErr(c)
		}
		return nil, wrongState("contract %s is %s: send it first", c.ID, c.Status)
	}
	if e.pastDeadline(c) {
		return nil, e.expireLocked(c)
	}
	var who []int
	switch {
	case party >= len(c.Parties):
		return nil, badField("party", "%d, the contract has %d parties", party, len(c.Parties))
	case party >= 0:
		if c.Parties[party].Status == PartySigned {
			return nil, wrongState("party %d already signed", party)
		}
		who = []int{party}
	default:
		for i := range c.Parties {
			if c.turn(i) {
				who = append(who, i)
			}
		}
	}
	if len(who) == 0 {
		return []int{}, nil
	}
	t := e.begin()
	defer t.close()
	if err := e.remindLocked(t, c, who); err != nil {
		return nil, err
	}
	return who, t.commit()
}

func (e *Engine) remindLocked(t *txn, c *Contract, who []int) error {
	now := e.now().UTC()
	for _, i := range who {
		p := &c.Parties[i]
		fp, err := parseFP(p.CertFP)
		if err != nil {
			return err
		}
		if err := e.queueContractTx(t, c, &chain.ContractReminded{Contract: c.ID, Party: fp}, nil); err != nil {
			return err
		}
		tok, err := e.cfg.KEK.Open(c.ID+"/link", p.LinkSealed)
		if err != nil {
			return err
		}
		if err := e.queueLinkMessage(t, c, i, e.cfg.PublicURL+"/sign/"+string(tok), "reminder"); err != nil {
			return err
		}
		p.Reminders++
		p.LastReminded = now
		idx := i
		c.log(now, "reminded", &idx, "")
		if err := t.notify("contract.reminded", c.ID, "", &idx); err != nil {
			return err
		}
	}
	return e.putContract(t, c)
}

// Void withdraws a contract that not every party signed.
func (e *Engine) Void(ctx context.Context, id, reason string) (*Contract, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 1024 {
		return nil, badField("reason", "1 to 1024 bytes")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.loadContract(id)
	if err != nil {
		return nil, err
	}
	if !c.open() {
		if c.Status == StatusSigned || c.Status == StatusCompleted {
			return nil, wrongState("contract %s is %s: every party signed, it can no longer be voided", c.ID, c.Status)
		}
		return nil, closedErr(c)
	}
	if e.pastDeadline(c) {
		return nil, e.expireLocked(c)
	}
	t := e.begin()
	defer t.close()
	h := sm3.Sum([]byte(reason))
	if err := e.queueContractTx(t, c, &chain.ContractVoided{Contract: c.ID, ReasonSM3: h[:]}, nil); err != nil {
		return nil, err
	}
	c.Status, c.VoidReason = StatusVoided, reason
	c.log(e.now(), "voided", nil, reason)
	if err := e.putContract(t, c); err != nil {
		return nil, err
	}
	if err := t.notify("contract.voided", c.ID, "", nil); err != nil {
		return nil, err
	}
	return c, t.commit()
}

// RenewInput changes what a renewal copies.
type RenewInput struct {
	Title    string     `json:"title,omitempty"`
	Deadline *time.Time `json:"deadline,omitempty"`
}

// Renew creates a new draft with the old contract's document, parties and
// areas, linked to it (contract_renewed on chain).
func (e *Engine) Renew(ctx context.Context, id string, in *RenewInput) (*Contract, error) {
	old, err := e.loadContract(id)
	if err != nil {
		return nil, err
	}
	if old.RenewedTo != "" {
		return nil, wrongState("contract %s was already renewed by %s", old.ID, old.RenewedTo)
	}
	nin := &ContractInput{Title: in.Title, FileID: old.DocSM3, Order: old.Order, Deadline: in.Deadline}
	if nin.Title == "" {
		nin.Title = old.Title
	}
	for _, p := range old.Parties {
		a := p.Area
		nin.Parties = append(nin.Parties, PartyInput{IdentityID: p.IdentityID, Role: p.Role, Area: &a})
	}
	c, err := e.CreateContract(ctx, nin)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, err = e.loadContract(id); err != nil {
		return nil, err
	}
	if c, err = e.loadContract(c.ID); err != nil {
		return nil, err
	}
	if old.RenewedTo != "" {
		return nil, wrongState("contract %s was already renewed by %s", old.ID, old.RenewedTo)
	}
	t := e.begin()
	defer t.close()
	if err := e.queueContractTx(t, c, &chain.ContractRenewed{Contract: c.ID, Previous: old.ID}, nil); err != nil {
		return nil, err
	}
	c.RenewedFrom, old.RenewedTo = old.ID, c.ID
	now := e.now()
	c.log(now, "renews", nil, old.ID)
	old.log(now, "renewed", nil, c.ID)
	if err := e.putContract(t, c); err != nil {
		return nil, err
	}
	if err := e.putContract(t, old); err != nil {
		return nil, err
	}
	if err := t.notify("contract.renewed", c.ID, "", nil); err != nil {
		return nil, err
	}
	return c, t.commit()
}

// pastDeadline: the API refuses actions after the deadline by the node's
// clock; the chain decides by block time.
func (e *Engine) pastDeadline(c *Contract) bool {
	return !c.Deadline.IsZero() && e.now().After(c.Deadline)
}

// expireLocked closes an open contract past its deadline and queues
// contract_expired; it returns the error to show. The caller holds e.mu.
func (e *Engine) expireLocked(c *Contract) error {
	t := e.begin()
	defer t.close()
	if err := e.queueContractTx(t, c, &chain.ContractExpired{Contract: c.ID}, nil); err != nil {
		return err
	}
	c.Status = StatusExpired
	c.log(e.now(), "expired", nil, "")
	if err := e.putContract(t, c); err != nil {
		return err
	}
	if err := t.notify("contract.expired", c.ID, "", nil); err != nil {
		return err
	}
	if err := t.commit(); err != nil {
		return err
	}
	return closedErr(c)
}

// Query selects contracts for Search.
type Query struct {
	// Text: with an index (Config.Index), every word and every pair of
	// adjacent Chinese characters of Text appears in the title, the id, a
	// party's name or role or a template field; without one, Text is a
	// case-insensitive substring of the title, the id or a party's name
	// or role.
	Text     string
	Status   string
	Template string    // template id
	Party    string    // identity id of a party
	From     time.Time // created at or after
	To       time.Time // created before
	Limit    int
	Cursor   string // next_cursor of the previous page
}

// Search lists contracts newest first, from the index when one is
// configured and in step (IndexReady), else by scanning the store. Both
// are this node's alone, off chain.
func (e *Engine) Search(ctx context.Context, q Query) ([]*Contract, string, error) {
	// A cursor of the scan (a contract id) continues the scan, so paging
	// begun while the index was being built ends consistently.
	if e.IndexReady() && !strings.HasPrefix(q.Cursor, "wf-") {
		return e.searchIndex(ctx, q)
	}
	return e.scan(q)
}

// scan is Search without an index.
func (e *Engine) scan(q Query) ([]*Contract, string, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	upper := prefixEnd([]byte(pIndex))
	if !q.To.IsZero() {
		upper = fmt.Appendf(nil, "%s%016x", pIndex, q.To.UnixNano())
	}
	lower := []byte(pIndex)
	if !q.From.IsZero() {
		lower = fmt.Appendf(nil, "%s%016x", pIndex, q.From.UnixNano())
	}
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, "", err
	}
	defer it.Close()
	text := strings.ToLower(strings.TrimSpace(q.Text))
	skipping := q.Cursor != ""
	var out []*Contract
	for it.Last(); it.Valid(); it.Prev() {
		k := string(it.Key())
		id := k[strings.LastIndexByte(k, '/')+1:]
		if skipping {
			if id == q.Cursor {
				skipping = false
			}
			continue
		}
		c, err := e.loadContract(id)
		if err != nil {
			return nil, "", err
		}
		if q.Status != "" && c.Status != q.Status || q.Template != "" && c.Template != q.Template {
			continue
		}
		if q.Party != "" && !slices.ContainsFunc(c.Parties, func(p Party) bool { return p.IdentityID == q.Party }) {
			continue
		}
		if text != "" && !matches(c, text) {
			continue
		}
		if len(out) == q.Limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, c)
	}
	return out, "", it.Error()
}

func matches(c *Contract, text string) bool {
	if strings.Contains(strings.ToLower(c.Title), text) || strings.Contains(strings.ToLower(c.ID), text) {
		return true
	}
	for _, p := range c.Parties {
		if strings.Contains(strings.ToLower(p.DisplayName), text) || strings.Contains(strings.ToLower(p.Role), text) {
			return true
		}
	}
	return false
}

// PDF returns the contract's current PDF (signed by every party who signed).
func (e *Engine) PDF(ctx context.Context, id string) ([]byte, error) {
	c, err := e.loadContract(id)
	if err != nil {
		return nil, err
	}
	return e.getFile(ctx, c.CurrentSM3)
}

// PartyCert returns party i's certificate (DER).
func (e *Engine) PartyCert(id string, i int) ([]byte, error) {
	c, err := e.loadContract(id)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(c.Parties) {
		return nil, newErr(http.StatusNotFound, "not_found", "contract %s has no party %d", id, i)
	}
	rec, err := e.Identity(c.Parties[i].IdentityID)
	if err != nil {
		return nil, err
	}
	return rec.CertDER, nil
}

func parseFP(s string) (chain.Fingerprint, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return chain.Fingerprint{}, fmt.Errorf("fingerprint %q: want 64 hex digits", s)
	}
	return chain.Fingerprint(b), nil
}
