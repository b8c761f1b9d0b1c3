package pdf

import (
	"time"

	"github.com/sealchain/sealchain/signer/seal"
)

// Indication is the overall outcome of validating a signature or a document,
// named as in ETSI TS 119 102-1 clause 5.1.3.
type Indication string

// Indications.
const (
	TotalPassed   Indication = "TOTAL_PASSED"
	TotalFailed   Indication = "TOTAL_FAILED"
	Indeterminate Indication = "INDETERMINATE"
)

// SubIndication explains a TOTAL_FAILED or INDETERMINATE indication, named as
// in ETSI TS 119 102-1 clause 5.1.3. Only the values below are produced.
type SubIndication string

// Sub-indications.
const (
	// TOTAL_FAILED
	FormatFailure    SubIndication = "FORMAT_FAILURE"     // ByteRange, Contents or CMS malformed, or file truncated
	HashFailure      SubIndication = "HASH_FAILURE"       // signed bytes do not match the message digest
	SigCryptoFailure SubIndication = "SIG_CRYPTO_FAILURE" // the signature value does not verify
	Revoked          SubIndication = "REVOKED"            // signer certificate revoked at or before an authoritative signing time
	Expired          SubIndication = "EXPIRED"            // authoritative signing time after the certificate's NotAfter
	NotYetValid      SubIndication = "NOT_YET_VALID"      // authoritative signing time before the certificate's NotBefore

	// INDETERMINATE
	NoSigningCertificateFound SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	NoCertificateChainFound   SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	ChainConstraintsFailure   SubIndication = "CHAIN_CONSTRAINTS_FAILURE" // certificate lacks the signer usage or is a CA
	OutOfBoundsNoPOE          SubIndication = "OUT_OF_BOUNDS_NO_POE"      // certificate not valid at a merely claimed signing time
	RevokedNoPOE              SubIndication = "REVOKED_NO_POE"            // revoked, and the signing time is only claimed
	CryptoConstraintsFailure  SubIndication = "CRYPTO_CONSTRAINTS_FAILURE"
	SigConstraintsFailure     SubIndication = "SIG_CONSTRAINTS_FAILURE" // document modified after signing, see [Modifications]
	TryLater                  SubIndication = "TRY_LATER"               // the status callback failed
	NoPOE                     SubIndication = "NO_POE"                  // no signing time at all
)

// Modifications classifies what the revisions after a signature's own
// revision changed.
type Modifications string

// Modification classes.
const (
	// ModNone: the signature covers the whole file.
	ModNone Modifications = "none"
	// ModLaterSignaturesOnly: every later revision only adds signature
	// fields, their widgets and appearances, signature dictionaries, AcroForm
	// entries and DSS objects.
	ModLaterSignaturesOnly Modifications = "later_signatures_only"
	// ModOther: some later revision changed anything else (page content,
	// pages, catalog entries, metadata, freed objects, trailing data).
	ModOther Modifications = "other"
	// ModUnknown: a later revision could not be parsed.
	ModUnknown Modifications = "unknown"
)

// TimeSource says where a signing time came from.
type TimeSource string

// Time sources. Only TimeFromCaller is authoritative (proof of existence);
// the others are claims by the signer.
const (
	TimeFromCaller TimeSource = "caller"                   // VerifyOptions.SigningTime, e.g. the block time
	TimeFromCMS    TimeSource = "cms_signing_time_claimed" // CMS signing-time attribute
	TimeFromPDF    TimeSource = "pdf_m_claimed"            // the signature dictionary's /M
	// TimeFromTimeStamp: the genTime of a valid signature time stamp
	// (PAdES B-T), a proof of existence and so authoritative.
	TimeFromTimeStamp TimeSource = "signature_timestamp"
	TimeSourceMissing TimeSource = "none"
	// TimeFromSES: the timeInfo of an electronic-seal signature
	// (SES_Signature, /SubFilter /GM.sm2seal), a claim of the signer.
	TimeFromSES TimeSource = "ses_time_info_claimed"
)

// Report is the validation report of a whole document, shaped after ETSI
// TS 119 102-2.
type Report struct {
	// Indication is TOTAL_PASSED when every signature passed, TOTAL_FAILED
	// when any failed, INDETERMINATE otherwise.
	Indication Indication `json:"indication"`
	// FileSize is the length of the validated input in bytes.
	FileSize int64 `json:"file_size"`
	// Revisions is the number of %%EOF-terminated revisions found.
	Revisions  int               `json:"revisions"`
	Signatures []SignatureReport `json:"signatures"`
	// DocTimeStamps are the document time stamps (PAdES B-LTA), in file
	// order: TimeStamp, SigningTime (its genTime) and Scope are filled in,
	// SignedBy names the TSA certificate. Index counts them with the
	// signatures (file order).
	DocTimeStamps []SignatureReport `json:"doc_timestamps,omitempty"`
	// DSS counts the document security store of the last revision, if any.
	DSS *DSSReport `json:"dss,omitempty"`
}

// SignatureReport is the validation of one signature.
type SignatureReport struct {
	// Index is the 0-based position of the signature in file order; it is
	// the argument to VerifyOptions.SigningTime.
	Index         int           `json:"index"`
	FieldName     string        `json:"field_name,omitempty"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	// Algorithm is "sm2-sm3" or "ecdsa-p256-sha256" when recognised.
	Algorithm         string        `json:"algorithm,omitempty"`
	SubFilter         string        `json:"sub_filter,omitempty"`
	SignedBy          *SignedBy     `json:"signed_by,omitempty"`
	SigningTime       *time.Time    `json:"signing_time,omitempty"`
	SigningTimeSource TimeSource    `json:"signing_time_source"`
	ClaimedTime       string        `json:"claimed_time,omitempty"` // /M as written
	Name              string        `json:"name,omitempty"`
	Reason            string        `json:"reason,omitempty"`
	Location          string        `json:"location,omitempty"`
	Scope             Scope         `json:"scope"`
	Modifications     Modifications `json:"modifications"`
	// Level is the PAdES baseline level whose elements are present and
	// valid: LevelBB, LevelBT (a valid signature time stamp), LevelBLT
	// (also the signer's certificate, its issuing root and verified
	// revocation data in the DSS) or LevelBLTA (and a later valid document
	// time stamp whose revision holds that DSS). Empty when the signature
	// failed.
	Level string `json:"level,omitempty"`
	// TimeStamp is the first signature time stamp, if any.
	TimeStamp *TimeStampReport `json:"time_stamp,omitempty"`
	// Revocation is the signer certificate's status from the DSS, if any.
	Revocation *RevocationReport `json:"revocation,omitempty"`
	// SESVersion is TBS_Sign.version (1 or 4) of an electronic-seal
	// signature (GB/T 38540 SES_Signature in /Contents); 0 for CMS.
	SESVersion int `json:"ses_version,omitempty"`
	// Seal names the seal of an electronic-seal signature.
	Seal *SealView `json:"seal,omitempty"`
	// Checks are an electronic-seal signature's checks
	// (seal.SESSignature.Verify) and SealChecks those of its seal.
	Checks     []seal.Check `json:"checks,omitempty"`
	SealChecks []seal.Check `json:"seal_checks,omitempty"`
	Notes      []string     `json:"notes,omitempty"`
}

// SealView names the seal (SESeal) of an electronic-seal signature.
type SealView struct {
	Name    string `json:"name"`
	ESID    string `json:"esid"`
	Vendor  string `json:"vendor"`
	Version int    `json:"version"`
	Type    int64  `json:"type"`
}

// SignedBy identifies the signer certificate.
type SignedBy struct {
	Subject string `json:"subject"`
	Serial  string `json:"serial"` // hexadecimal
	Issuer  string `json:"issuer"`
	// Fingerprint is SM3 of the certificate DER (signer.FingerprintOf).
	Fingerprint string `json:"fingerprint"`
}

// Scope is what a signature covers.
type Scope struct {
	ByteRange [4]int64 `json:"byte_range"`
	// Revision is the 1-based revision the signature ends, of Revisions.
	Revision    int    `json:"revision"`
	Revisions   int    `json:"revisions"`
	Description string `json:"description"`
}
