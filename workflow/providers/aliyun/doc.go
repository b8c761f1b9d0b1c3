// Package aliyun sends the workflow's SMS through Alibaba Cloud SMS
// (dysmsapi 2017-05-25 SendSms), with Alibaba Cloud's own Go SDK
// (github.com/alibabacloud-go/dysmsapi-20170525/v5 over the darabonba
// OpenAPI client, pinned). The client signs every request with
// ACS3-HMAC-SHA256 (signature V3).
//
// Each outbox template maps to an Aliyun template code; the message's
// parameters go as the TemplateParam JSON object (Aliyun templates name
// their variables, ${code}), the configured sign name as SignName.
//
// Outcomes: Code "OK" is sent; isv.MOBILE_NUMBER_ILLEGAL and the other
// number-level codes wrap notify.ErrPermanent; everything else (throttling
// such as isv.BUSINESS_LIMIT_CONTROL, isp.SYSTEM_ERROR, HTTP errors,
// time-outs, a wrong key) wraps providers.ErrUnavailable, so the outbox
// tries again later.
package aliyun
