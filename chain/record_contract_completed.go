package chain

// ContractCompleted closes a contract that every party has signed. Only the
// organisation that created the contract submits it.
//
//	message ContractCompleted {
//	  string contract_id = 1;
//	}
type ContractCompleted struct {
	Contract string
}

// TypeContractCompleted is contract_completed's record type number.
const TypeContractCompleted Type = 6

func (*ContractCompleted) Type() Type           { return TypeContractCompleted }
func (b *ContractCompleted) ContractID() string { return b.Contract }
func (*ContractCompleted) actor() actorRule     { return actorNone }

func (*ContractCompleted) Name() string           { return "contract_completed" }
func (*ContractCompleted) Label() (zh, en string) { return "合同完成", "Contract completed" }
func (*ContractCompleted) IndexKeys() IndexKeys   { return IndexKeys{} }

func (b *ContractCompleted) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract}
}

func (b *ContractCompleted) encode(e *encoder) { e.string(1, b.Contract) }

func (b *ContractCompleted) decode(d *decoder) { b.Contract = d.string(1, "contract_id") }

func (b *ContractCompleted) Validate() error { return checkID("body.contract_id", b.Contract) }

// Apply completes a contract of the submitting org that every party signed.
func (b *ContractCompleted) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	k, ok, err := v.Contract(b.Contract)
	must(err)
	if !ok {
		return nil, Reject(CodeUnknownContract, "body.contract_id", "contract %q does not exist", b.Contract)
	}
	if k.Org != c.Org {
		return nil, Reject(CodePermission, "envelope.org", "contract %q belongs to organisation %q", b.Contract, k.Org)
	}
	// Only a contract every party signed can complete: a declined, voided
	// or expired one lacks signatures, and the offline verifier would
	// reject its bundle for ever.
	switch k.Status {
	case StatusSigned:
	case StatusOpen:
		return nil, Reject(CodeNotAllSigned, "body.contract_id", "contract %q still waits for signatures", b.Contract)
	case StatusCompleted:
		return nil, Reject(CodeContractClosed, "body.contract_id", "contract %q is already completed", b.Contract)
	case StatusDeclined:
		return nil, Reject(CodeContractDeclined, "body.contract_id", "contract %q was declined by a party; it cannot complete", b.Contract)
	case StatusVoided:
		return nil, Reject(CodeContractVoided, "body.contract_id", "contract %q was voided; it cannot complete", b.Contract)
	case StatusExpired:
		return nil, Reject(CodeContractExpired, "body.contract_id", "contract %q expired; it cannot complete", b.Contract)
	default:
		return nil, Reject(CodeContractClosed, "body.contract_id", "contract %q is %s; only a contract every party signed can complete", b.Contract, k.Status)
	}
	if !k.AllSigned() {
		// Status Signed implies it; checked again because the app hash must
		// never record a completion without every signature.
		return nil, Reject(CodeNotAllSigned, "body.contract_id", "contract %q still waits for signatures", b.Contract)
	}
	k.Status = StatusCompleted
	return Effects{ContractWrite{k}}, nil
}
