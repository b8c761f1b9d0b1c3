// Package providers holds what the production adapters of the signing
// workflow share: reading a vendor's API secret from a key file, and the
// classification of a vendor's answer into "passed", "rejected" and
// "could not decide".
//
// The adapters themselves live in subpackages, one per vendor, each built
// on the vendor's own Go SDK:
//
//   - tencent: Tencent Cloud SMS (sms 2021-01-11 SendSms), FaceID
//     (faceid 2018-03-01: PhoneVerification for the carrier three-factor
//     check, ImageRecognition for the face check against the public
//     security ID photo), the business registration lookup (ocr
//     2018-11-19 VerifyBasicBizLicense, by credit code and name) and the
//     micro-deposit (cpdp 2019-08-20 TransferSinglePay, Ping An bank-enterprise
//     direct transfer, TransferType 3). Requests are signed with
//     TC3-HMAC-SHA256.
//   - aliyun: Alibaba Cloud SMS (dysmsapi 2017-05-25 SendSms), signed with
//     ACS3-HMAC-SHA256 by the darabonba OpenAPI client.
//
// vendortest serves each vendor's documented protocol on 127.0.0.1 for
// tests, verifying request signatures.
//
// # Secrets
//
// A vendor's secret id and key are read from files ([ReadSecret]) that
// must be regular files with mode 0600 or stricter (0400); anything
// readable by group or others is refused, with the path and the mode in
// the error. The values never appear in errors, logs or the config file.
//
// # Outcomes
//
// An adapter returns nil when the check passed, an error wrapping
// identity.ErrRejected when the vendor said no (the person or company did
// not pass), and an error wrapping [ErrUnavailable] for everything else:
// time-outs, network failures, throttling, the vendor's internal errors,
// authentication failures of the platform's own key. The workflow keeps
// the subject pending on ErrUnavailable and lets it be retried; only a
// rejection fails it.
package providers
