package casepkg

import (
	"fmt"
	"strings"
	"sync"

	"github.com/sealchain/sealchain/workflow/template"
)

// statementBody is the statement of claim (民事起诉状), after the form the
// Supreme People's Court publishes (原告/被告, 诉讼请求, 事实和理由, 证据和证据
// 来源, 此致, 具状人, date), drafted in Chinese with English glosses.
const statementBody = `原告 Plaintiff: {{plaintiff}}

被告 Defendant: {{defendant}}

诉讼请求 Claims:
1. {{request_1}}
2. {{request_2}}
3. {{request_3}}

事实和理由 Facts and reasons:
{{facts}}

证据和证据来源 Evidence and its source:
{{evidence}}

此致 To:
{{institution}}

案件编号 Case No.: {{case_id}}    合同编号 Contract: {{contract}}
具状人 Plaintiff: {{plaintiff_name}}
日期 Date: {{date}}

具状人签章 Signature of the plaintiff:
{{sign:plaintiff}}`

// applicationBody is the arbitration application (仲裁申请书): 申请人/被申请人,
// 仲裁请求, 事实与理由, 证据, 此致 the commission, 申请人, date.
const applicationBody = `申请人 Claimant: {{plaintiff}}

被申请人 Respondent: {{defendant}}

仲裁请求 Claims:
1. {{request_1}}
2. {{request_2}}
3. {{request_3}}

事实与理由 Facts and reasons:
{{facts}}

证据和证据来源 Evidence and its source:
{{evidence}}

此致 To:
{{institution}}

案件编号 Case No.: {{case_id}}    合同编号 Contract: {{contract}}
申请人 Claimant: {{plaintiff_name}}
日期 Date: {{date}}

申请人签章 Signature of the claimant:
{{sign:plaintiff}}`

var (
	draftOnce sync.Once
	draftTpl  map[string]*template.Template
	draftErr  error
)

// drafts returns the two claim templates, parsed once.
func drafts() (map[string]*template.Template, error) {
	draftOnce.Do(func() {
		draftTpl = map[string]*template.Template{}
		for kind, s := range map[string]template.Spec{
			KindLitigation:  {ID: "statement_of_claim", NameZH: "民事起诉状", NameEN: "Statement of Claim", Title: "民事起诉状 Statement of Claim", Body: statementBody},
			KindArbitration: {ID: "arbitration_application", NameZH: "仲裁申请书", NameEN: "Arbitration Application", Title: "仲裁申请书 Arbitration Application", Body: applicationBody},
		} {
			t, err := template.New(s)
			if err != nil {
				draftErr = fmt.Errorf("casepkg: claim template %s: %w", s.ID, err)
				return
			}
			draftTpl[kind] = t
		}
	})
	return draftTpl, draftErr
}

// partyLine is a party as the statement names it: name, ID number and
// address for service.
func partyLine(id *Identity) string {
	label := "身份证号 ID No."
	if id.Kind == "enterprise" {
		label = "统一社会信用代码 Credit code"
	}
	return fmt.Sprintf("%s，%s %s，送达地址 Address for service: %s", id.Name, label, id.IDNumber, id.Address)
}

// draftStatement renders the statement of claim or arbitration application.
func draftStatement(kind, caseID, institutionName, date string, c *Claim, plaintiff, defendant *Identity, font *template.Font) ([]byte, error) {
	tpls, err := drafts()
	if err != nil {
		return nil, err
	}
	req := append([]string(nil), c.Requests...)
	for len(req) < 3 {
		req = append(req, "—")
	}
	who := "原告"
	if kind == KindArbitration {
		who = "申请人"
	}
	facts := fmt.Sprintf("%s与%s签订《%s》（合同编号 %s），约定%s%s，应于 %s 前支付。合同以电子方式签署，签署过程记录于区块链存证平台。到期后被告未履行，%s为维护合法权益，特提出上述请求。 "+
		"The parties signed \"%s\" (contract %s) electronically; the sum of %s fell due on %s and was not paid.",
		defendant.Name, plaintiff.Name, c.Title, c.Contract, principalPhrase(c), ratePhrase(c), c.DueDate, who,
		c.Title, c.Contract, c.Principal, c.DueDate)
	if kind == KindArbitration {
		facts = strings.ReplaceAll(facts, "被告", "被申请人")
	}
	evidence := "1. 已签署的电子合同（contract/signed.pdf）；2. 区块链存证证据包（evidence/bundle.json）及证据报告（evidence/report.pdf）；3. 当事人数字证书（parties/）。 " +
		"1. the signed contract; 2. the blockchain evidence bundle and evidence report; 3. the parties' certificates."
	values := map[string]string{
		"plaintiff": partyLine(plaintiff), "defendant": partyLine(defendant),
		"request_1": req[0], "request_2": req[1], "request_3": req[2],
		"facts": facts, "evidence": evidence, "institution": institutionName,
		"case_id": caseID, "contract": c.Contract, "plaintiff_name": plaintiff.Name, "date": date,
	}
	opts := []template.RenderOption{template.WithFastCompression()}
	if font != nil {
		opts = append(opts, template.WithFont(font))
	}
	doc, err := tpls[kind].Render(values, opts...)
	if err != nil {
		return nil, fmt.Errorf("draft %s: %w", kind, err)
	}
	return doc.PDF, nil
}

func principalPhrase(c *Claim) string {
	if c.AmountWords != "" {
		return fmt.Sprintf("款项人民币 %s 元（%s）", c.Principal, c.AmountWords)
	}
	return "款项 " + c.Principal
}

func ratePhrase(c *Claim) string {
	if c.AnnualRate == "" {
		return ""
	}
	return "，年利率 " + c.AnnualRate
}
