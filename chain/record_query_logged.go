package chain

// QuerySubject is what a judicial query asked for.
type QuerySubject uint32

const (
	QueryDocHash  QuerySubject = 1
	QueryContract QuerySubject = 2
	QueryCert     QuerySubject = 3
	QueryRecord   QuerySubject = 4
	QueryTime     QuerySubject = 5
)

// QueryLogged records that an organisation queried evidence, so access to
// evidence is itself auditable. The serving node's organisation submits it;
// the subject is recorded as an SM3 hash of the query, not in clear.
//
//	message QueryLogged {
//	  string caller_org  = 1;
//	  bytes  caller_cert = 2; // fingerprint of the certificate that signed the request
//	  uint32 subject     = 3; // QuerySubject
//	  bytes  query_sm3   = 4; // SM3 of the request URI
//	  int64  at          = 5; // unix ms, the serving node's clock (the block time bounds it)
//	}
type QueryLogged struct {
	CallerOrg  string
	CallerCert Fingerprint
	Subject    QuerySubject
	QuerySM3   []byte
	At         int64
}

// TypeQueryLogged is query_logged's record type number.
const TypeQueryLogged Type = 11

func (*QueryLogged) Type() Type         { return TypeQueryLogged }
func (*QueryLogged) ContractID() string { return "" }
func (*QueryLogged) actor() actorRule   { return actorNone }

func (*QueryLogged) Name() string           { return "query_logged" }
func (*QueryLogged) Label() (zh, en string) { return "证据查询留痕", "Evidence query logged" }

func (b *QueryLogged) IndexKeys() IndexKeys {
	return IndexKeys{Certs: []Fingerprint{b.CallerCert}} // "what did this caller ask for"
}

func (b *QueryLogged) Fields() map[string]any {
	return map[string]any{"caller_org": b.CallerOrg, "caller_cert": b.CallerCert.String(), "subject": uint32(b.Subject),
		"query_sm3": hexOf(b.QuerySM3), "at_ms": b.At}
}

func (b *QueryLogged) encode(e *encoder) {
	e.string(1, b.CallerOrg)
	e.bytes(2, b.CallerCert[:])
	e.uint(3, uint64(b.Subject))
	e.bytes(4, b.QuerySM3)
	e.int(5, b.At)
}

func (b *QueryLogged) decode(d *decoder) {
	b.CallerOrg = d.string(1, "caller_org")
	copy(b.CallerCert[:], d.fixed(2, "caller_cert", fingerprintBytes))
	b.Subject = QuerySubject(d.uint32(3, "subject"))
	b.QuerySM3 = d.bytes(4, "query_sm3")
	b.At = d.int(5, "at")
}

func (b *QueryLogged) Validate() error {
	if err := checkID("body.caller_org", b.CallerOrg); err != nil {
		return err
	}
	if b.CallerCert.IsZero() {
		return invalid("body.caller_cert", "missing")
	}
	if b.Subject < QueryDocHash || b.Subject > QueryTime {
		return invalid("body.subject", "%d is not a query subject", b.Subject)
	}
	if err := checkHash("body.query_sm3", b.QuerySM3, true); err != nil {
		return err
	}
	if b.At <= 0 {
		return invalid("body.at", "missing")
	}
	return nil
}
