package report

import (
	"fmt"
	"strings"

	"github.com/sealchain/sealchain/evidence"
)

// The lines the issued documents print from their facts (DocFacts). The
// layouts draw them and printedDocFacts lists them, so that facts_match
// finds each on the page: a document prints nothing its facts do not
// carry, and nothing VerifyDocument does not check.

func applicantLine(orgID string) string { return "机构标识 org id: " + orgID }

// stepLine is a case record's block time, height and log index.
func stepLine(s CaseStep) string {
	return fmt.Sprintf("%s，区块高度 %d，日志序号 %d", zhTime(s.Time), s.Height, s.LogIndex)
}

// partyLine names the contract party a notarisation application names:
// the chain records that the certificate is a party of the contract, not
// that the party mandated the application.
func partyLine(d *DocFacts) string {
	who := "证书指纹 " + d.Case.Party
	for _, p := range d.Evidence.Parties {
		if p.Fingerprint == d.Case.Party && p.Subject != "" {
			who = "证书主体 " + p.Subject
		}
	}
	return who + "，为该合同的签署方（由申请人在申请中列明；链上未记录该签署方的委托 its mandate is not recorded on chain）"
}

func notaryLine(n *CertFacts) string { return n.Subject + "（数字证书 certificate）" }

func examinerLine(i int, e CertFacts) string {
	return fmt.Sprintf("司法鉴定人 %d Examiner %d：%s", i+1, i+1, e.Subject)
}

// scopeLines are the numbered lines of a 公证书's 审查范围.
func scopeLines(cs *CaseFacts) []string {
	scope := map[string]string{
		"contract":   "合同的区块链存证记录（合同创建、签署、完成等记录）the contract's records",
		"signed_pdf": "已签署的合同 PDF 文件，以 SM3 与 SHA-256 哈希值核对 the signed PDF, by its SM3 and SHA-256 hashes",
		"timeline":   "合同的完整时间线（含工作流与本公证申请的记录）the whole timeline of the contract",
	}
	var out []string
	for i, s := range cs.Scope {
		out = append(out, fmt.Sprintf("%d. %s", i+1, scope[s]))
	}
	return append(out, fmt.Sprintf("%d. 区块链检查点及签署该检查点的验证节点签名，以创世文件为唯一信任根离线核验。The checkpoint and the validators' signatures on it, verified offline against the genesis file.", len(cs.Scope)+1))
}

// itemsLine is a 意见书's 委托鉴定事项.
func itemsLine(cs *CaseFacts) string {
	items := map[string]string{
		"bundle": "证据包完整性", "pdf_signature": "PDF 电子签名", "certificates": "签署人证书",
		"intent": "签署意愿认证", "time": "签署时间",
	}
	var names []string
	for _, it := range cs.Items {
		names = append(names, items[it])
	}
	return fmt.Sprintf("对合同 %s 的电子数据进行鉴定：%s", cs.ContractID, strings.Join(names, "、"))
}

func statusLine(ct *ContractFacts) string {
	if ct.Status == StatusCompleted {
		return completedBanner + "：" + ct.ID
	}
	return openBanner + "：" + ct.ID
}

func preservationStatus(ct *ContractFacts) string {
	if ct.Status == StatusCompleted {
		return fmt.Sprintf("已完成签署 completed（%d 名签署方 parties）", len(ct.Parties))
	}
	return "尚未完成签署 still open"
}

func passedChecks(d *DocFacts) int {
	n := 0
	for _, ch := range d.Checks {
		if ch.OK {
			n++
		}
	}
	return n
}

// countLine is the 意见书's count of the automated checks.
func countLine(d *DocFacts) string {
	return fmt.Sprintf("自动检验共 %d 项，通过 %d 项。", len(d.Checks), passedChecks(d))
}

// offlineLine is the 验签报告's count of the bundle's checks.
func offlineLine(d *DocFacts) string {
	p := passedChecks(d)
	return fmt.Sprintf("%d 项中 %d 项通过 %d of %d passed", len(d.Checks), p, p, len(d.Checks))
}

func issuedAtLine(d *DocFacts) string { return fmtCST(d.IssuedAt) + " | " + fmtUTC(d.IssuedAt) }

// preservedLine is the 存证证明's statement: when the contract's data was
// first recorded (its contract_created record) and the last record the
// certificate covers (the one its number is derived from).
func preservedLine(d *DocFacts) string {
	p := d.Preservation
	for _, r := range d.Evidence.Timeline {
		if r.Type == "contract_created" && r.ContractID == p.ContractID {
			return fmt.Sprintf("兹证明：下列电子数据已于%s（合同创建记录，日志序号 %d）保存于区块链（链标识 %s）。本证明所载记录截至%s（该合同在证据包中的最后一条记录，日志序号 %d），其区块高度、区块时间与哈希值如下。",
				zhTime(r.Time), r.LogIndex, d.Evidence.ChainID, zhTime(p.Time), p.LogIndex)
		}
	}
	return fmt.Sprintf("兹证明：截至%s（该合同在证据包中的最后一条记录，日志序号 %d），下列电子数据已保存于区块链（链标识 %s），其区块高度、区块时间与哈希值如下。",
		zhTime(p.Time), p.LogIndex, d.Evidence.ChainID)
}

// itemChecks are the facts' checks an appraisal item groups.
func itemChecks(d *DocFacts, item string) []CheckFacts {
	var out []CheckFacts
	for _, ch := range d.Checks {
		if checkItem(ch.Name) == item {
			out = append(out, ch)
		}
	}
	return out
}

func checkMark(ok bool) string {
	if ok {
		return "通过 PASS"
	}
	return "未通过 FAIL"
}

// checkFactText is how a check's result and name read on the page.
func checkFactText(ch CheckFacts) string { return checkMark(ch.OK) + " " + ch.Name }

// checkFactLine draws one check of the facts: the result and the check's
// id on one line, its bilingual name in gray beneath.
func (l *layout) checkFactLine(ch CheckFacts) {
	c := l.c
	const indent, size, titleSize = 52.0, 7.8, 7.0
	col := green
	if !ch.OK {
		col = red
	}
	titles := c.wrap(evidence.CheckLabel(ch.Name).Both(), regular, titleSize, contentW-indent)
	c.ensure(size + 2.5 + float64(len(titles))*(titleSize+2.5) + 3)
	c.text(marginL, c.y-size, checkMark(ch.OK), bold, size, col)
	c.text(marginL+indent, c.y-size, ch.Name, regular, size, black)
	c.y -= size + 2.5
	for _, ln := range titles {
		c.text(marginL+indent, c.y-titleSize, ln, regular, titleSize, gray)
		c.y -= titleSize + 2.5
	}
	c.y -= 3
}

// docFactLines are the lines drawn from a document's facts beyond the
// hashes and ids printedDocFacts lists itself.
func docFactLines(d *DocFacts) []string {
	out := []string{orgLine(d.Issuer.ID, d.Issuer.Name)}
	var ct *ContractFacts
	for i := range d.Evidence.Contracts {
		if d.Case == nil || d.Evidence.Contracts[i].ID == d.Case.ContractID {
			ct = &d.Evidence.Contracts[i]
			break
		}
	}
	switch d.Kind {
	case KindNotarial:
		cs := d.Case
		out = append(out, applicantLine(cs.Applicant), notaryLine(d.Notary), purposeZh(cs.Purpose),
			stepLine(cs.Opened), stepLine(cs.Accepted), zhDate(d.IssuedAt))
		if cs.Party != "" {
			out = append(out, partyLine(d))
		}
		out = append(out, scopeLines(cs)...)
		out = append(out, applicationPara(cs), notarialStatementText(d, ct))
		out = append(out, evidenceFactLines(d, true)...)
		if ct != nil {
			out = append(out, statusLine(ct))
		}
	case KindAppraisal:
		cs := d.Case
		out = append(out, applicantLine(cs.Applicant), cs.Judge, itemsLine(cs), cs.MattersSM3, stepLine(cs.Accepted),
			zhDate(d.IssuedAt), countLine(d), summaryPara(cs), conclusionZh(d.Conclusion, cs.ContractID))
		if d.SignedPDF != nil && containsStr(cs.Items, "pdf_signature") {
			out = append(out, signatureLines(d.SignedPDF)...)
		}
		if containsStr(cs.Items, "time") && len(itemChecks(d, "time")) > 0 { // as the layout prints them
			for _, r := range d.Evidence.Timeline {
				if r.Type == "contract_signed" || r.Type == "contract_completed" || r.Type == "contract_created" {
					out = append(out, rowHeadLine(r), rowPosLine(r), rowTimeLine(r), r.TxHash)
				}
			}
		}
		if d.Notes != "" {
			out = append(out, d.Notes)
		}
		for i, e := range d.Examiners {
			out = append(out, examinerLine(i, e))
		}
		for _, g := range appraisalGroups {
			if !containsStr(cs.Items, g.item) {
				continue
			}
			for _, ch := range itemChecks(d, g.item) {
				out = append(out, checkFactText(ch))
			}
		}
	case KindPreservation:
		out = append(out, preservedLine(d), issuedAtLine(d), zhDate(d.IssuedAt), preservedRecordLine(d))
		if ct != nil {
			out = append(out, preservationStatus(ct))
		}
	case KindSignature:
		out = append(out, issuedAtLine(d), offlineLine(d), zhDate(d.IssuedAt), fmt.Sprintf("%d 字节 bytes", d.SignedPDF.Size))
		out = append(out, signatureLines(d.SignedPDF)...)
		if r := d.SignedPDF.SignedRecord; r != nil {
			out = append(out, signedRecordLine(*r))
		}
	}
	return out
}

// appraisalGroups are the 意见书's groups of checks, by item.
var appraisalGroups = []struct{ item, title string }{
	{"bundle", "证据包完整性 Bundle integrity"},
	{"certificates", "证书与签名 Certificates and signatures"},
	{"intent", "意愿认证 Intent"},
	{"time", "时间与顺序 Time and order"},
}

func containsStr(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// squash drops white space, so that a line the layout wrapped is still
// found whole in the page text.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// applicationPara is the 公证书's 申请事项.
func applicationPara(cs *CaseFacts) string {
	return fmt.Sprintf("申请人（机构标识 %s）于%s通过区块链向本处申请，对合同 %s 的电子数据办理保全证据公证，申请用途为%s。本处于%s受理该申请（受理记录见日志序号 %d）。",
		cs.Applicant, zhTime(cs.Opened.Time), cs.ContractID, purposeZh(cs.Purpose), zhTime(cs.Accepted.Time), cs.Accepted.LogIndex)
}

// summaryPara is the 意见书's 检案摘要.
func summaryPara(cs *CaseFacts) string {
	return fmt.Sprintf("委托人（机构标识 %s）于%s委托本机构对合同 %s 的电子数据进行鉴定（委托记录见日志序号 %d），本机构于%s受理（日志序号 %d）。鉴定依据的电子数据为上述证据包及其所引用的区块链记录、检查点。",
		cs.Applicant, zhTime(cs.Opened.Time), cs.ContractID, cs.Opened.LogIndex, zhTime(cs.Accepted.Time), cs.Accepted.LogIndex)
}

// notarialStatementText is the 公证书's "兹证明" paragraph: only what the
// bundle proves.
func notarialStatementText(d *DocFacts, ct *ContractFacts) string {
	ev := d.Evidence
	var b strings.Builder
	fmt.Fprintf(&b, "兹证明：本公证书所附证据包（bundle.json，SM3 哈希值见下）所载 %d 条区块链记录，经本处依创世文件离线核验，均包含于链标识为 %s 的区块链日志中，该日志由验证节点于状态高度 %d 签署的检查点所确认；各记录的内容、区块高度与区块时间与链上记录一致，未被篡改。",
		len(ev.Timeline), ev.ChainID, ev.Checkpoint.Height)
	if ct != nil {
		fmt.Fprintf(&b, "合同 %s 的文件 SM3 哈希值如下所示；", ct.ID)
		if ct.Status == StatusCompleted {
			fmt.Fprintf(&b, "全部 %d 名签署方均已签署，合同完成记录见日志序号 %d。", len(ct.Parties), *ct.CompletedIndex)
		} else {
			b.WriteString("证据包中无该合同的完成记录，本公证书不证明合同已完成签署。")
		}
	}
	if sp := d.SignedPDF; sp != nil {
		if sp.SignedRecord != nil {
			fmt.Fprintf(&b, "本处核验的已签署合同 PDF（附件 signed.pdf） 的 SM3 哈希值与日志序号 %d 的签署记录一致。", *sp.SignedRecord)
		} else {
			b.WriteString("本处核验的已签署合同 PDF（附件 signed.pdf） 的哈希值与证据包中的签署记录均不一致。")
		}
	}
	b.WriteString("本公证书仅证明上述电子数据的存在及其与区块链记录的一致性，不证明合同内容的真实性与合法性。")
	return b.String()
}

func sigTimeLine(s SignatureFacts) string {
	t := "无 none"
	if s.Time != nil {
		t = fmtCST(*s.Time) + " | " + fmtUTC(*s.Time)
	}
	return t + "（" + timeSourceZh(s.TimeSource) + "）"
}

func validatorsLine(ev *Facts) string {
	return fmt.Sprintf("%d 个验证节点签署 signed by %d validators", len(ev.Validators), len(ev.Validators))
}

func rowHeadLine(r RowFacts) string { return fmt.Sprintf("#%d  %s", r.LogIndex, recordTitle(r.Type)) }

func preservedRecordLine(d *DocFacts) string {
	p := d.Preservation
	for _, r := range d.Evidence.Timeline {
		if r.LogIndex == p.LogIndex {
			return fmt.Sprintf("日志序号 %d 的%s", p.LogIndex, recordTitle(r.Type))
		}
	}
	return fmt.Sprintf("日志序号 %d", p.LogIndex)
}

// signatureLines are what signatureRows prints of each signature.
func signatureLines(sp *SignedPDFFacts) []string {
	out := []string{indicationZh(sp.Indication)}
	for _, s := range sp.Signatures {
		out = append(out, s.Signer, s.CertIssuer, sigTimeLine(s), modificationsZh(s.Modifications, s.Revision, s.Revisions), chainZh(s))
	}
	return out
}

// evidenceFactLines are what evidenceFacts prints beyond printedDocFacts'
// own list: the signed PDF's lines, the parties' certificates, the record
// heads and the checkpoint.
func evidenceFactLines(d *DocFacts, records bool) []string {
	ev := d.Evidence
	var out []string
	if sp := d.SignedPDF; sp != nil {
		out = append(out, fmt.Sprintf("%d 字节 bytes", sp.Size), indicationZh(sp.Indication))
		if sp.SignedRecord != nil {
			out = append(out, signedRecordLine(*sp.SignedRecord))
		}
	}
	for _, p := range ev.Parties {
		if p.InBundle {
			out = append(out, p.Subject, p.Serial)
		}
	}
	if records {
		for _, r := range ev.Timeline {
			out = append(out, rowHeadLine(r))
		}
	}
	return append(out, fmtCST(ev.Checkpoint.HeaderTime)+" | "+fmtUTC(ev.Checkpoint.HeaderTime), ev.Checkpoint.LogRoot, validatorsLine(ev))
}
