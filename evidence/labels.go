package evidence

import (
	"regexp"
	"strings"

	"github.com/sealchain/sealchain/chain"
)

// Label is a name shown to people, in Chinese and in English. The evidence
// report (evidence/report) and the verification page (node/web, through
// the WebAssembly verifier's sealchainLabels) both read these names, so a
// record type or a check is named the same way wherever a judge reads it.
// Record types name themselves (chain.Body.Label); the tables here name the
// checks and methods.
type Label struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// Both is "中文 English", the form the bilingual report prints.
func (l Label) Both() string { return l.Zh + " " + l.En }

// TypeLabel names record type t (each type's chain.Body.Label, in its file
// chain/record_<name>.go); an unknown type is named by its number.
func TypeLabel(t chain.Type) Label {
	for _, b := range chain.Types() {
		if b.Type() == t {
			return bodyLabel(b)
		}
	}
	s := t.String()
	return Label{"未知记录类型 " + s, "unknown record type " + s}
}

// TypeLabelByName names a record type given as its string (chain.Type.String,
// the "type" of a RecordInfo or RecordView).
func TypeLabelByName(name string) Label {
	for _, b := range chain.Types() {
		if b.Name() == name {
			return bodyLabel(b)
		}
	}
	return Label{"未知记录类型 " + name, "unknown record type " + name}
}

func bodyLabel(b chain.Body) Label {
	zh, en := b.Label()
	return Label{zh, en}
}

// checkLabels names the checks of a Result. Keys are check names, or for
// per-item checks ("record[3].inclusion", "validator_hop[12]") the name
// with the number taken out ("record[].inclusion"); "{i}" in a label is
// that number.
var checkLabels = map[string]Label{
	"format":              {"证据包格式与链标识", "Bundle format and chain id"},
	"arguments":           {"调用参数", "Arguments"},
	"verifier":            {"验证程序", "Verifier"},
	"genesis":             {"信任根（创世文件）", "Trust root (genesis file)"},
	"validator_hop[]":     {"验证节点集合变更（区块 {i}）", "Validator set change (block {i})"},
	"checkpoint":          {"检查点区块头由验证节点签名", "Checkpoint header signed by the validators"},
	"app_hash":            {"区块头承诺了记录日志", "Block header commits the record log"},
	"consistency":         {"日志与已信任的日志一致", "Log extends the trusted log"},
	"file":                {"文件与链上登记的哈希一致", "File matches the recorded hash"},
	"subject":             {"查询对象与记录一致", "Subject matches the records"},
	"record[].inclusion":  {"记录 #{i} 包含在日志中（默克尔证明）", "Record #{i} is in the log (Merkle proof)"},
	"record[].decode":     {"记录 #{i} 编码规范", "Record #{i} is canonically encoded"},
	"record[].signatures": {"记录 #{i} 的机构与签署人签名有效", "Record #{i}: organisation and signer signatures valid"},
	"record[].open":       {"记录 #{i} 签署时合同尚未关闭", "Record #{i}: the contract was still open when signed"},
	"record[].intent":     {"记录 #{i} 签署前已完成意愿认证", "Record #{i}: intent confirmed before signing"},
	"record[].contract":   {"记录 #{i} 所属合同的创建、签署顺序与完成记录齐全", "Record #{i}: its contract's creation, signing order and completion are in the bundle"},
	"record[].verifier":   {"记录 #{i} 的认证机构已登记（创世或治理表决）", "Record #{i}: its verifier is registered (genesis or governance)"},
	"anchors":             {"跨链锚定", "Fabric anchors"},
	"anchor[]":            {"记录 #{i} 的跨链锚定", "Record #{i}: Fabric anchor"},
	"anchor[].fabric":     {"记录 #{i} 的锚定在 Fabric 上可查", "Record #{i}: anchor found on Fabric"},
	"pdf_signatures":      {"PDF 签名", "PDF signatures"},
	"report_signature":    {"报告签名", "Report signature"},
	"document_signature":  {"出具机构签章", "Issuer's signature"},
	"issuance_recorded":   {"出具记录在链", "Issue recorded on chain"},
	"bundle_attached":     {"报告附有证据包", "Evidence bundle attached"},
	"bundle_verifies":     {"附带的证据包验证通过", "Attached bundle verifies"},
	"facts_match":         {"报告所载事实与证据包一致", "Printed facts match the bundle"},
}

var checkNumber = regexp.MustCompile(`\[(\d+)\]`)

// CheckLabel names a check. A name this table does not know (a check added
// later) is shown as itself in both languages rather than hidden.
func CheckLabel(name string) Label {
	num := ""
	key := checkNumber.ReplaceAllStringFunc(name, func(m string) string {
		if num == "" {
			num = m[1 : len(m)-1]
		}
		return "[]"
	})
	l, ok := checkLabels[key]
	if !ok {
		return Label{name, name}
	}
	return Label{strings.ReplaceAll(l.Zh, "{i}", num), strings.ReplaceAll(l.En, "{i}", num)}
}

// methodLabels names the intent methods (chain.IntentMethod) and identity
// verification methods (chain.IdentityMethod) by their string; "face" is
// both, with one name.
var methodLabels = map[string]Label{
	"sms_otp":                 {"短信验证码", "SMS one-time code"},
	"face":                    {"人脸识别", "face recognition"},
	"carrier_3factor":         {"运营商三要素核验", "mobile carrier three-factor check"},
	"bank_transfer":           {"银行打款验证", "bank transfer check"},
	"legal_rep_authorisation": {"法定代表人授权", "legal representative authorisation"},
	"business_registration":   {"工商登记核验", "business registration check"},
	"agent_check":             {"经办人核验", "agent check"},
}

// MethodLabel names an intent or identity method given as its string; an
// unknown one is shown as itself.
func MethodLabel(name string) Label {
	if l, ok := methodLabels[name]; ok {
		return l
	}
	return Label{name, name}
}

// LabelTables is every label, for the verification page: record types by
// name, checks by the keys CheckLabel uses, methods by name.
type LabelTables struct {
	Types   map[string]Label `json:"types"`
	Checks  map[string]Label `json:"checks"`
	Methods map[string]Label `json:"methods"`
}

// Labels returns the label tables.
func Labels() LabelTables {
	types := chain.Types()
	t := LabelTables{Types: make(map[string]Label, len(types)), Checks: make(map[string]Label, len(checkLabels))}
	for _, b := range types {
		t.Types[b.Name()] = bodyLabel(b)
	}
	for k, l := range checkLabels {
		t.Checks[k] = l
	}
	t.Methods = make(map[string]Label, len(methodLabels))
	for k, l := range methodLabels {
		t.Methods[k] = l
	}
	return t
}
