package template

import (
	"fmt"
	"slices"
)

// ServiceAgreement is the body of the built-in "service_agreement"
// (服务协议). Fields: contract_no, party_a (client), party_b (provider),
// service (what is provided), fee (e.g. "人民币 10,000 元 / CNY 10,000"),
// start_date, end_date, city (where disputes are heard). Signing areas:
// party_a, party_b.
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

var builtins = []struct {
	id, title, body string
	labels          []Field
}{
	{"service_agreement", "服务协议 Service Agreement", ServiceAgreement, []Field{
		{"contract_no", "合同编号 Contract number"}, {"party_a", "甲方 Party A (client)"},
		{"party_b", "乙方 Party B (provider)"}, {"service", "服务内容 Services"}, {"start_date", "开始日期 Start date"},
		{"end_date", "结束日期 End date"}, {"fee", "服务费用 Fee"}, {"city", "管辖法院所在地 Court city"},
	}},
	{"loan_note", "借条 Loan Note", LoanNote, []Field{
		{"lender", "出借人 Lender"}, {"amount_words", "金额大写 Amount in words"}, {"amount", "金额 Amount"},
		{"purpose", "用途 Purpose"}, {"borrower", "借款人 Borrower"}, {"annual_rate", "年利率 Annual rate"},
		{"due_date", "还款日期 Due date"}, {"borrower_id", "借款人身份证号 Borrower ID number"}, {"date", "日期 Date"},
	}},
}

// Builtins returns the built-in templates, by id.
func Builtins() []*Template {
	out := make([]*Template, 0, len(builtins))
	for _, b := range builtins {
		t, err := Parse(b.id, b.title, b.body, b.labels...)
		if err != nil {
			// The built-ins are constants checked by the tests.
			panic(fmt.Sprintf("template: built-in %s: %v", b.id, err))
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

// Builtin returns the built-in template with that id.
func Builtin(id string) (*Template, error) {
	for _, t := range Builtins() {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, fmt.Errorf("template: no built-in template %q", id)
}
