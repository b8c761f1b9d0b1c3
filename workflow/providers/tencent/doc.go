// Package tencent adapts Tencent Cloud's APIs, through Tencent's own Go SDK
// (github.com/tencentcloud/tencentcloud-sdk-go, pinned), to the workflow's
// provider interfaces:
//
//   - [SMS] sends outbox messages with SMS SendSms (API version
//     2021-01-11): the platform's SmsSdkAppId, sign name and, per outbox
//     template, a Tencent template id and the order of its parameters;
//   - [Identity] is an identity.Provider: face (FaceID ImageRecognition:
//     the capture against the ID photo of the name and ID number, passing
//     at a similarity of at least [DefaultMinSimilarity]), carrier
//     three-factor (FaceID PhoneVerification), business registration
//     (OCR VerifyBasicBizLicense by credit code and name: found, same name,
//     not deregistered or revoked), the agent check (the registration plus
//     the agent's three-factor check) and the legal-representative
//     authorisation (the registration with the representative's name plus
//     his three-factor check). [Identity.CompareFace] is the intent check by
//     face at signing time;
//   - [Bank] is an identity.Bank: the micro-deposit with Tencent Cloud
//     Payment's TransferSinglePay (cpdp 2019-08-20), TransferType 3, Ping An
//     Bank's bank-enterprise direct transfer to the company's account, the
//     amount in fen and the challenge's memo as order id, so a repeated
//     request cannot pay twice.
//
// Every call is signed TC3-HMAC-SHA256 by the SDK, carries the caller's
// context (a per-call transport binds it to the HTTP request) and is bounded
// by [Config.Timeout]. Outcomes follow workflow/providers: the vendor's
// explicit "no" wraps identity.ErrRejected (or notify.ErrPermanent for an
// SMS that can never be delivered); time-outs, network errors, throttling,
// internal errors and authentication failures wrap
// providers.ErrUnavailable.
//
// What is sent: names, ID numbers, phone numbers and face captures go to
// Tencent Cloud for the checks (that is the point of the checks); nothing
// of it is logged here. SMS bodies carry a code or a link.
package tencent
