// Package identity verifies people and companies for the signing workflow
// and turns a successful check into a signed attestation that is exactly the
// body of the chain's identity-verified record ([chain.IdentityVerified]).
//
// A [Verifier] holds the platform's verifier key and certificate (a
// certificate with usage intent-verifier, registered at genesis or by
// governance), the chain id, and one [Provider] per method. It:
//
//  1. validates the request for the method (required fields, the GB 11643
//     check digit of ID numbers, the GB 32100 check digit of unified social
//     credit codes, 11-digit mainland mobile numbers);
//  2. asks the provider (a face service, a carrier, a business registry,
//     a bank for micro-deposits);
//  3. on success draws a fresh 32-byte salt from the injected random source
//     and computes the commitment with [signer.IdentityCommitment]: a
//     person's name, ID number and phone, or a company's registered name and
//     credit code, in that order (the same fields `sealchain identity
//     verify` commits to);
//  4. signs [chain.IdentityVerified.AttestationBytes] for the chain id at the
//     injected clock's time (unix ms).
//
// The returned [Attestation] carries the record body ([Attestation.Record])
// and, separately, the opening (salt and fields). The opening is personal
// data: keep it off chain, with the platform and the person.
//
// # Methods
//
// Persons: face ([chain.IdentityFace]) and carrier three-factor
// ([chain.IdentityCarrier3Factor]). Enterprises: agent check
// ([chain.IdentityAgentCheck], the 经办人 passes a three-factor check and the
// company is looked up), business registration
// ([chain.IdentityBusinessRegistry]), legal-representative authorisation
// ([chain.IdentityLegalRepAuth]) and corporate micro-deposit
// ([chain.IdentityBankTransfer], 对公打款). The micro-deposit is two steps:
// [Verifier.StartDeposit] draws a random amount between 0.01 and 0.99 yuan,
// has the [Bank] send it to the company account and keeps a challenge;
// [Verifier.ConfirmDeposit] takes the amount the company read on its
// statement. A challenge allows [DefaultDepositAttempts] wrong amounts and
// expires after [DefaultDepositTTL]; either ends it. Challenges are held in
// memory by default, and a restart loses them; [WithDepositStore] keeps them
// in a pebble database under [DepositPrefix], attempts left and expiry
// included, written with pebble.Sync.
//
// A transfer that fails without a rejection (a time-out: the money may
// have left) keeps the challenge, which StartDeposit returns with the
// error; [Verifier.RetryDeposit] sends the same amount with the same memo.
//
// # Development providers
//
// [DevProvider] and [DevBank] decide by documented inputs and report
// DevOnly. [New] refuses any dev-only provider or bank when the genesis
// says production ([chain.GenesisState.Production]) with [ErrDevOnly].
// The development inputs are:
//
//   - any well-formed input passes, except:
//   - ID number [DevRejectIDNumber] fails every person check (face, carrier,
//     agent, legal representative);
//   - phone [DevRejectPhone] fails the carrier three-factor check (and the
//     agent check);
//   - a face image equal to [DevRejectFace] fails the face check (any other
//     non-empty image passes);
//   - credit code [DevRejectCreditCode] is not in the development business
//     registry: business registration, agent check and legal-representative
//     authorisation fail;
//   - legal representative name [DevRejectLegalRep] is not the registered
//     representative;
//   - the development bank refuses transfers to account [DevRejectAccount].
//
// [DevPassIDNumber], [DevPassPhone] and [DevPassCreditCode] are documented
// inputs that pass. docs/workflow-identity.md lists the same table.
//
// # Errors
//
// A failed check wraps [ErrRejected] (the person or company did not pass);
// a malformed request is a [*FieldError] naming the field; a provider that
// could not decide (network, outage) returns any other error, which the
// caller may retry.
package identity
