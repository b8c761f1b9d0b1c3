package chain

import "fmt"

// Codespace is the ABCI codespace of every code below.
const Codespace = "sealchain"

// ABCI result codes. They are part of the API: clients branch on them. Never
// renumber or reuse one; add new ones at the end.
const (
	CodeOK              uint32 = 0
	CodeMalformed       uint32 = 1  // bytes are not a canonical transaction
	CodeVersion         uint32 = 2  // unknown tx or record version
	CodeChainID         uint32 = 3  // tx is for another chain
	CodeTooLarge        uint32 = 4  // tx exceeds the size limit
	CodeInvalidField    uint32 = 5  // a field breaks a stateless rule
	CodeUnknownType     uint32 = 6  // unknown record type
	CodeBadSignature    uint32 = 7  // a signature does not verify
	CodeUnknownOrg      uint32 = 8  // envelope names an org that is not registered
	CodeUnknownCert     uint32 = 9  // certificate not registered on chain
	CodeCertRevoked     uint32 = 10 // certificate revoked at or before block time
	CodeCertNotValid    uint32 = 11 // certificate expired or not yet valid at block time
	CodeCertIssuer      uint32 = 12 // certificate not issued by the org's CA, or lacks the usage
	CodeUnknownContract uint32 = 13
	CodeContractClosed  uint32 = 14 // contract no longer accepts signatures
	CodeNotParty        uint32 = 15 // signer is not a party of the contract
	CodeAlreadySigned   uint32 = 16
	CodeReplay          uint32 = 17 // the same tx bytes were already committed
	CodeDuplicate       uint32 = 18 // contract id or certificate already registered
	CodeOutOfOrder      uint32 = 19 // an earlier party of a sequential contract has not signed
	CodeNoIntent        uint32 = 20 // no intent record for this signer and contract
	CodePermission      uint32 = 21 // the submitting org may not do this
	CodeDocMismatch     uint32 = 22 // document hash differs from the contract's
	CodeDeadlinePassed  uint32 = 23
	CodeNotAllSigned    uint32 = 24 // completion before every party signed
	CodeBadCert         uint32 = 25 // certificate bytes do not parse
	CodeUnknownVerifier uint32 = 26 // intent verifier certificate not registered
	CodeUnknownProposal uint32 = 27
	CodeProposalClosed  uint32 = 28 // proposal decided or expired
	CodeAlreadyVoted    uint32 = 29
	CodeBadValidator    uint32 = 30 // validator change not allowed (unknown key, empty set)
	CodeUnknownIdentity uint32 = 31 // no identity-verified record for the certificate's identity commitment
	CodeUnknownSeal     uint32 = 32 // seal not registered, not valid at block time, or not the signer's
	CodeAnchorOrg       uint32 = 33 // anchored record not submitted by the genesis anchoring organisation
	CodeAnchorMismatch  uint32 = 34 // anchored checkpoint is not this chain's (height, app hash, log size or root differ)
	CodeAnchorOrder     uint32 = 35 // anchored height at or below the latest anchored height
	CodeAnchorDisabled  uint32 = 36 // genesis configures no anchoring
	CodeAnchorReceipt   uint32 = 37 // receipt names another network, channel or chaincode than genesis
	// 38-55 are the signing workflow's.
	CodeNotSent          uint32 = 38 // contract not sent yet (viewed or reminded before contract_sent)
	CodeAlreadySent      uint32 = 39 // contract_sent twice
	CodeContractVoided   uint32 = 40 // the contract was voided
	CodeContractDeclined uint32 = 41 // a party declined the contract
	CodeContractExpired  uint32 = 42 // the contract expired (contract_expired)
	CodeNotExpired       uint32 = 43 // contract_expired before the deadline, or without one
	CodeAlreadyViewed    uint32 = 44 // contract_viewed twice for one party
	CodeAlreadyRenewed   uint32 = 45 // a contract already renews another
	// 56-58 are the TLS certificates'.
	CodeTLSCert      uint32 = 56 // a TLS certificate (clientAuth/serverAuth) where a record, intent or envelope signature is needed
	CodeTLSCertShape uint32 = 57 // a TLS certificate for cert_issued not as CA.IssueTLS makes one (one TLS usage, P-256 key, no identity_ref)
	// 58-62 are the API credentials' (submitter certificates).
	CodeUnknownCredential uint32 = 58 // envelope.cert is not a registered credential (genesis credentials or cert_issued), or is registered to another org
	CodeCredentialShape   uint32 = 59 // a credential for cert_issued or genesis carries an identity commitment or another usage than submitter
	// 60-63 are the upgrade plans' (schedule_upgrade and cancel_upgrade proposals, chain/record_proposal.go checkUpgrade).
	CodeUpgradePending uint32 = 60 // schedule_upgrade while another plan is scheduled (one at a time; cancel it first)
	CodeUpgradeVersion uint32 = 61 // schedule_upgrade of a rules version not above the one in force
	CodeUpgradeHeight  uint32 = 62 // schedule_upgrade activation height less than chain.MinUpgradeDelay above the block deciding it
	CodeNoUpgradePlan  uint32 = 63 // cancel_upgrade when no plan is scheduled, or naming another plan than the scheduled one

	// Institution cases (rules version 3, case.go).
	CodeCaseExists     uint32 = 64 // application or commission id already used
	CodeUnknownCase    uint32 = 65 // no case of that kind and id, or it is on another contract
	CodeCaseStatus     uint32 = 66 // the case is not in a status that allows the step (decide a decided case, issue an unaccepted one)
	CodeNotInstitution uint32 = 67 // the named organisation is not registered with the notary (appraisal) role, or a commission not from a court
	// CodeDuplicateNumber (rules version 4, case.go issue): the institution
	// already issued a document under body.number.
	CodeDuplicateNumber uint32 = 68
)

// TxError is a rejected transaction: a stable code, the field at fault and a
// message for people. Only the code reaches consensus; the message goes to
// the ABCI Log, which is not hashed.
type TxError struct {
	Code  uint32
	Field string
	Msg   string
	Err   error
}

func (e *TxError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return fmt.Sprintf("field %s: %s", e.Field, e.Msg)
}

func (e *TxError) Unwrap() error { return e.Err }

// Reject returns the TxError for code at field, its message formatted.
func Reject(code uint32, field, format string, args ...any) *TxError {
	return &TxError{Code: code, Field: field, Msg: fmt.Sprintf(format, args...)}
}
