package app

import (
	"errors"

	"github.com/sealchain/sealchain/chain"
)

// Codespace is the ABCI codespace of every code; the numbered codes are
// chain's (chain/codes.go), shared by the rules and the offline verifier.
// The names stay here so callers keep writing app.CodeX.
const Codespace = chain.Codespace

const (
	CodeOK                = chain.CodeOK
	CodeMalformed         = chain.CodeMalformed
	CodeVersion           = chain.CodeVersion
	CodeChainID           = chain.CodeChainID
	CodeTooLarge          = chain.CodeTooLarge
	CodeInvalidField      = chain.CodeInvalidField
	CodeUnknownType       = chain.CodeUnknownType
	CodeBadSignature      = chain.CodeBadSignature
	CodeUnknownOrg        = chain.CodeUnknownOrg
	CodeUnknownCert       = chain.CodeUnknownCert
	CodeCertRevoked       = chain.CodeCertRevoked
	CodeCertNotValid      = chain.CodeCertNotValid
	CodeCertIssuer        = chain.CodeCertIssuer
	CodeUnknownContract   = chain.CodeUnknownContract
	CodeContractClosed    = chain.CodeContractClosed
	CodeNotParty          = chain.CodeNotParty
	CodeAlreadySigned     = chain.CodeAlreadySigned
	CodeReplay            = chain.CodeReplay
	CodeDuplicate         = chain.CodeDuplicate
	CodeOutOfOrder        = chain.CodeOutOfOrder
	CodeNoIntent          = chain.CodeNoIntent
	CodePermission        = chain.CodePermission
	CodeDocMismatch       = chain.CodeDocMismatch
	CodeDeadlinePassed    = chain.CodeDeadlinePassed
	CodeNotAllSigned      = chain.CodeNotAllSigned
	CodeBadCert           = chain.CodeBadCert
	CodeUnknownVerifier   = chain.CodeUnknownVerifier
	CodeUnknownProposal   = chain.CodeUnknownProposal
	CodeProposalClosed    = chain.CodeProposalClosed
	CodeAlreadyVoted      = chain.CodeAlreadyVoted
	CodeBadValidator      = chain.CodeBadValidator
	CodeUnknownIdentity   = chain.CodeUnknownIdentity
	CodeUnknownSeal       = chain.CodeUnknownSeal
	CodeAnchorOrg         = chain.CodeAnchorOrg
	CodeAnchorMismatch    = chain.CodeAnchorMismatch
	CodeAnchorOrder       = chain.CodeAnchorOrder
	CodeAnchorDisabled    = chain.CodeAnchorDisabled
	CodeAnchorReceipt     = chain.CodeAnchorReceipt
	CodeNotSent           = chain.CodeNotSent
	CodeAlreadySent       = chain.CodeAlreadySent
	CodeContractVoided    = chain.CodeContractVoided
	CodeContractDeclined  = chain.CodeContractDeclined
	CodeContractExpired   = chain.CodeContractExpired
	CodeNotExpired        = chain.CodeNotExpired
	CodeAlreadyViewed     = chain.CodeAlreadyViewed
	CodeAlreadyRenewed    = chain.CodeAlreadyRenewed
	CodeTLSCert           = chain.CodeTLSCert
	CodeTLSCertShape      = chain.CodeTLSCertShape
	CodeUnknownCredential = chain.CodeUnknownCredential
	CodeCredentialShape   = chain.CodeCredentialShape
	CodeUpgradePending    = chain.CodeUpgradePending
	CodeUpgradeVersion    = chain.CodeUpgradeVersion
	CodeUpgradeHeight     = chain.CodeUpgradeHeight
	CodeNoUpgradePlan     = chain.CodeNoUpgradePlan
	CodeCaseExists        = chain.CodeCaseExists
	CodeUnknownCase       = chain.CodeUnknownCase
	CodeCaseStatus        = chain.CodeCaseStatus
	CodeNotInstitution    = chain.CodeNotInstitution
	CodeDuplicateNumber   = chain.CodeDuplicateNumber
)

// TxError is a rejected transaction (chain.TxError).
type TxError = chain.TxError

func reject(code uint32, field, format string, args ...any) *TxError {
	return chain.Reject(code, field, format, args...)
}

// fromDecode maps a chain decoding error to a TxError: the one place where
// decoder errors become codes.
func fromDecode(err error) *TxError {
	var fe *chain.FieldError
	field, msg := "tx", err.Error()
	if errors.As(err, &fe) {
		field, msg = fe.Field, fe.Err.Error()
	}
	code := CodeMalformed
	switch {
	case errors.Is(err, chain.ErrTooLarge):
		code = CodeTooLarge
	case errors.Is(err, chain.ErrVersion):
		code = CodeVersion
	case errors.Is(err, chain.ErrUnknownType):
		code = CodeUnknownType
	case errors.Is(err, chain.ErrInvalid):
		code = CodeInvalidField
	}
	return &TxError{Code: code, Field: field, Msg: msg, Err: err}
}
