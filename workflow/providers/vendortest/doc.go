// Package vendortest serves the documented HTTP protocols of the vendors
// the workflow's production providers call, on 127.0.0.1, for tests: the
// adapters run their vendor SDKs unchanged with the endpoint pointed here.
//
// [Tencent] speaks Tencent Cloud API 3.0: POST / with a JSON body, the
// action in X-TC-Action, and the TC3-HMAC-SHA256 signature in
// Authorization, which it recomputes from the request as the "Signature
// v3" page of the Tencent Cloud API documentation describes
// (https://www.tencentcloud.com/document/api/1005/34678: canonical request
// of method, URI "/", query, the signed headers content-type and host,
// the payload's SHA-256; string to sign with the timestamp and the
// credential scope date/service/tc3_request; the key derived by HMAC-SHA256
// chaining from "TC3"+SecretKey). Answers are {"Response": {...}} with
// Error.Code on failure, as documented.
//
// [Aliyun] speaks Alibaba Cloud's OpenAPI with signature V3
// (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature):
// the action in x-acs-action, ACS3-HMAC-SHA256 in Authorization over the
// canonical request (method, path, sorted RFC 3986 encoded query, the
// lower-case signed headers, which must include host and every x-acs-*
// header, and the hex SHA-256 of the body, also sent in
// x-acs-content-sha256). Business answers are JSON with Code "OK" or a
// vendor code; signature failures are HTTP 400 SignatureDoesNotMatch.
//
// Neither server copies SDK code: both are written from the documents.
// Each counts calls and lets a test script the answer per action: a result,
// a vendor error code, an HTTP status, or a delay (to make the client time
// out).
package vendortest
