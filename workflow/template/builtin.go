package template

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ServiceAgreement is the body of the built-in "service_agreement"
// (服务协议). Fields: contract_no, party_a (client), party_b (provider),
// service (what is provided), fee (e.g. "人民币 10,000 元 / CNY 10,000"),
// start_date, end_date, city (where disputes are heard). Roles (signing
// areas): party_a, party_b.
const ServiceAgreement = `合同编号 Contract No.: {{contract_no}}

甲方（委托方）Party A (client): {{party_a}}
乙方（服务方）Party B (provider): {{party_b}}

甲乙双方经平等协商，就乙方向甲方提供服务事宜达成如下协议。
The parties agree as follows on the services Party B provides to Party A.

第一条 服务内容 Article 1 Services
乙方向甲方提供以下服务：{{service}}。
Party B provides the following services: {{service}}.

第二条 服务期限 Article 2 Term
自 {{start_date}} 起至 {{end_date}} 止。
From {{start_date}} to {{end_date}}.

第三条 服务费用 Article 3 Fee
甲方应向乙方支付服务费 {{fee}}，于服务期限届满后十五日内付清。
Party A pays Party B a fee of {{fee}} within fifteen days after the term ends.

第四条 保密 Article 4 Confidentiality
双方对履行本协议中知悉的对方商业秘密负有保密义务。
Each party keeps the other's business secrets learnt under this agreement confidential.

第五条 争议解决 Article 5 Disputes
因本协议产生的争议，双方应协商解决；协商不成的，提交 {{city}} 有管辖权的人民法院诉讼解决。
Disputes are settled by negotiation, failing which by the competent people's court in {{city}}.

第六条 电子签署 Article 6 Electronic signing
本协议以电子方式签署，与纸质合同具有同等法律效力；签署过程记录于区块链存证平台。
This agreement is signed electronically, with the same force as a paper contract; the signing is recorded on a blockchain evidence platform.

甲方签章 Party A:
{{sign:party_a}}

乙方签章 Party B:
{{sign:party_b}}`

// LoanNote is the body of the built-in "loan_note" (借条). Fields: lender,
// borrower, borrower_id (the borrower's ID number), amount (figures, e.g.
// "50,000.00"), amount_words (大写, e.g. "伍万元整"), purpose, annual_rate
// (e.g. "3.65%"), due_date, date. Signing areas: borrower, lender.
const LoanNote = `今借到 {{lender}} 人民币（大写）{{amount_words}}（小写 ¥{{amount}}），用于 {{purpose}}。
I, {{borrower}}, have borrowed CNY {{amount}} ({{amount_words}}) from {{lender}} for {{purpose}}.

借款年利率为 {{annual_rate}}，借款人应于 {{due_date}} 前归还全部本金及利息。
The annual interest rate is {{annual_rate}}; principal and interest are repaid by {{due_date}}.

逾期未还的，借款人承担出借人为实现债权支出的合理费用。
If repayment is late, the borrower bears the lender's reasonable costs of recovery.

借款人 Borrower: {{borrower}}（身份证号 ID No. {{borrower_id}}）
出借人 Lender: {{lender}}
日期 Date: {{date}}

借款人签名 Borrower:
{{sign:borrower}}

出借人签名 Lender:
{{sign:lender}}`

var builtins = []Spec{
	{ID: "service_agreement", NameZH: "服务协议", NameEN: "Service Agreement", Title: "服务协议 Service Agreement", Body: ServiceAgreement,
		Fields: []Field{
			{Name: "contract_no", Label: "合同编号 Contract number", Example: "SC-2026-0001"},
			{Name: "party_a", Label: "甲方 Party A (client)", Role: "party_a", Example: "北京示例科技有限公司"},
			{Name: "party_b", Label: "乙方 Party B (provider)", Role: "party_b", Example: "上海服务有限公司"},
			{Name: "service", Label: "服务内容 Services", Example: "软件维护与技术支持 software maintenance and support"},
			{Name: "start_date", Label: "开始日期 Start date", Type: TypeDate, Example: "2026-01-01"},
			{Name: "end_date", Label: "结束日期 End date", Type: TypeDate, Example: "2026-12-31"},
			{Name: "fee", Label: "服务费用 Fee", Example: "人民币 10,000 元 / CNY 10,000"},
			{Name: "city", Label: "管辖法院所在地 Court city", Example: "北京市海淀区"},
		},
		Roles: []Role{
			{Name: "party_a", LabelZH: "甲方（委托方）", LabelEN: "Party A (client)"},
			{Name: "party_b", LabelZH: "乙方（服务方）", LabelEN: "Party B (provider)"},
		}},
	{ID: "loan_note", NameZH: "借条", NameEN: "Loan Note", Title: "借条 Loan Note", Body: LoanNote,
		Fields: []Field{
			{Name: "lender", Label: "出借人 Lender", Role: "lender", Example: "张三"},
			{Name: "amount_words", Label: "金额大写 Amount in words", Example: "伍万元整"},
			{Name: "amount", Label: "金额 Amount", Type: TypeAmount, Example: "50,000.00"},
			{Name: "purpose", Label: "用途 Purpose", Example: "购房 home purchase"},
			{Name: "borrower", Label: "借款人 Borrower", Role: "borrower", Example: "李四"},
			{Name: "annual_rate", Label: "年利率 Annual rate", Type: TypeRate, Example: "3.65%"},
			{Name: "due_date", Label: "还款日期 Due date", Type: TypeDate, Example: "2027-06-30"},
			{Name: "borrower_id", Label: "借款人身份证号 Borrower ID number", Type: TypeIDNumber, Role: "borrower", Example: "11010519491231002X"},
			{Name: "date", Label: "日期 Date", Type: TypeDate, Example: "2026-07-01"},
		},
		Roles: []Role{
			{Name: "borrower", LabelZH: "借款人", LabelEN: "Borrower"},
			{Name: "lender", LabelZH: "出借人", LabelEN: "Lender"},
		}},
}

// Builtins returns the built-in templates, by id.
func Builtins() []*Template {
	out := make([]*Template, 0, len(builtins))
	for _, b := range builtins {
		t, err := New(b)
		if err != nil {
			// The built-ins are constants checked by the tests.
			panic(fmt.Sprintf("template: built-in %s: %v", b.ID, err))
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Template) int {
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	return out
}

// ErrUnknown: no template has that id.
var ErrUnknown = errors.New("template: unknown template")

// Builtin returns the built-in template with that id (errors wrap
// ErrUnknown and list the ids).
func Builtin(id string) (*Template, error) {
	var ids []string
	for _, t := range Builtins() {
		if t.ID == id {
			return t, nil
		}
		ids = append(ids, t.ID)
	}
	return nil, fmt.Errorf("%w %q: the built-in templates are %s", ErrUnknown, id, strings.Join(ids, ", "))
}
