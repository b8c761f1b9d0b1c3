package report

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The layouts of the issued documents (docs.go). Each prints its facts
// (DocFacts) with the lines printedDocFacts lists drawn whole, so that
// VerifyDocument finds them in the page text.

func (l *layout) doc() *DocFacts { return l.extra.(*DocFacts) }

func (l *layout) buildDoc() {
	switch l.doc().Kind {
	case KindNotarial:
		l.buildNotarial()
	case KindAppraisal:
		l.buildAppraisal()
	case KindPreservation:
		l.buildPreservation()
	case KindSignature:
		l.buildSignature()
	}
	l.frame()
}

// docTitle draws a document's centred title, its English title, the
// double rule and the number, right-aligned, under it.
func (l *layout) docTitle(zh, en, numberLine string) {
	c := l.c
	c.text((pageW-c.width(zh, bold, 24))/2, c.y-24, zh, bold, 24, black)
	c.y -= 36
	c.text((pageW-c.width(en, regular, 11.5))/2, c.y-11.5, en, regular, 11.5, gray)
	c.y -= 20
	c.line(marginL, c.y, pageW-marginR, c.y, 1.2, black)
	c.line(marginL, c.y-2.5, pageW-marginR, c.y-2.5, 0.4, black)
	c.y -= 8
	size := 10.5
	for size > 6 && c.width(numberLine, regular, size) > contentW {
		size -= 0.25
	}
	c.text(pageW-marginR-c.width(numberLine, regular, size), c.y-size, numberLine, regular, size, black)
	c.y -= size + 10
}

// zhDate is a date in UTC+8 as Chinese documents write it.
func zhDate(t time.Time) string { return t.In(cst).Format("2006年1月2日") }

// zhTime is a block time for running text: UTC+8, to the second.
func zhTime(t time.Time) string {
	return t.In(cst).Format("2006年1月2日 15:04:05") + "（北京时间）"
}

func orgLine(id, name string) string { return name + "（机构标识 org id: " + id + "）" }

// contractOf is the case's contract, or the first in the bundle.
func (l *layout) contractOf() *ContractFacts {
	d := l.doc()
	for i := range d.Evidence.Contracts {
		if d.Case == nil || d.Evidence.Contracts[i].ID == d.Case.ContractID {
			return &d.Evidence.Contracts[i]
		}
	}
	return nil
}

// partyFacts finds a party by fingerprint.
func (l *layout) partyFacts(fp string) *PartyFacts {
	for i := range l.doc().Evidence.Parties {
		if l.doc().Evidence.Parties[i].Fingerprint == fp {
			return &l.doc().Evidence.Parties[i]
		}
	}
	return nil
}

func (l *layout) buildNotarial() {
	d, c := l.doc(), l.c
	cs := d.Case
	l.docTitle("公  证  书", "Notarial Certificate (Preservation of Electronic Data)", d.Number)

	l.kv("申请人 Applicant", applicantLine(cs.Applicant), regular)
	if cs.Party != "" {
		l.kv("申请所涉签署方 Party named", partyLine(d), regular)
	}
	l.kv("公证机构 Notary office", orgLine(d.Issuer.ID, d.Issuer.Name), regular)
	l.kv("公证员 Notary", notaryLine(d.Notary), regular)
	l.kv("公证员证书指纹 Notary cert (SM3)", d.Notary.Fingerprint, mono)
	l.kv("公证事项 Matter", "电子数据保全证据 Preservation of electronic data", regular)
	l.kv("申请编号 Application ID", cs.ID, mono)
	l.kv("申请用途 Purpose", purposeZh(cs.Purpose), regular)
	l.kv("申请时间 Applied", stepLine(cs.Opened), regular)
	l.kv("受理时间 Accepted", stepLine(cs.Accepted), regular)
	c.y -= 4

	ct := l.contractOf()
	l.heading("一、申请事项 Application")
	l.para(applicationPara(cs), regular, bodySize, black)
	l.para(fmt.Sprintf("The applicant applied on chain for the preservation of the electronic data of contract %s; this office accepted the application at log index %d.", cs.ContractID, cs.Accepted.LogIndex), regular, 7.8, gray)

	l.heading("二、审查范围 What was examined")
	for _, s := range scopeLines(cs) {
		l.para(s, regular, bodySize, black)
	}

	l.heading("三、查明的事实 Facts found")
	l.evidenceFacts(ct, true)

	l.heading("四、公证证明 Certification")
	l.notarialStatement(ct)
	l.issuerSeal("公证机构（盖章）Notary office (seal)：", d.Issuer.Name, "公证员 Notary："+d.Notary.Subject)

	l.heading("附：核验码与附件 Verification code and attachments")
	l.qrBlock()
	l.para("本公证书以公证机构的数字证书签名；公证书文本或附件的任何改动均会使签名失效。本公证书的出具已记录于区块链（公证书出具记录，以本文件 SM3 哈希值检索）。This certificate is signed with the notary office's certificate; its issuance is recorded on chain by the file's SM3.", regular, 7.8, gray)
}

func purposeZh(p string) string {
	switch p {
	case "litigation":
		return "诉讼"
	case "arbitration":
		return "仲裁"
	case "preservation":
		return "证据保全"
	}
	return "其他"
}

// notarialStatement is the certificate's "兹证明" paragraph: only what the
// bundle proves.
func (l *layout) notarialStatement(ct *ContractFacts) {
	d := l.doc()
	ev := d.Evidence
	l.para(notarialStatementText(d, ct), regular, 9.6, black)
	l.kv("证据包 SM3 Bundle SM3", ev.BundleSM3, mono)
	if ct != nil {
		l.kv("合同文件 SM3 Document SM3", ct.DocSM3, mono)
	}
	l.para("This office certifies that the records in the attached bundle are in the chain's log under a checkpoint its validators signed, as verified offline against the genesis file, and unaltered. It certifies neither the truth nor the legality of the contract's content.", regular, 7.8, gray)
}

// evidenceFacts prints the contract, its parties by certificate, its
// records (with height and block time) and the checkpoint.
func (l *layout) evidenceFacts(ct *ContractFacts, records bool) {
	d, c := l.doc(), l.c
	ev := d.Evidence
	n := 0
	sub := func(s string) {
		l.subheading("（" + zhNumerals[n] + "）" + s)
		n++
	}
	if ct != nil {
		sub("合同 The contract")
		l.kv("合同编号 Contract ID", ct.ID, mono)
		l.kv("文件 SM3 Document SM3", ct.DocSM3, mono)
		l.kv("文件 SHA-256 Document SHA-256", ct.DocSHA256, mono)
		if ct.Status == StatusCompleted {
			l.kv("合同状态 Status", statusLine(ct), regular)
		} else {
			l.kvColor("合同状态 Status", statusLine(ct), red)
		}
	}
	if sp := d.SignedPDF; sp != nil {
		sub("已签署的合同文件 The signed PDF")
		l.kv("文件 SM3 Signed PDF SM3", sp.SM3, mono)
		l.kv("文件 SHA-256 Signed PDF SHA-256", sp.SHA256, mono)
		l.kv("文件大小 Size", fmt.Sprintf("%d 字节 bytes", sp.Size), regular)
		if sp.SignedRecord != nil {
			l.kv("链上签署记录 Signing record", signedRecordLine(*sp.SignedRecord), regular)
		} else {
			l.kvColor("链上签署记录 Signing record", "证据包中无哈希值相同的签署记录 no signing record with this hash", red)
		}
		l.kv("签名验证 Signatures", indicationZh(sp.Indication)+"（详见附件 see "+VerificationAttachment+"）", regular)
	}
	c.ensure(7 * lineH) // the heading, its note and the first party together
	sub("签署方 Parties (by certificate)")
	l.para("证书主体为假名标识，链上不含个人身份信息。Certificate subjects are pseudonymous; the chain holds no personal data.", regular, 7.8, gray)
	for i, p := range ev.Parties {
		c.ensure(4 * lineH)
		c.text(marginL, c.y-bodySize, fmt.Sprintf("签署方 %d Party %d", i+1, i+1), bold, bodySize, navy)
		c.y -= lineH
		l.kvIndent("证书指纹 Fingerprint", p.Fingerprint, mono, 12)
		if p.InBundle {
			l.kvIndent("证书主体 Subject", p.Subject, regular, 12)
			l.kvIndent("证书序列号 Serial", p.Serial, mono, 12)
		}
	}
	if records {
		sub("区块链记录 Records")
		for _, r := range ev.Timeline {
			l.recordRow(r)
		}
	}
	sub("区块链检查点 Checkpoint")
	c.ensure(lineH)
	c.text(marginL, c.y-bodySize, cpLine(ev.Checkpoint), regular, bodySize, black)
	c.y -= lineH
	l.kv("区块时间 Header time", fmtCST(ev.Checkpoint.HeaderTime)+" | "+fmtUTC(ev.Checkpoint.HeaderTime), regular)
	l.kv("应用哈希 App hash", ev.Checkpoint.AppHash, mono)
	l.kv("日志根 Log root (SM3)", ev.Checkpoint.LogRoot, mono)
	l.kv("验证节点 Validators", validatorsLine(ev), regular)
}

var zhNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

func signedRecordLine(i uint64) string {
	return fmt.Sprintf("与日志序号 %d 的签署记录所载哈希值一致 matches the signing record at log index %d", i, i)
}

// recordRow is one record: its type, position, block time and hash.
func (l *layout) recordRow(r RowFacts) {
	c := l.c
	c.ensure(4*lineH + 4)
	c.line(marginL, c.y, pageW-marginR, c.y, 0.4, color{0.8, 0.8, 0.8})
	c.y -= 2
	c.text(marginL, c.y-bodySize-1, rowHeadLine(r), bold, bodySize, navy)
	c.y -= lineH
	c.text(marginL+12, c.y-bodySize, rowPosLine(r), regular, bodySize, black)
	c.y -= lineH
	c.text(marginL+12, c.y-bodySize, rowTimeLine(r), regular, bodySize, black)
	c.y -= lineH
	l.kvIndent("记录哈希 Record hash", r.TxHash, mono, 12)
	c.y -= 1
}

func (l *layout) subheading(s string) {
	c := l.c
	c.ensure(lineH + 3*lineH)
	c.y -= 3
	c.text(marginL, c.y-10, s, bold, 10, black)
	c.y -= lineH + 3
}

func indicationZh(ind string) string {
	switch ind {
	case "TOTAL_PASSED":
		return "全部签名验证通过 TOTAL_PASSED"
	case "TOTAL_FAILED":
		return "签名验证未通过 TOTAL_FAILED"
	case "INDETERMINATE":
		return "签名验证结果不确定 INDETERMINATE"
	}
	return ind
}

// issuerSeal draws the issuer's block (label, name, date, and an extra
// line) beside the square reserved for the seal.
func (l *layout) issuerSeal(label, name, extra string) {
	lines := []sealLine{{label, bold}, {name, regular}}
	if extra != "" {
		lines = append(lines, sealLine{extra, regular})
	}
	lines = append(lines, sealLine{zhDate(l.doc().IssuedAt), regular})
	l.sealBlock(lines)
}

// qrSealRow draws the QR code at the left and the issuer's block with the
// seal at the right of one row, then the verification URL: the one-page
// documents' foot.
func (l *layout) qrSealRow() {
	c := l.c
	const qrSize = 84.0
	c.ensure(qrSize + 48)
	top := c.y - 10
	c.image("QR", marginL, top-qrSize, qrSize, qrSize)
	cap := "扫码核验 Scan to verify"
	c.text(marginL+(qrSize-c.width(cap, regular, 7))/2, top-qrSize-9, cap, regular, 7, gray)
	l.sealBlockFrom([]sealLine{{issuerLabel, bold}, {l.doc().Issuer.Name, regular}, {zhDate(l.doc().IssuedAt), regular}}, marginL+qrSize+14)
	c.y = min(c.y, top-qrSize-14) - 2
	size := 7.6
	for size > 4 && c.width(l.qrURL, mono, size) > contentW {
		size -= 0.1
	}
	c.text(marginL, c.y-size, l.qrURL, mono, size, navy)
	c.y -= size + 5
	files := BundleAttachment + "、" + FactsAttachment
	if l.doc().SignedPDF != nil {
		files += "、" + SignedPDFAttachment + "、" + VerificationAttachment
	}
	l.para("本 PDF 内嵌附件 Embedded files: "+files+"。本文件以出具机构的数字证书签名，其出具已记录于区块链。Signed with the issuer's certificate; its issuance is recorded on chain.", regular, 7.4, gray)
}

// qrBlock draws the QR code with the verification URL and the bundle's SM3.
func (l *layout) qrBlock() {
	c := l.c
	const qrSize = 84.0
	c.ensure(qrSize + 24)
	top := c.y
	c.image("QR", marginL, top-qrSize, qrSize, qrSize)
	x := marginL + qrSize + 14
	w := contentW - qrSize - 14
	c.y -= 2
	c.text(x, c.y-bodySize, "扫码或访问下方地址核验 Scan the code or open the URL below to verify", bold, bodySize, black)
	c.y -= lineH + 2
	c.text(x, c.y-bodySize, "证据包 SM3 Bundle SM3:", regular, bodySize, black)
	c.y -= lineH - 2
	c.text(x, c.y-monoSize, l.f.BundleSM3, mono, 7.6, black)
	c.y -= lineH + 2
	files := BundleAttachment + "、" + FactsAttachment
	if l.doc().SignedPDF != nil {
		files += "、" + SignedPDFAttachment + "、" + VerificationAttachment
	}
	for _, ln := range c.wrap("本 PDF 内嵌附件 Embedded files: "+files+"。", regular, 7.8, w) {
		c.text(x, c.y-7.8, ln, regular, 7.8, gray)
		c.y -= 10.5
	}
	c.y = min(c.y, top-qrSize) - 4
	size := 7.6
	for size > 4 && c.width(l.qrURL, mono, size) > contentW {
		size -= 0.1
	}
	c.text(marginL, c.y-size, l.qrURL, mono, size, navy)
	c.y -= size + 8
}

func (l *layout) buildAppraisal() {
	d, c := l.doc(), l.c
	cs := d.Case
	l.docTitle("司法鉴定意见书", "Judicial Appraisal Opinion (Electronic Data)", d.Number)

	l.heading("一、基本情况 Particulars")
	l.kv("委托人 Commissioned by", applicantLine(cs.Applicant), regular)
	l.kv("委托法官证书 Judge cert (SM3)", cs.Judge, mono)
	l.kv("委托编号 Commission ID", cs.ID, mono)
	l.kv("鉴定机构 Institution", orgLine(d.Issuer.ID, d.Issuer.Name), regular)
	l.kv("委托鉴定事项 Matters", itemsLine(cs), regular)
	l.kv("委托事项摘要 Matters (SM3)", cs.MattersSM3, mono)
	l.kv("受理时间 Accepted", stepLine(cs.Accepted), regular)
	l.kv("鉴定材料 Materials", "证据包 bundle.json（SM3 见下）"+map[bool]string{true: "；已签署的合同 PDF（SM3 见下）", false: ""}[d.SignedPDF != nil], regular)
	if ct := l.contractOf(); ct != nil {
		l.kv("合同文件 SM3 Document SM3", ct.DocSM3, mono)
		l.kv("合同文件 SHA-256 Document SHA-256", ct.DocSHA256, mono)
	}
	l.kv("证据包 SM3 Bundle SM3", d.Evidence.BundleSM3, mono)
	if d.SignedPDF != nil {
		l.kv("合同 PDF SM3 Signed PDF SM3", d.SignedPDF.SM3, mono)
		l.kv("合同 PDF SHA-256 Signed PDF SHA-256", d.SignedPDF.SHA256, mono)
	}
	l.kv("出具日期 Issued", zhDate(d.IssuedAt), regular)

	l.heading("二、检案摘要 Summary")
	l.para(summaryPara(cs), regular, bodySize, black)

	l.heading("三、检验过程 Examination")
	l.para("检验方法：以创世文件为唯一信任根，离线验证证据包中每条记录的默克尔包含证明、检查点区块头的验证节点签名、记录的机构与签署人签名、证书签发与状态、意愿认证与签署顺序；以 signer/pdf 按 ETSI TS 119 102-1 的结论分类验证 PDF 电子签名。Methods: offline verification against the genesis file only; PDF signatures validated per ETSI TS 119 102-1 indications.", regular, 8.4, black)
	n := 0
	for _, g := range appraisalGroups {
		if !slices.Contains(cs.Items, g.item) {
			continue
		}
		checks := itemChecks(d, g.item)
		if len(checks) == 0 {
			continue
		}
		l.subheading("（" + zhNumerals[n] + "）" + g.title)
		n++
		for _, ch := range checks {
			l.checkFactLine(ch)
		}
		if g.item == "time" {
			l.timeFacts()
		}
	}
	if sp := d.SignedPDF; sp != nil && slices.Contains(cs.Items, "pdf_signature") {
		l.subheading("（" + zhNumerals[n] + "）PDF 电子签名 PDF signatures")
		l.signatureRows(sp)
	}

	l.heading("四、分析说明 Analysis")
	notes := d.Notes
	if notes == "" {
		notes = "（鉴定人未另作说明。No notes.）"
	}
	l.para(notes, regular, bodySize, black)
	l.para(countLine(d)+"Automated checks passed / total: "+fmt.Sprint(passedChecks(d), " / ", len(d.Checks))+".", regular, 8.4, gray)

	l.heading("五、鉴定意见 Opinion")
	c.ensure(lineH)
	c.text(marginL, c.y-10, conclusionLine(d.Conclusion), bold, 10, conclusionColor(d.Conclusion))
	c.y -= lineH + 4
	l.para(conclusionZh(d.Conclusion, cs.ContractID), regular, 9.6, black)

	c.ensure(26 + 2*lineH + 4*lineH) // the heading with its first examiner
	l.heading("六、司法鉴定人 Examiners")
	for i, e := range d.Examiners {
		c.ensure(4 * lineH)
		c.text(marginL, c.y-bodySize, examinerLine(i, e), bold, bodySize, navy)
		c.y -= lineH
		l.kvIndent("证书序列号 Serial", e.Serial, mono, 12)
		l.kvIndent("证书指纹 Fingerprint", e.Fingerprint, mono, 12)
	}
	l.issuerSeal("鉴定机构（司法鉴定专用章）Institution (seal)：", d.Issuer.Name, "")

	l.heading("七、附件 Attachments")
	l.qrBlock()
	l.para("本意见书以鉴定机构的数字证书签名，其出具已记录于区块链（鉴定意见书出具记录）。This opinion is signed with the institution's certificate; its issuance is recorded on chain.", regular, 7.8, gray)
}

// checkItem groups a bundle check under an appraisal item.
func checkItem(name string) string {
	switch {
	case strings.HasSuffix(name, ".signatures") || name == "verifier" || name == "genesis":
		return "certificates"
	case strings.HasSuffix(name, ".intent") || strings.HasSuffix(name, ".verifier"):
		return "intent"
	case strings.HasSuffix(name, ".open") || strings.HasSuffix(name, ".contract"):
		return "time"
	}
	return "bundle"
}

// timeFacts lists the signing records' block times.
func (l *layout) timeFacts() {
	for _, r := range l.doc().Evidence.Timeline {
		if r.Type == "contract_signed" || r.Type == "contract_completed" || r.Type == "contract_created" {
			l.recordRow(r)
		}
	}
}

// conclusionLine is the opinion's conclusion on one line, a printed fact.
func conclusionLine(c string) string {
	switch c {
	case "intact":
		return "鉴定意见 Opinion：送检电子数据完整，未被篡改 INTACT"
	case "altered":
		return "鉴定意见 Opinion：送检电子数据被篡改或不完整 ALTERED"
	}
	return "鉴定意见 Opinion：无法判断送检电子数据是否完整 UNDETERMINED"
}

func conclusionColor(c string) color {
	switch c {
	case "intact":
		return green
	case "altered":
		return red
	}
	return black
}

func conclusionZh(c, contract string) string {
	switch c {
	case "intact":
		return fmt.Sprintf("送检的合同 %s 的电子数据（证据包所载区块链记录）完整，与区块链记录一致，未发现被篡改的情形。The electronic data of contract %s is complete and unaltered.", contract, contract)
	case "altered":
		return fmt.Sprintf("送检的合同 %s 的电子数据与区块链记录不一致或未通过验证，存在被篡改或不完整的情形。The electronic data of contract %s was altered or does not verify.", contract, contract)
	}
	return fmt.Sprintf("依现有鉴定材料，无法判断送检的合同 %s 的电子数据是否完整。The examination could not determine whether the data of contract %s is intact.", contract, contract)
}

// signatureRows prints each signature of the signed PDF.
func (l *layout) signatureRows(sp *SignedPDFFacts) {
	c := l.c
	l.kv("总体结论 Indication", indicationZh(sp.Indication), regular)
	for _, s := range sp.Signatures {
		c.ensure(7 * lineH)
		c.line(marginL, c.y, pageW-marginR, c.y, 0.4, color{0.8, 0.8, 0.8})
		c.y -= 2
		col := green
		if s.Indication != "TOTAL_PASSED" {
			col = red
		}
		c.text(marginL, c.y-bodySize-1, sigHeadLine(s), bold, bodySize, col)
		c.y -= lineH
		l.kvIndent("签名人 Signer", s.Signer, regular, 12)
		l.kvIndent("证书指纹 Fingerprint", s.Fingerprint, mono, 12)
		l.kvIndent("签发机构 Issuer", s.CertIssuer, regular, 12)
		l.kvIndent("签名时间 Signing time", sigTimeLine(s), regular, 12)
		l.kvIndent("完整性 Integrity", modificationsZh(s.Modifications, s.Revision, s.Revisions), regular, 12)
		l.kvIndent("证书链 Certificate chain", chainZh(s), regular, 12)
	}
}

// sigHeadLine is a signature's first line, a printed fact.
func sigHeadLine(s SignatureFacts) string {
	ind := s.Indication
	if s.SubIndication != "" {
		ind += "/" + s.SubIndication
	}
	return fmt.Sprintf("签名 %d Signature %d：%s", s.Index+1, s.Index+1, ind)
}

func timeSourceZh(s string) string {
	switch s {
	case "caller":
		return "区块时间，链上签署记录 block time of the signing record"
	case "cms_signing_time_claimed":
		return "签名人声称的时间 claimed by the signer (CMS)"
	case "pdf_m_claimed":
		return "签名人声称的时间 claimed by the signer (/M)"
	}
	return "无 none"
}

func modificationsZh(m string, rev, revs int) string {
	s := fmt.Sprintf("签名覆盖第 %d 版，共 %d 版 revision %d of %d；", rev, revs, rev, revs)
	switch m {
	case "none":
		return s + "签名后文件未被修改 not modified after signing"
	case "later_signatures_only":
		return s + "其后仅追加了签名 only signatures added later"
	case "other":
		return s + "签名后文件被修改 MODIFIED after signing"
	}
	return s + "其后的修改无法解析 later changes unreadable"
}

func chainZh(s SignatureFacts) string {
	switch s.SubIndication {
	case "NO_CERTIFICATE_CHAIN_FOUND", "NO_SIGNING_CERTIFICATE_FOUND":
		return "证书不是由创世文件中的机构 CA 签发 not issued by a genesis organisation CA"
	case "CHAIN_CONSTRAINTS_FAILURE":
		return "证书用途不符 certificate constraints not met"
	case "REVOKED", "REVOKED_NO_POE":
		return "证书已吊销 certificate revoked"
	case "EXPIRED", "NOT_YET_VALID", "OUT_OF_BOUNDS_NO_POE":
		return "签名时证书不在有效期内 certificate not valid at the signing time"
	}
	if s.Indication == "TOTAL_PASSED" {
		return "由创世文件中的机构 CA 签发，签名时有效 issued by a genesis organisation CA, valid at the signing time"
	}
	return "见附件 see " + VerificationAttachment
}

func (l *layout) buildPreservation() {
	d, c := l.doc(), l.c
	p := d.Preservation
	ct := l.contractOf()
	l.docTitle("区块链存证证明", "Blockchain Preservation Certificate", "存证编号 Preservation No.: "+p.No)
	l.para(preservedLine(d)+"This certifies that the electronic data below is preserved on chain "+d.Evidence.ChainID+".", regular, bodySize, black)
	c.y -= 2
	l.kv("合同编号 Contract ID", ct.ID, mono)
	l.kv("文件 SM3 Document SM3", ct.DocSM3, mono)
	l.kv("文件 SHA-256 Document SHA-256", ct.DocSHA256, mono)
	l.kv("合同状态 Status", preservationStatus(ct), regular)
	l.kv("存证记录 Record", preservedRecordLine(d), regular)
	c.ensure(2 * lineH)
	c.text(marginL, c.y-bodySize, rowPosLine(l.rowAt(p.LogIndex)), regular, bodySize, black)
	c.y -= lineH
	c.text(marginL, c.y-bodySize, rowTimeLine(l.rowAt(p.LogIndex)), regular, bodySize, black)
	c.y -= lineH
	l.kv("记录叶哈希 Leaf SM3", p.LeafSM3, mono)
	l.kv("证据包 SM3 Bundle SM3", d.Evidence.BundleSM3, mono)
	c.ensure(lineH)
	c.text(marginL, c.y-bodySize, cpLine(d.Evidence.Checkpoint), regular, bodySize, black)
	c.y -= lineH
	l.kv("应用哈希 App hash", d.Evidence.Checkpoint.AppHash, mono)
	l.kv("出具机构 Issued by", orgLine(d.Issuer.ID, d.Issuer.Name), regular)
	l.kv("出具时间 Issued at", issuedAtLine(d), regular)
	l.para("存证编号由链上数据导出（链标识、记录的区块日期、高度、日志序号与叶哈希，末位为 ISO/IEC 7064 MOD 37,36 校验码），任何持有证据包者均可复算。The number is derived from chain data and can be recomputed from the bundle.", regular, 7.6, gray)
	l.qrSealRow()
}

// rowAt is the timeline row at log index i.
func (l *layout) rowAt(i uint64) RowFacts {
	for _, r := range l.doc().Evidence.Timeline {
		if r.LogIndex == i {
			return r
		}
	}
	return RowFacts{}
}

func (l *layout) buildSignature() {
	d := l.doc()
	sp := d.SignedPDF
	l.docTitle("电子签名验证报告", "Electronic Signature Verification Report", "报告编号 Report No.: "+d.Number)
	l.kv("出具机构 Issued by", orgLine(d.Issuer.ID, d.Issuer.Name), regular)
	l.kv("出具时间 Issued at", issuedAtLine(d), regular)
	l.kv("验证依据 Basis", "ETSI TS 119 102-1 结论分类；信任根为创世文件中的机构 CA。ETSI TS 119 102-1 indications; trusted roots: the genesis organisations' CAs.", regular)

	l.heading("一、被验证文件 Document")
	l.kv("文件 SM3 SM3", sp.SM3, mono)
	l.kv("文件 SHA-256 SHA-256", sp.SHA256, mono)
	l.kv("文件大小 Size", fmt.Sprintf("%d 字节 bytes", sp.Size), regular)
	if ct := l.contractOf(); ct != nil {
		l.kv("所属合同 Contract", ct.ID, mono)
	}
	if sp.SignedRecord != nil {
		l.kv("链上签署记录 Signing record", signedRecordLine(*sp.SignedRecord), regular)
	} else {
		l.kvColor("链上签署记录 Signing record", "证据包中无哈希值相同的签署记录 no signing record with this hash", red)
	}

	l.heading("二、验证结果 Result")
	l.signatureRows(sp)
	l.para("签名时间取自链上签署记录的区块时间（共识时间）时为权威时间；否则为签名人声称的时间。A signing time from the signing record's block is authoritative; otherwise it is the signer's claim.", regular, 7.6, gray)

	l.heading("三、证据包 Evidence bundle")
	l.kv("证据包 SM3 Bundle SM3", d.Evidence.BundleSM3, mono)
	l.kv("链标识 Chain ID", d.Evidence.ChainID, mono)
	l.kv("离线验证 Offline checks", offlineLine(d), regular)

	l.qrSealRow()
}
