// Package casepkg makes and verifies case packages: what a platform files
// with a court (起诉, litigation) or an arbitration commission (仲裁) for a
// signed contract, one zip per case, signed by the filing organisation.
//
// # The package (format sealchain-case-package v1)
//
// A zip of these files, in this order:
//
//	manifest.json          the case and every other file's path, role, size and SM3 ([Manifest])
//	manifest.csv           the same as CSV ([Manifest.CSV]), for spreadsheets
//	signature.json         the filer's SM2 signature over "sealchain/case-package/v1\x00" ‖ manifest.json ([Signature])
//	contract/signed.pdf    the contract as its last signature left it
//	evidence/bundle.json   the contract's evidence bundle (package evidence)
//	evidence/report.pdf    the evidence report over that bundle (evidence/report), signed by the filer
//	parties/parties.json   the parties: role, side, certificate, fingerprint and, where the filer
//	                       discloses it, the platform's identity data (name, ID number, address for service)
//	claim/claim.json       the claim facts from the contract's template fields ([Claim])
//	claim/statement.pdf    the statement of claim (民事起诉状), or for arbitration
//	claim/application.pdf  the arbitration application (仲裁申请书), drafted from a template
//	parties/party-N.cer    each party's certificate (DER)
//
// The SM3 of the zip's bytes is what goes on chain (case_filed); the
// identity data never does. [Make] builds one package; [Builder] builds a
// batch from the platform's workflow through a [Source], with bounded
// workers, into a directory holding batch.json ([Batch]), batch.csv and
// cases/<case_id>.zip. Contracts that cannot be built (not completed,
// voided, a party lacking identity data, a template without claim facts,
// evidence that does not verify) are listed in the batch with the contract
// and the reason, never dropped.
//
// The filer signs with a certificate its genesis CA issues for the batch
// (subject CN [FilerRef]: "<org>:case-filer", usage signer, one day), as
// the issued documents of evidence/report are signed with a
// "<org>:report-signer" certificate.
//
// # Verification
//
// [Verify] checks a package offline against the genesis trust alone (see
// its documentation for the steps): hostile zips are bounded (size,
// entries, inflation ratio, paths), the manifest and its signature by the
// filer's genesis CA, the CSV, every file's size and SM3, the bundle (with
// the signed PDF as its file), the evidence report, the parties against
// the contract_created record and the claim. A failure names the file:
// an edited statement fails as "claim/statement.pdf: SM3 ..., the manifest
// says ...". [VerifyBatch] verifies a batch directory.
//
// # Security assumptions
//
// Those of package evidence for the bundle and of evidence/report for the
// report. The statement, the claim facts and the identity data are the
// filer's statements, bound to the filer by its signature, not facts the
// chain proves: the verifier checks that they are the filer's and
// unaltered, and that the parties' certificates are the contract's.
//
// # Compatibility
//
// The format name and version are in manifest.json and batch.json; a new
// version may add files and fields. Check names are stable.
package casepkg
