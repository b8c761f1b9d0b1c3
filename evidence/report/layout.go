package report

import (
	"fmt"
	"strings"

	"github.com/sealchain/sealchain/evidence"
)

// layout draws the report's pages.
type layout struct {
	c *canvas
	f *Facts
	// res is the bundle's verification as Make recomputed it under
	// Options.Trust, never the caller's (Make has why).
	res         *evidence.Result
	opts        Options
	qrURL       string
	bundleLen   int
	sealPage    int        // 1-based page of the signature widget
	sealRect    [4]float64 // x, y, w, h
	header      string     // running header, "中文 English"
	number      string     // the document number
	numberLabel string
	extra       any // a document's own input (docs.go)
	contract    *contractPages
}

const (
	labelW   = 150.0
	bodySize = 9.0
	lineH    = 13.0
	monoSize = 8.2
)

// methodName is an intent or identity method's printed name, "中文 English",
// from the table the verification page shares (evidence.MethodLabel).
func methodName(m string) string { return evidence.MethodLabel(m).Both() }

func orDefault(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

func (l *layout) build() {
	c := l.c
	l.title()
	for _, ct := range l.f.Contracts {
		l.statusBanner(ct)
	}
	if len(l.f.Contracts) == 0 {
		l.banner("本证据包不含合同记录 NO CONTRACT IN THIS BUNDLE", "证据包所涉对象见上文“查询对象”。See the subject above.", gray)
	}
	if !l.res.OK {
		l.banner("验证未通过 VERIFICATION FAILED", "离线验证有未通过的检查项，详见第五部分。Some offline checks failed; see section 5.", red)
	}

	l.heading("一、合同信息 Contract")
	for i, ct := range l.f.Contracts {
		if i > 0 {
			c.y -= 4
		}
		l.kv("合同编号 Contract ID", ct.ID, mono)
		l.kv("文件 SM3 Document SM3", ct.DocSM3, mono)
		l.kv("文件 SHA-256 Document SHA-256", ct.DocSHA256, mono)
		order := map[string]string{"sequential": "顺序签署 sequential", "parallel": "并行签署 parallel"}
		l.kv("签署顺序 Signing order", orDefault(order, ct.Order), regular)
		l.kv("签署方数量 Parties", fmt.Sprintf("%d", len(ct.Parties)), regular)
		if ct.Status == StatusCompleted {
			l.kv("合同状态 Status", fmt.Sprintf("已完成 completed（完成记录 completion record: log index %d）", *ct.CompletedIndex), regular)
		} else {
			l.kvColor("合同状态 Status", "尚未完成 still open（证据包中无合同完成记录 no completion record）", red)
		}
	}
	if len(l.f.Contracts) == 0 {
		l.para("本证据包不含合同记录。This bundle holds no contract record.", regular, bodySize, black)
	}
	if l.contract != nil {
		l.contractPagesBlock(l.contract)
	}

	l.heading("二、签署方 Parties")
	l.para("证书主体为假名标识，链上不含个人信息；显示姓名由出具机构在链下提供，不来自区块链。Certificate subjects are pseudonymous; display names are supplied off chain by the issuer, not read from the chain.", regular, 7.8, gray)
	c.y -= 2
	for i, p := range l.f.Parties {
		c.ensure(7 * lineH)
		head := fmt.Sprintf("签署方 %d Party %d", i+1, i+1)
		if name := l.opts.PartyNames[p.Fingerprint]; name != "" {
			head += "：" + name + "（显示姓名，平台链下提供 display name, off chain）"
		}
		c.text(marginL, c.y-bodySize, head, bold, bodySize+0.5, navy)
		c.y -= lineH + 1
		l.kv("证书指纹 Fingerprint (SM3)", p.Fingerprint, mono)
		if !p.InBundle {
			l.kvColor("证书 Certificate", "证据包中无该证书的签发记录 issuance record not in bundle", red)
			continue
		}
		l.kv("证书主体 Subject", p.Subject, regular)
		l.kv("证书序列号 Serial", p.Serial, mono)
		l.kv("签发者 Issuer", p.Issuer, regular)
		l.kv("有效期 Validity", fmtDay(p.NotBefore)+" 至 to "+fmtDay(p.NotAfter), regular)
		switch {
		case p.IdentityMethod != "":
			subj := map[string]string{"person": "自然人 person", "enterprise": "企业 enterprise"}[p.IdentitySubject]
			l.kv("实名核验 Identity", "已绑定实名核验 bound to a verified identity："+methodName(p.IdentityMethod)+"，"+subj, regular)
		case p.IdentityRef != "":
			l.kv("实名核验 Identity", "证书含身份承诺，证据包中无对应核验记录 identity commitment "+p.IdentityRef[:16]+"..., no verification record in bundle", regular)
		default:
			l.kv("实名核验 Identity", "证书未绑定实名核验记录 not bound to a verified identity", regular)
		}
		c.y -= 3
	}

	l.heading("三、存证记录时间线 Timeline")
	l.para(fmt.Sprintf("共 %d 条链上记录，按日志序号排列；时间为区块时间（共识时间），以北京时间（UTC+8）和 UTC 表示。%d records in log order; times are block (consensus) times.", len(l.f.Timeline), len(l.f.Timeline)), regular, 7.8, gray)
	for _, r := range l.f.Timeline {
		rows := 4
		if r.Actor != "" {
			rows++
		}
		if r.Intent != "" {
			rows++
		}
		if r.Batch != nil {
			rows += 3
		}
		c.ensure(float64(rows)*lineH + 8)
		c.line(marginL, c.y, pageW-marginR, c.y, 0.4, color{0.75, 0.75, 0.75})
		c.y -= 2
		c.text(marginL, c.y-bodySize-1, fmt.Sprintf("#%d  %s", r.LogIndex, recordTitle(r.Type)), bold, bodySize+0.5, navy)
		tw := c.width(r.Type, mono, monoSize)
		c.text(pageW-marginR-tw, c.y-bodySize-1, r.Type, mono, monoSize, gray)
		c.y -= lineH + 1
		c.text(marginL+12, c.y-bodySize, rowPosLine(r), regular, bodySize, black)
		c.y -= lineH
		c.text(marginL+12, c.y-bodySize, rowTimeLine(r), regular, bodySize, black)
		c.y -= lineH
		hashLabel := "交易哈希 Tx hash"
		if r.Batch != nil {
			hashLabel = "记录哈希 Record hash" // of its item: a batch's records share one tx
		}
		l.kvIndent(hashLabel, r.TxHash, mono, 12)
		if r.Actor != "" {
			v := r.Actor
			if name := l.opts.PartyNames[r.Actor]; name != "" {
				v += " " + name
			}
			l.kvIndent("操作人 Actor", v, mono, 12)
		}
		if r.Intent != "" {
			l.kvIndent("意愿认证 Intent method", methodName(r.Intent), regular, 12)
		}
		if b := r.Batch; b != nil {
			// One envelope signed the batch's root; the record's path leads
			// to it (evidence.BatchView.Label, set out over three lines).
			l.kvIndent("批次 Batch", fmt.Sprintf("第 %d 条，共 %d 条；信封由 %s 签署 record %d of %d, envelope by %s", b.Index+1, b.Size, b.Org, b.Index+1, b.Size, b.Org), regular, 12)
			l.kvIndent("批次根 Batch root", b.Root, mono, 12)
			l.kvIndent("信封凭证 Credential", b.Credential, mono, 12)
		}
		org := "提交机构 Org: " + r.Org
		if r.ContractID != "" {
			org += " | 合同 Contract: " + r.ContractID
		}
		l.kvIndent("", org, regular, 12)
		c.y -= 2
	}

	l.heading("四、区块链检查点 Checkpoint")
	cp := l.f.Checkpoint
	c.ensure(lineH)
	c.text(marginL, c.y-bodySize, cpLine(cp), regular, bodySize, black)
	c.y -= lineH
	l.kv("区块时间 Header time", fmtCST(cp.HeaderTime)+" | "+fmtUTC(cp.HeaderTime), regular)
	l.kv("应用哈希 App hash", cp.AppHash, mono)
	l.kv("日志根 Log root (SM3)", cp.LogRoot, mono)
	l.kv("状态根 State root", cp.StateRoot, mono)
	var total int64
	for _, v := range l.f.Validators {
		total += v.Power
	}
	c.y -= 2
	c.ensure(2 * lineH)
	c.text(marginL, c.y-bodySize, fmt.Sprintf("签署该检查点的验证节点集合 Validator set that committed the checkpoint（%d 个节点 validators，总投票权 total power %d）", len(l.f.Validators), total), bold, bodySize, black)
	c.y -= lineH + 2
	for _, v := range l.f.Validators {
		l.kvIndent("地址 Address", fmt.Sprintf("%s   投票权 power %d", v.Address, v.Power), mono, 12)
	}

	l.heading("五、验证结果 Verification")
	if l.res.OK {
		l.para(fmt.Sprintf("全部 %d 项检查通过 ALL %d CHECKS PASSED（仅信任创世文件中的验证节点与机构 CA，离线验证 verified offline against the genesis file only）", len(l.res.Checks), len(l.res.Checks)), bold, bodySize, green)
	} else {
		l.para(fmt.Sprintf("验证未通过 VERIFICATION FAILED：%s", strings.Join(l.res.Failed(), ", ")), bold, bodySize, red)
	}
	for _, ch := range l.res.Checks {
		l.checkLine(ch)
	}

	l.heading("六、在线核验与附件 Verification code and attachments")
	qrSize := 92.0
	c.ensure(qrSize + 8)
	top := c.y
	c.image("QR", marginL, top-qrSize, qrSize, qrSize)
	x := marginL + qrSize + 14
	tw2 := contentW - qrSize - 14
	c.y -= 2
	c.text(x, c.y-bodySize, "扫码或访问下方地址核验 Scan the code or open the URL below to verify", bold, bodySize, black)
	c.y -= lineH + 2
	c.text(x, c.y-bodySize, "证据包 SM3 Bundle SM3:", regular, bodySize, black)
	c.y -= lineH - 2
	c.text(x, c.y-monoSize, l.f.BundleSM3, mono, 7.6, black)
	c.y -= lineH + 2
	for _, ln := range c.wrap(fmt.Sprintf("本 PDF 内嵌附件 Embedded files: %s（证据包原文 the evidence bundle, %d bytes）与 %s（本报告所载事实 the printed facts, machine-readable）。", BundleAttachment, l.bundleLen, FactsAttachment), regular, 7.8, tw2) {
		c.text(x, c.y-7.8, ln, regular, 7.8, gray)
		c.y -= 10.5
	}
	c.y = min(c.y, top-qrSize) - 4
	// The URL on one line, set smaller until it fits, so it extracts whole.
	size := 7.6
	for size > 4 && c.width(l.qrURL, mono, size) > contentW {
		size -= 0.1
	}
	c.ensure(size + 4)
	c.text(marginL, c.y-size, l.qrURL, mono, size, navy)
	c.y -= size + 10

	l.heading("七、声明 Statement")
	l.para("1. 本报告依据区块链存证记录及其默克尔包含证明、检查点区块签名自动生成。证据包可仅凭创世文件离线验证，无需信任出具机构或任何单一节点。This report is generated from on-chain records, their Merkle inclusion proofs and the validators' signatures on the checkpoint; the embedded bundle can be verified offline with the genesis file alone.", regular, 8.2, black)
	l.para("2. 链上仅记录文件哈希、证书与意愿认证凭证，不含合同原文及个人身份信息。The chain holds hashes, certificates and attestations, never contract text or personal data.", regular, 8.2, black)
	l.para("3. 本报告由出具机构以其数字证书签名；报告内容或附件的任何改动均会使签名失效。The issuer signed this report with its certificate; any change to its text or attachments invalidates the signature.", regular, 8.2, black)
	l.issuerBlock()

	l.frame()
}

// recordTitle is a record type's printed name, "中文 English", from the
// table the verification page uses too (evidence.TypeLabelByName).
func recordTitle(typ string) string { return evidence.TypeLabelByName(typ).Both() }

// checkResultLine is a check's first line: its result and its name in
// both languages.
func checkResultLine(ch evidence.Check) (mark, title string) {
	mark = "通过 PASS"
	if !ch.OK {
		mark = "未通过 FAIL"
	}
	return mark, evidence.CheckLabel(ch.Name).Both()
}

// checkLine draws one check: the result and the bilingual name on the
// first line, then the check's id and the verifier's detail (the
// verifier's own words, in English) in gray beneath.
func (l *layout) checkLine(ch evidence.Check) {
	c := l.c
	const indent, size, detailSize = 52.0, 7.8, 7.0
	mark, title := checkResultLine(ch)
	col := green
	if !ch.OK {
		col = red
	}
	titles := c.wrap(title, regular, size, contentW-indent)
	details := c.wrap(ch.Name+"  "+ch.Detail, regular, detailSize, contentW-indent)
	c.ensure(float64(len(titles))*(size+2.5) + float64(len(details))*(detailSize+2.5) + 3)
	c.text(marginL, c.y-size, mark, bold, size, col)
	for _, ln := range titles {
		c.text(marginL+indent, c.y-size, ln, regular, size, black)
		c.y -= size + 2.5
	}
	for _, ln := range details {
		c.text(marginL+indent, c.y-detailSize, ln, regular, detailSize, gray)
		c.y -= detailSize + 2.5
	}
	c.y -= 3
}

// issuerBlock draws the issuer's label, name and date, right-aligned as a
// block, and reserves a square to their right for the seal (the visible
// signature) so that the seal covers none of the text.
func (l *layout) issuerBlock() {
	l.sealBlock([]sealLine{
		{issuerLabel, bold},
		{l.opts.IssuerOrg.Name + "（" + l.opts.IssuerOrg.ID + "）", regular},
		{l.opts.Now.In(cst).Format("2006年1月2日"), regular},
	})
}

// sealLine is a line of the issuer's block.
type sealLine struct {
	s  string
	st style
}

// sealBlock draws lines right-aligned as a block beside a square reserved
// for the seal (the visible signature), so that the seal covers none of
// them; a block too wide to sit beside it goes above it.
func (l *layout) sealBlock(lines []sealLine) { l.sealBlockFrom(lines, marginL) }

// sealBlockFrom is sealBlock with the text kept right of minX.
func (l *layout) sealBlockFrom(lines []sealLine, minX float64) {
	c := l.c
	const size, rowH, sealSize, gap = 10.0, 16.0, 100.0, 14.0
	textW := 0.0
	for _, ln := range lines {
		textW = max(textW, c.width(ln.s, ln.st, size))
	}
	textH := float64(len(lines)) * rowH
	c.ensure(sealSize + 20)
	c.y -= 10
	top := c.y
	sealX := pageW - marginR - sealSize
	x := sealX - gap - textW
	textTop := top - (sealSize-textH)/2
	above := x < minX
	if above {
		// A name too long to sit beside the seal: text above, seal under it.
		x, textTop = minX, top
		c.ensure(textH + sealSize + 20)
		top = c.y
		textTop = top
	}
	y := textTop
	for _, ln := range lines {
		c.text(x, y-size, ln.s, ln.st, size, black)
		y -= rowH
	}
	sealTop := top
	if above {
		sealTop = y - 4
	}
	l.sealPage = len(c.pages)
	l.sealRect = [4]float64{sealX, sealTop - sealSize, sealSize, sealSize}
	c.y = min(y, sealTop-sealSize) - 8
}

func (l *layout) title() {
	c := l.c
	t := "区块链存证证据报告"
	c.text((pageW-c.width(t, bold, 22))/2, c.y-22, t, bold, 22, black)
	c.y -= 34
	s := "Blockchain Evidence Report"
	c.text((pageW-c.width(s, regular, 12))/2, c.y-12, s, regular, 12, gray)
	c.y -= 22
	c.line(marginL, c.y, pageW-marginR, c.y, 1.2, black)
	c.line(marginL, c.y-2.5, pageW-marginR, c.y-2.5, 0.4, black)
	c.y -= 10
	l.kv("报告编号 Report No.", ReportNo(l.f.BundleSM3), mono)
	l.kv("出具机构 Issued by", l.opts.IssuerOrg.Name+"（机构标识 org id: "+l.opts.IssuerOrg.ID+"）", regular)
	l.kv("出具时间 Issued at", fmtCST(l.opts.Now)+" | "+fmtUTC(l.opts.Now), regular)
	l.kv("链标识 Chain ID", l.f.ChainID, mono)
	switch s := l.f.Subject; {
	case s.ContractID != "":
		l.kv("查询对象 Subject", "合同 contract "+s.ContractID, regular)
	case s.DocHash != "":
		l.kv("查询对象 Subject（文件哈希）", s.DocHash, mono)
	case s.Cert != "":
		l.kv("查询对象 Subject（证书）", s.Cert, mono)
	}
	l.kv("证据包 SM3 Bundle SM3", l.f.BundleSM3, mono)
	c.y -= 6
}

func (l *layout) statusBanner(ct ContractFacts) {
	if ct.Status == StatusOpen {
		l.banner(openBanner+"："+ct.ID, "本报告不证明合同已完成或已生效：证据包中没有该合同的完成记录。This report does NOT prove that the contract was completed: the bundle holds no completion record.", red)
		return
	}
	l.banner(completedBanner+"："+ct.ID, fmt.Sprintf("全部签署方均已签署，合同完成记录见日志序号 %d。All parties signed; the completion is recorded at log index %d.", *ct.CompletedIndex, *ct.CompletedIndex), green)
}

func (l *layout) banner(head, body string, col color) {
	c := l.c
	lines := c.wrap(body, regular, 8.2, contentW-20)
	h := 24 + float64(len(lines))*11
	c.ensure(h + 6)
	fill := color{1, 0.96, 0.96}
	if col == green {
		fill = color{0.95, 0.99, 0.95}
	} else if col == gray {
		fill = color{0.96, 0.96, 0.96}
	}
	c.rect(marginL, c.y-h, contentW, h, &fill, &col, 1.6)
	c.text(marginL+10, c.y-17, head, bold, 12, col)
	y := c.y - 30
	for _, ln := range lines {
		c.text(marginL+10, y, ln, regular, 8.2, black)
		y -= 11
	}
	c.y -= h + 8
}

func (l *layout) heading(s string) {
	c := l.c
	c.ensure(26 + 2*lineH)
	c.y -= 6
	bg := color{0.90, 0.92, 0.95}
	c.rect(marginL, c.y-18, contentW, 18, &bg, nil, 0)
	c.rect(marginL, c.y-18, 3, 18, &navy, nil, 0)
	c.text(marginL+9, c.y-13, s, bold, 11, navy)
	c.y -= 26
}

func (l *layout) kv(label, value string, st style) { l.kvFull(label, value, st, 0, black) }

func (l *layout) kvColor(label, value string, col color) { l.kvFull(label, value, regular, 0, col) }

func (l *layout) kvIndent(label, value string, st style, indent float64) {
	l.kvFull(label, value, st, indent, black)
}

// kvFull draws a label and its value; mono values (hashes, ids) are never
// wrapped but set smaller until they fit, so they extract as one string.
func (l *layout) kvFull(label, value string, st style, indent float64, col color) {
	c := l.c
	x := marginL + indent + labelW
	if label == "" {
		x = marginL + indent
	}
	w := pageW - marginR - x
	var lines []string
	size := bodySize
	if st == mono {
		size = monoSize
		for size > 4 && c.width(value, st, size) > w {
			size -= 0.2
		}
		lines = []string{value}
	} else {
		lines = c.wrap(value, st, size, w)
	}
	c.ensure(float64(len(lines)) * lineH)
	if label != "" {
		// A long bilingual label is set smaller rather than run into its
		// value: the value column starts at labelW whatever the label.
		ls := 8.4
		for ls > 6 && c.width(label, regular, ls) > labelW-4 {
			ls -= 0.2
		}
		c.text(marginL+indent, c.y-bodySize, label, regular, ls, gray)
	}
	for _, ln := range lines {
		c.text(x, c.y-bodySize, ln, st, size, col)
		c.y -= lineH
	}
}

func (l *layout) para(s string, st style, size float64, col color) {
	c := l.c
	lines := c.wrap(s, st, size, contentW)
	// A paragraph that fits on a page is never split across two: the
	// page's footer and the next one's header would fall inside its text,
	// which Verify reads back as one printed fact.
	if h := float64(len(lines)) * (size + 4.5); h < pageH-marginTop-marginBottom {
		c.ensure(h)
	}
	for _, ln := range lines {
		c.ensure(size + 4)
		c.text(marginL, c.y-size, ln, st, size, col)
		c.y -= size + 4.5
	}
	c.y -= 2
}

// frame draws the running header and footer on every page.
func (l *layout) frame() {
	c := l.c
	n := len(c.pages)
	saved := c.pages
	for i := range saved {
		c.pages = saved[:i+1]
		y := pageH - 40
		c.text(marginL, y, l.header, regular, 7.5, gray)
		no := l.numberLabel + l.number
		c.text(pageW-marginR-c.width(no, regular, 7.5), y, no, regular, 7.5, gray)
		c.line(marginL, y-5, pageW-marginR, y-5, 0.5, gray)
		c.line(marginL, 48, pageW-marginR, 48, 0.5, gray)
		foot := fmt.Sprintf("第 %d 页 共 %d 页 Page %d of %d", i+1, n, i+1, n)
		// Right-aligned, so a long issuer name on the left never runs into it.
		c.text(pageW-marginR-c.width(foot, regular, 7.5), 36, foot, regular, 7.5, gray)
		iss := "出具机构 Issuer: " + l.opts.IssuerOrg.Name
		c.text(marginL, 36, iss, regular, 7.5, gray)
	}
	c.pages = saved
}
