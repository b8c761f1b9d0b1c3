package chain

import "fmt"

// SigningOrder says whether parties sign in the listed order or in any order.
type SigningOrder uint32

const (
	OrderSequential SigningOrder = 1
	OrderParallel   SigningOrder = 2
)

func (o SigningOrder) String() string {
	switch o {
	case OrderSequential:
		return "sequential"
	case OrderParallel:
		return "parallel"
	}
	return fmt.Sprintf("order(%d)", uint32(o))
}

// ContractCreated opens a contract over a document known by its hashes. The
// document itself stays off chain. Parties are certificates registered on
// chain, listed in signing order.
//
//	message ContractCreated {
//	  string contract_id = 1;
//	  bytes  doc_sm3     = 2; // 32 bytes
//	  bytes  doc_sha256  = 3; // 32 bytes
//	  repeated bytes parties = 4; // certificate fingerprints, 1..MaxParties, distinct
//	  uint32 order       = 5; // SigningOrder
//	  int64  deadline    = 6; // unix seconds; 0 means none
//	}
type ContractCreated struct {
	Contract  string
	DocSM3    []byte
	DocSHA256 []byte
	Parties   []Fingerprint
	Order     SigningOrder
	Deadline  int64
}

// TypeContractCreated is contract_created's record type number.
const TypeContractCreated Type = 3

func (*ContractCreated) Type() Type           { return TypeContractCreated }
func (b *ContractCreated) ContractID() string { return b.Contract }
func (*ContractCreated) actor() actorRule     { return actorNone }

func (*ContractCreated) Name() string           { return "contract_created" }
func (*ContractCreated) Label() (zh, en string) { return "合同创建", "Contract created" }

func (b *ContractCreated) IndexKeys() IndexKeys {
	return IndexKeys{Docs: [][]byte{b.DocSM3, b.DocSHA256}}
}

func (b *ContractCreated) Fields() map[string]any {
	parties := make([]string, len(b.Parties))
	for i, p := range b.Parties {
		parties[i] = p.String()
	}
	return map[string]any{"contract_id": b.Contract, "doc_sm3": hexOf(b.DocSM3), "doc_sha256": hexOf(b.DocSHA256),
		"parties": parties, "order": b.Order.String(), "deadline": b.Deadline}
}

func (b *ContractCreated) encode(e *encoder) {
	e.string(1, b.Contract)
	e.bytes(2, b.DocSM3)
	e.bytes(3, b.DocSHA256)
	for _, p := range b.Parties {
		e.element(4, p[:])
	}
	e.uint(5, uint64(b.Order))
	e.int(6, b.Deadline)
}

func (b *ContractCreated) decode(d *decoder) {
	b.Contract = d.string(1, "contract_id")
	b.DocSM3 = d.bytes(2, "doc_sm3")
	b.DocSHA256 = d.bytes(3, "doc_sha256")
	for i, p := range d.elements(4, "parties", MaxParties) {
		if len(p) != fingerprintBytes {
			d.fail(invalid(fmt.Sprintf("body.parties[%d]", i), "length %d, want %d", len(p), fingerprintBytes))
			return
		}
		b.Parties = append(b.Parties, Fingerprint(p))
	}
	b.Order = SigningOrder(d.uint32(5, "order"))
	b.Deadline = d.int(6, "deadline")
}

func (b *ContractCreated) Validate() error {
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	if err := checkHash("body.doc_sm3", b.DocSM3, true); err != nil {
		return err
	}
	if err := checkHash("body.doc_sha256", b.DocSHA256, true); err != nil {
		return err
	}
	if len(b.Parties) == 0 || len(b.Parties) > MaxParties {
		return invalid("body.parties", "%d parties, want 1..%d", len(b.Parties), MaxParties)
	}
	seen := make(map[Fingerprint]bool, len(b.Parties))
	for i, p := range b.Parties {
		if p.IsZero() {
			return invalid(fmt.Sprintf("body.parties[%d]", i), "zero fingerprint")
		}
		if seen[p] {
			return invalid(fmt.Sprintf("body.parties[%d]", i), "duplicate party %s", p)
		}
		seen[p] = true
	}
	if b.Order != OrderSequential && b.Order != OrderParallel {
		return invalid("body.order", "%d, want 1 (sequential) or 2 (parallel)", b.Order)
	}
	if b.Deadline < 0 {
		return invalid("body.deadline", "negative")
	}
	return nil
}

// PartyIndex returns the position of fp among the parties, or -1.
func (b *ContractCreated) PartyIndex(fp Fingerprint) int {
	for i, p := range b.Parties {
		if p == fp {
			return i
		}
	}
	return -1
}
