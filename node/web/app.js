// Sealchain verification page. The verdict comes from the offline verifier
// compiled to WebAssembly (/web/sealchain.wasm, cmd/sealchain-wasm), the same
// code as `sealchain verify`; this node only supplies data (the evidence
// bundle and, unless the user gives their own, the genesis file).
'use strict';
(function () {
  const T = {
    zh: {
      title: '电子合同存证验证', chain: '链', node: '节点机构',
      intro: '选择合同文件，本页面在您的浏览器中计算文件哈希，并用与命令行 sealchain verify 相同的验证程序（WebAssembly）核验区块链存证：文件是否上链、由谁签署、何时签署、以何种方式确认签署意愿，以及每一项密码学校验。验证结论不依赖本服务器。',
      drop: '将合同文件（PDF、OFD）、证据报告 (PDF)、证据包 (bundle.json) 或创世文件 (genesis.json) 拖到此处，或在下方选择',
      privacy: '文件只在本机计算哈希，不会上传。',
      docLabel: '合同文件（PDF、OFD 等）', bundleLabel: '证据包 bundle.json（可选）', genesisLabel: '创世文件 genesis.json（可选）',
      verify: '验证', reset: '清空',
      engineLoading: '正在加载验证程序…', engineBuilding: '验证程序正在本节点编译中，稍后自动重试…', engineReady: '验证程序已就绪（在本浏览器中运行）', engineError: '验证程序加载失败：',
      noBundleYet: '未选择：将按文件哈希向本节点查询', noGenesisYet: '未选择：使用本节点提供的创世文件',
      busy: '正在验证…', busySub: '在本浏览器中校验哈希、默克尔证明和签名',
      verified: '验证通过', verifiedSub: '该文件与链上登记的合同文件一致；签署记录经验证节点签名确认，未被篡改。',
      verifiedNoDoc: '证据验证通过（未核对文件）', verifiedNoDocSub: '证据包中的记录均已上链且签名有效；未提供合同文件，因此未核对文件内容。',
      failed: '验证失败', failedSub: '以下检查未通过：',
      fileMismatch: '该文件与证据包中登记的合同文件不一致，可能已被修改，或不是该合同的文件。',
      notOnChain: '未上链', notOnChainSub: '本节点没有该文件的存证记录。文件可能已被修改，或从未登记上链。',
      fetchFailed: '无法获取证据', fetchFailedSub: '向本节点查询证据失败：',
      facts: '存证信息', signers: '签署人', timeline: '链上记录时间线', checks: '逐项校验', sources: '数据来源与信任',
      onChain: '是否上链', yes: '是', no: '否', contract: '合同编号', document: '文件', docSM3: '文件 SM3', docSHA: '文件 SHA-256',
      created: '合同登记时间', completed: '合同完成时间', checkpoint: '确认区块', checkpointVal: '区块 {h}，由超过 2/3 的受信任验证节点签名',
      colSigner: '签署人证书指纹', colIdentity: '身份核验', colIntent: '意愿认证', colSignedAt: '签署时间', colBlock: '区块',
      colTime: '时间 (UTC+8)', colEvent: '事件', colWho: '操作方',
      identityCA: '机构 CA 签发的数字证书', noIntent: '无',
      verifierSrc: '验证程序', verifierVal: '在本浏览器中运行的 WebAssembly（与 sealchain verify 相同的代码）',
      bundleSrc: '证据包', bundleNode: '由本节点提供（节点只提供数据，由您的浏览器验证）', bundleFile: '您提供的文件：', reportSrc: '证据报告', reportNote: '已从报告附件中取出证据包并在本浏览器中验证；报告本身的签名请用 sealchain report verify 核验。',
      genesisSrc: '信任根（创世文件）', genesisNode: '来自本节点 —— 如需完全独立，请使用您自己保存的副本', genesisFile: '您提供的文件：',
      docSrc: '合同文件', docLocal: '在本浏览器中计算哈希，未上传：', none: '未提供',
      footer: '验证在您的浏览器中完成：文件哈希、默克尔包含证明、验证节点签名（ed25519）、签署人与机构签名（SM2 / ECDSA）均由本页面加载的 WebAssembly 验证程序离线核验。服务器只提供数据，不提供结论。',
      pass: '通过', fail: '未通过', by: '机构 ',
      fileOnChain: '文件是否与链上登记一致', fileYes: '一致', fileNo: '不一致', fileNotChecked: '未核对（未提供文件）',
      records: '链上记录', recordsOK: '{n} 条记录，均包含在账本中并经验证节点签名确认', recordsBad: '{n} 条记录，部分未通过校验',
      summary: '合同 {c} · {s} 方签署 · 确认区块 {h}', fileFail: '文件哈希与链上登记不一致', colOrder: '顺序',
      qrNote: '本页由证据报告的二维码打开：报告所附证据包的 SM3 为 {h}。请选择该报告（PDF）或其证据包（bundle.json），本页核对它与二维码一致，并在您的浏览器中验证。',
      qrFact: '证据包与报告二维码一致', qrMismatchTitle: '证据包与二维码不符',
      qrMismatch: '您选择的证据包与二维码所指的不同（SM3 不一致），不是该报告所附的证据包。',
      topChecks: '链与区块', allPass: '{n} 项全部通过', someFail: '{n} 项中 {f} 项未通过', recordGroup: '记录 #{i} · {e}',
      caseBundle: '案件 {id} 的证据包（由本节点提供）',
      dc_document_signature: '文书签名（出具机构的证书由创世文件中的机构 CA 签发）', dc_report_signature: '报告签名',
      dc_issuance_recorded: '链上出具记录（文书 SM3 与出具记录一致）', dc_bundle_attached: '文书附有证据包',
      dc_bundle_verifies: '所附证据包验证通过', dc_facts_match: '印刷事实与证据包一致', docSrcNote: '已从文书附件中取出证据包并在本浏览器中验证。',
      kind_evidence_report: '证据报告', kind_notarial_certificate: '公证书', kind_appraisal_opinion: '司法鉴定意见书',
      kind_preservation_certificate: '存证证明', kind_signature_verification: '验签报告',
      docCard: '出具的文书', docKind: '文书类型', docNumber: '编号', docIssuer: '出具机构', docIssuedAt: '出具时间',
      docCase: '案件编号', docPreservation: '存证编号', docConclusion: '鉴定意见', docSM3: '文书 SM3',
      concl_intact: '电子数据完整，未被篡改', concl_altered: '电子数据被篡改或无法通过验证', concl_undetermined: '无法判断',
      docPrinted: '以上为文书所附 facts.json 的内容', docVerified: '{k}核验通过', docVerifiedSub: '文书已在链上登记出具（其 SM3 与链上出具记录一致），所附证据包验证通过。',
      docFailed: '{k}未通过核验', chkBundle: '所附证据包', chkIssued: '链上出具记录', chkDocument: '文书签名与印刷事实',
      issuedAt: '{t}，区块 {h}', issuedMissing: '本节点没有以该文书 SM3 登记的出具记录：文书可能已被修改或重新签署，或从未登记。',
      issuedNoRecord: '证据包中没有出具记录（notarization_issued / appraisal_issued / report_issued）。', issuedBad: '出具记录的证据包未通过验证。',
      docNotChecked: '本页面未核验文书本身的签名及印刷事实，请用命令行核验：', docCheckFailed: '文书签名或印刷事实未通过核验',
      ofdCard: 'OFD 电子签章（GB/T 38540）', ofdColSeal: '印章', ofdColSigner: '签章人证书', ofdColResult: '验证结果',
      ofdSummary: '{n} 个签章 · 总体结论 {i}。信任根：创世文件中各机构的 CA；时间：{t}。与 sealchain ofd verify 相同的代码在本浏览器中运行。',
      ofdTimeClaimed: '各签章数据中声明的签章时间', ofdTimeChain: '有本文件存证记录的签章用记录所在区块的时间，其余用签章数据中声明的时间',
      ofdSrcBlock: '区块时间 · 记录 #{i} · 高度 {h}', ofdSrcClaimed: '签章声明的时间', ofdNone: '文件中没有电子签章', ofdError: 'OFD 无法读取：',
      ofdOKNotOnChain: 'OFD 签章验证通过（未上链）', ofdBadNotOnChain: 'OFD 签章未通过验证（未上链）',
      ofdNotOnChainSub: '本节点没有该文件的存证记录；以下为文件中电子签章的验证结果。', ofdLine: '文件中的 OFD 电子签章：{i}',
      ofdRefChanged: '第 {n} 个签章：部件 {f} 在签章后被修改', ofdRefMissing: '第 {n} 个签章：部件 {f} 缺失',
      ofdCheckFailed: '第 {n} 个签章：{c} — {d}', ofdUnprotected: '第 {n} 个签章未保护的部件：{f}', ofdUnlisted: 'Signatures.xml 未列出的签章部件：{f}',
      ind_TOTAL_PASSED: '通过', ind_TOTAL_FAILED: '失败', ind_INDETERMINATE: '无法确定',
    },
    en: {
      title: 'E-Contract Evidence Verification', chain: 'Chain', node: 'Node org',
      intro: 'Choose the contract file. This page hashes it in your browser and checks the blockchain evidence with the same verifier as the sealchain verify command, compiled to WebAssembly: whether the file is on chain, who signed, when, how signing intent was confirmed, and every cryptographic check. The verdict does not depend on this server.',
      drop: 'Drop the contract file (PDF, OFD), an evidence report (PDF), an evidence bundle (bundle.json) or a genesis file (genesis.json) here, or choose below',
      privacy: 'Files are hashed on this computer and never uploaded.',
      docLabel: 'Contract file (PDF, OFD…)', bundleLabel: 'Evidence bundle bundle.json (optional)', genesisLabel: 'Genesis genesis.json (optional)',
      verify: 'Verify', reset: 'Clear',
      engineLoading: 'Loading the verifier…', engineBuilding: 'The verifier is being built on this node; retrying by itself…', engineReady: 'Verifier ready (runs in this browser)', engineError: 'Verifier failed to load: ',
      noBundleYet: 'None: this node is asked for the file\'s hash', noGenesisYet: 'None: the genesis from this node is used',
      busy: 'Verifying…', busySub: 'Checking hashes, Merkle proofs and signatures in this browser',
      verified: 'Verified', verifiedSub: 'This file is the contract document recorded on chain; the signing records are confirmed by the validators\' signatures and have not been altered.',
      verifiedNoDoc: 'Evidence verified (no file checked)', verifiedNoDocSub: 'Every record in the bundle is on chain with valid signatures; no contract file was given, so its content was not checked.',
      failed: 'Verification failed', failedSub: 'These checks failed:',
      fileMismatch: 'This file is not the contract document recorded in the evidence: it may have been altered, or belongs to another contract.',
      notOnChain: 'Not on chain', notOnChainSub: 'This node has no evidence for this file. It may have been altered, or it was never recorded.',
      fetchFailed: 'Could not fetch evidence', fetchFailedSub: 'Asking this node for evidence failed: ',
      facts: 'Evidence', signers: 'Signers', timeline: 'On-chain timeline', checks: 'Checks', sources: 'Data sources and trust',
      onChain: 'On chain', yes: 'Yes', no: 'No', contract: 'Contract', document: 'File', docSM3: 'File SM3', docSHA: 'File SHA-256',
      created: 'Contract recorded', completed: 'Contract completed', checkpoint: 'Confirming block', checkpointVal: 'block {h}, signed by more than 2/3 of the trusted validators',
      colSigner: 'Signer certificate fingerprint', colIdentity: 'Identity check', colIntent: 'Intent', colSignedAt: 'Signed at', colBlock: 'Block',
      colTime: 'Time (UTC+8)', colEvent: 'Event', colWho: 'By',
      identityCA: 'certificate issued by the org\'s CA', noIntent: 'none',
      verifierSrc: 'Verifier', verifierVal: 'WebAssembly in this browser (the same code as sealchain verify)',
      bundleSrc: 'Evidence bundle', bundleNode: 'supplied by this node (the node supplies data; your browser verifies it)', bundleFile: 'your file: ', reportSrc: 'Evidence report', reportNote: 'the evidence bundle attached to the report was verified in this browser; check the report\'s own signature with sealchain report verify.',
      genesisSrc: 'Trust root (genesis)', genesisNode: 'from this node — for full independence use your own copy', genesisFile: 'your file: ',
      docSrc: 'Contract file', docLocal: 'hashed in this browser, not uploaded: ', none: 'not given',
      footer: 'Verification happens in your browser: the file hash, Merkle inclusion proofs, validator signatures (ed25519) and signer and organisation signatures (SM2 / ECDSA) are checked offline by the WebAssembly verifier this page loads. The server supplies data, not the verdict.',
      pass: 'pass', fail: 'FAIL', by: 'org ',
      fileOnChain: 'File matches the recorded document', fileYes: 'yes', fileNo: 'NO', fileNotChecked: 'not checked (no file given)',
      records: 'On-chain records', recordsOK: '{n} records, each in the log and confirmed by the validators\' signatures', recordsBad: '{n} records, some failed their checks',
      summary: 'Contract {c} · {s} signatures · confirmed in block {h}', fileFail: 'File hash does not match the record', colOrder: 'Order',
      qrNote: 'This page was opened from an evidence report\'s QR code: the SM3 of the report\'s evidence bundle is {h}. Choose that report (PDF) or its bundle (bundle.json); this page checks it against the code and verifies it in your browser.',
      qrFact: 'Bundle matches the report\'s QR code', qrMismatchTitle: 'Bundle does not match the QR code',
      qrMismatch: 'The bundle you chose is not the one the QR code names (its SM3 differs): it is not the bundle attached to that report.',
      topChecks: 'Chain and block', allPass: 'all {n} checks pass', someFail: '{f} of {n} checks failed', recordGroup: 'Record #{i} · {e}',
      caseBundle: 'the bundle of case {id} (supplied by this node)',
      dc_document_signature: 'Document signature (the issuer\'s certificate from a genesis organisation\'s CA)', dc_report_signature: 'Report signature',
      dc_issuance_recorded: 'Issuance record (the document\'s SM3 equals the record\'s)', dc_bundle_attached: 'The bundle is attached',
      dc_bundle_verifies: 'The attached bundle verifies', dc_facts_match: 'The printed facts equal the bundle\'s', docSrcNote: 'its attached bundle was taken out and verified in this browser.',
      kind_evidence_report: 'Evidence report', kind_notarial_certificate: 'Notarial certificate', kind_appraisal_opinion: 'Judicial appraisal opinion',
      kind_preservation_certificate: 'Preservation certificate', kind_signature_verification: 'Signature verification report',
      ofdCard: 'OFD electronic seals (GB/T 38540)', ofdColSeal: 'Seal', ofdColSigner: 'Signer certificate', ofdColResult: 'Result',
      ofdSummary: '{n} signature(s) · overall {i}. Trusted: the CAs of the genesis organisations; time: {t}. The same code as sealchain ofd verify, run in this browser.',
      ofdTimeClaimed: 'the time each signature claims', ofdTimeChain: 'the block time of the record of this file for signatures recorded on chain, the time claimed for the others',
      ofdSrcBlock: 'block time · record #{i} · height {h}', ofdSrcClaimed: 'time claimed by the signature', ofdNone: 'the file has no electronic seal', ofdError: 'the OFD cannot be read: ',
      ofdOKNotOnChain: 'OFD signatures verified (not on chain)', ofdBadNotOnChain: 'OFD signatures do not verify (not on chain)',
      ofdNotOnChainSub: 'This node has no evidence for this file; below is the verification of the electronic seals in the file.', ofdLine: 'OFD electronic seals in the file: {i}',
      ofdRefChanged: 'signature {n}: part {f} was changed after signing', ofdRefMissing: 'signature {n}: part {f} is missing',
      ofdCheckFailed: 'signature {n}: {c} — {d}', ofdUnprotected: 'signature {n} does not protect: {f}', ofdUnlisted: 'signature parts Signatures.xml does not list: {f}',
      ind_TOTAL_PASSED: 'passed', ind_TOTAL_FAILED: 'failed', ind_INDETERMINATE: 'indeterminate',
      docCard: 'Issued document', docKind: 'Kind', docNumber: 'Number', docIssuer: 'Issued by', docIssuedAt: 'Issued at',
      docCase: 'Case', docPreservation: 'Preservation number', docConclusion: 'Opinion', docSM3: 'Document SM3',
      concl_intact: 'the data is complete and unaltered', concl_altered: 'the data was altered or does not verify', concl_undetermined: 'undetermined',
      docPrinted: 'as the attached facts.json states', docVerified: '{k} verified', docVerifiedSub: 'The document is recorded on chain as issued (its SM3 equals the issuance record\'s) and its attached bundle verifies.',
      docFailed: '{k} does not verify', chkBundle: 'Attached bundle', chkIssued: 'Issuance record on chain', chkDocument: 'Document signature and printed facts',
      issuedAt: '{t}, block {h}', issuedMissing: 'This node has no issuance record under the document\'s SM3: the document may have been edited or re-signed, or was never recorded.',
      issuedNoRecord: 'The bundle holds no issuance record (notarization_issued / appraisal_issued / report_issued).', issuedBad: 'The issuance bundle does not verify.',
      docNotChecked: 'This page did not check the document\'s own signature and printed facts; check them on the command line:', docCheckFailed: 'the document\'s signature or printed facts do not verify',
    },
  };
  const $ = (id) => document.getElementById(id);
  const state = { doc: null, bundle: null, genesis: null, view: null, engine: 'loading', engineErr: '', labels: null };
  let lang = document.documentElement.dataset.lang === 'en' ? 'en' : 'zh';
  // A report's QR code opens this page with ?bundle=<SM3 of its bundle.json>;
  // a bundle the user gives is checked against it.
  const qrBundle = (() => {
    const b = new URLSearchParams(location.search).get('bundle') || '';
    return /^[0-9a-fA-F]{64}$/.test(b) ? b.toLowerCase() : '';
  })();
  const t = (k) => T[lang][k];
  // The inbox's "verify in this browser" link opens this page with
  // ?case=<id>: the bundle is the case's (GET /v1/cases/{id}/bundle).
  const caseID = new URLSearchParams(location.search).get('case') || '';

  // ---- the verifier ----
  let readyResolve;
  const ready = new Promise((res) => { readyResolve = res; });
  window.sealchainReady = () => readyResolve();
  async function loadEngine() {
    try {
      const go = new Go();
      let inst;
      // The node answers 503 while `make run` still builds the verifier in
      // the background: say what it says, and try again when it is ready.
      const resp = await fetch('/web/sealchain.wasm');
      if (!resp.ok) {
        let msg = 'HTTP ' + resp.status;
        try { msg = (await resp.json()).error.message || msg; } catch (_) { /* not JSON */ }
        if (resp.status === 503) {
          state.engine = 'building';
          state.engineErr = msg;
          paintStatic();
          setTimeout(loadEngine, 1000 * (parseInt(resp.headers.get('Retry-After'), 10) || 30));
          return;
        }
        throw new Error(msg);
      }
      try {
        inst = (await WebAssembly.instantiateStreaming(resp, go.importObject)).instance;
      } catch (e) {
        const buf = await (await fetch('/web/sealchain.wasm')).arrayBuffer();
        inst = (await WebAssembly.instantiate(buf, go.importObject)).instance;
      }
      go.run(inst);
      await ready;
      // Record types and checks are named from the verifier's table, the
      // one the PDF report prints (evidence.Labels).
      try { state.labels = JSON.parse(window.sealchainLabels()); } catch (e) { state.labels = null; }
      state.engine = 'ready';
      const notice = $('verifier-notice');
      if (notice) notice.remove();
    } catch (e) {
      state.engine = 'error';
      state.engineErr = String(e && e.message || e);
    }
    paintStatic();
    maybeRun();
  }

  // ---- inputs ----
  async function readFile(f, asText) {
    return asText ? await f.text() : new Uint8Array(await f.arrayBuffer());
  }
  // An OFD (a zip whose first entry names, or whose name ends in, .ofd) is
  // verified twice: its electronic seals by sealchainVerifyOFD, and as any
  // file against the chain by its hash.
  async function setDoc(f) {
    state.doc = f ? { name: f.name, bytes: await readFile(f, false) } : null;
    if (state.doc) state.doc.ofd = isOFD(state.doc);
  }
  function isOFD(d) {
    const b = d.bytes;
    if (!(b.length > 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4)) return false;
    return /\.ofd$/i.test(d.name) || latin1(b.subarray(0, Math.min(b.length, 1 << 16))).includes('OFD.xml');
  }
  async function setBundle(f) { state.bundle = f ? { name: f.name, text: await readFile(f, true) } : null; }
  async function setGenesis(f) { state.genesis = f ? { name: f.name, text: await readFile(f, true) } : null; }

  async function classify(f) {
    if (/\.json$/i.test(f.name) || f.type === 'application/json') {
      const text = await f.text();
      if (text.includes('"sealchain-evidence-bundle"')) { state.bundle = { name: f.name, text }; return; }
      if (text.includes('"genesis_time"') || text.includes('"app_state"')) { state.genesis = { name: f.name, text }; return; }
    }
    if (await takeReport(f)) return;
    await setDoc(f);
  }

  // An evidence report (证据报告) carries its bundle as the attachment
  // bundle.json: take it out and verify it here. The report's own PDF
  // signature is checked by `sealchain report verify`.
  async function takeReport(f) {
    const bytes = await readFile(f, false);
    const text = latin1(bytes);
    if (!text.startsWith('%PDF') || !text.includes('/EmbeddedFile')) return false;
    const bundle = embeddedJSON(bytes, text, '"sealchain-evidence-bundle"');
    if (!bundle) return false;
    // facts.json names an issued document's kind (公证书, 鉴定意见书, 存证证明,
    // 验签报告); an evidence report's facts have no kind.
    let facts = null;
    try { facts = JSON.parse(embeddedJSON(bytes, text, '"sealchain-document-facts"') || 'null'); } catch (e) { facts = null; }
    state.bundle = { name: f.name + ' › bundle.json', text: bundle, report: f.name, facts, pdf: bytes };
    state.doc = null;
    return true;
  }
  function latin1(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return s;
  }
  // embeddedJSON is the first attachment whose JSON contains marker.
  function embeddedJSON(bytes, text, marker) {
    const re = /\/Type\s*\/EmbeddedFile\b[^]*?\/Size\s+(\d+)[^]*?stream\r?\n/g;
    let m;
    while ((m = re.exec(text)) !== null) {
      const start = m.index + m[0].length, size = parseInt(m[1], 10);
      const json = new TextDecoder().decode(bytes.subarray(start, start + size));
      if (json.includes(marker)) return json;
    }
    return null;
  }

  function wireInputs() {
    $('doc').addEventListener('change', async (e) => {
      const f = e.target.files[0];
      if (!f || !(await takeReport(f))) await setDoc(f);
      paintStatic(); maybeRun();
    });
    $('bundle').addEventListener('change', async (e) => { await setBundle(e.target.files[0]); paintStatic(); maybeRun(); });
    $('genesis').addEventListener('change', async (e) => { await setGenesis(e.target.files[0]); paintStatic(); maybeRun(); });
    const drop = $('drop');
    ['dragenter', 'dragover'].forEach((ev) => drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add('over'); }));
    ['dragleave', 'drop'].forEach((ev) => drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.remove('over'); }));
    drop.addEventListener('drop', async (e) => {
      for (const f of e.dataTransfer.files) await classify(f);
      paintStatic(); maybeRun();
    });
    $('run').addEventListener('click', () => run());
    $('reset').addEventListener('click', () => {
      for (const id of ['doc', 'bundle', 'genesis']) $(id).value = '';
      state.doc = state.bundle = state.genesis = state.view = null;
      paintStatic(); render();
    });
    document.querySelectorAll('[data-set-lang]').forEach((b) => b.addEventListener('click', () => {
      lang = b.dataset.setLang;
      document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
      document.documentElement.dataset.lang = lang;
      paintStatic(); render();
    }));
  }

  function maybeRun() {
    if (state.engine === 'ready' && (state.doc || state.bundle)) run();
    else if (state.engine === 'ready' && caseID && !state.caseTried) runCase();
  }

  // runCase fetches the case's bundle from this node (with the browser's
  // own credentials, as the inbox page does) and verifies it here.
  async function runCase() {
    state.caseTried = true;
    try {
      const r = await fetch('/v1/cases/' + encodeURIComponent(caseID) + '/bundle', { headers: { Accept: 'application/json' } });
      if (!r.ok) {
        let msg = r.status + '';
        try { const e = await r.json(); msg = (e.error && e.error.code) + ': ' + (e.error && e.error.message); } catch (_) { /* not JSON */ }
        state.view = { fetchError: msg };
        render();
        return;
      }
      state.bundle = { name: t('caseBundle').replace('{id}', caseID), text: await r.text() };
    } catch (e) {
      state.view = { fetchError: String(e && e.message || e) };
      render();
      return;
    }
    paintStatic();
    run();
  }

  // ---- verification ----
  let runSeq = 0;
  async function run() {
    if (state.engine !== 'ready' || !(state.doc || state.bundle)) return;
    const seq = ++runSeq;
    const v = { busy: true, doc: state.doc && { name: state.doc.name, size: state.doc.bytes.length } };
    state.view = v; render();
    try {
      if (state.doc) v.hashes = window.sealchainHashFile(state.doc.bytes);
      let genesisText = state.genesis && state.genesis.text;
      v.genesisSource = state.genesis ? state.genesis.name : null;
      if (state.doc && state.doc.ofd && typeof window.sealchainVerifyOFD === 'function') {
        if (!genesisText) {
          const r = await fetch('/v1/genesis');
          if (!r.ok) { v.fetchError = 'genesis: ' + r.status; return; }
          genesisText = await r.text();
        }
        v.ofd = JSON.parse(window.sealchainVerifyOFD(state.doc.bytes, genesisText, null));
      }
      let bundleText = state.bundle && state.bundle.text;
      v.bundleSource = state.bundle ? state.bundle.name : null;
      v.report = state.bundle && state.bundle.report;
      if (!bundleText) {
        const r = await fetch('/v1/evidence?doc_hash=' + encodeURIComponent(v.hashes.sm3), { headers: { Accept: 'application/json' } });
        if (r.status === 404) { v.notOnChain = true; return; }
        if (!r.ok) { v.fetchError = r.status + ' ' + (await r.text()).slice(0, 300); return; }
        bundleText = await r.text();
      }
      if (!genesisText) {
        const r = await fetch('/v1/genesis');
        if (!r.ok) { v.fetchError = 'genesis: ' + r.status; return; }
        genesisText = await r.text();
      }
      // Only a bundle the user gave can be the report's: one fetched by the
      // file's hash has a later checkpoint.
      if (qrBundle && state.bundle) v.qrMatch = window.sealchainHashFile(new TextEncoder().encode(bundleText)).sm3 === qrBundle;
      try { v.bundle = JSON.parse(bundleText); } catch (e) { v.bundle = null; }
      v.result = JSON.parse(window.sealchainVerify(bundleText, genesisText, state.doc ? state.doc.bytes : null));
      // An OFD whose evidence verified is checked again with the bundle: a
      // seal whose signer recorded this exact file is checked at that
      // record's block time (proved by the bundle, as POST /v1/ofd/verify
      // does from its store), the others at the time they claim.
      if (state.doc && state.doc.ofd && v.result.ok && typeof window.sealchainVerifyOFD === 'function') {
        v.ofd = JSON.parse(window.sealchainVerifyOFD(state.doc.bytes, genesisText, null, bundleText));
      }
      const facts = state.bundle && state.bundle.facts;
      if (facts && facts.kind) v.issued = await verifyIssued(facts, state.bundle.pdf, genesisText);
    } catch (e) {
      v.fetchError = String(e && e.message || e);
    } finally {
      v.busy = false;
      if (seq === runSeq) render();
    }
  }

  // verifyIssued checks an issued document (公证书, 鉴定意见书, 存证证明,
  // 验签报告) beyond its attached bundle: its issuance record, fetched from
  // this node by the document's SM3 (GET /v1/evidence?doc_hash=) and verified
  // here with the PDF as the file, so the node is not trusted; and, when the
  // verifier has it, the full document check (signature, printed facts).
  async function verifyIssued(facts, pdf, genesisText) {
    const out = { facts, sm3: window.sealchainHashFile(pdf).sm3 };
    const r = await fetch('/v1/evidence?doc_hash=' + encodeURIComponent(out.sm3), { headers: { Accept: 'application/json' } });
    if (r.ok) {
      out.issuanceText = await r.text();
      // The verifier's file check knows contract documents only, so the
      // bundle is verified without the file: its subject, proved by the
      // records, must be the document's SM3, and the record indexed under it
      // an issuance record (whose document_sm3/report_sm3 is that SM3).
      out.issuance = JSON.parse(window.sealchainVerify(out.issuanceText, genesisText, null));
      const types = /^(notarization_issued|appraisal_issued|report_issued)$/;
      out.record = (out.issuance.records || []).filter((x) => types.test(x.type)).pop() || null;
      const subj = out.issuance.subject;
      out.issuedOK = out.issuance.ok && !!out.record && !!subj && String(subj.doc_hash).toLowerCase() === out.sm3;
    } else {
      out.issuedOK = false;
      out.issuanceMissing = r.status === 404;
      if (!out.issuanceMissing) {
        try { const e = await r.json(); out.issuanceError = e.error.code + ': ' + e.error.message; } catch (_) { out.issuanceError = 'HTTP ' + r.status; }
      }
    }
    if (typeof window.sealchainVerifyDocument === 'function') {
      try {
        out.document = JSON.parse(window.sealchainVerifyDocument(pdf, genesisText, out.issuanceText || null));
      } catch (e) {
        out.document = { ok: false, error: String(e && e.message || e) };
      }
    }
    return out;
  }

  // ---- rendering ----
  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, val] of Object.entries(attrs || {})) {
      if (k === 'class') n.className = val; else n.setAttribute(k, val);
    }
    for (const k of kids) if (k != null) n.append(k instanceof Node ? k : String(k));
    return n;
  }
  function fmtTime(iso) {
    if (!iso) return '';
    const d = new Date(String(iso).replace(/(\.\d{3})\d+/, '$1'));
    if (isNaN(d)) return String(iso);
    const s = new Date(d.getTime() + 8 * 3600 * 1000).toISOString();
    return s.slice(0, 10) + ' ' + s.slice(11, 19);
  }
  const short = (fp) => (fp ? fp.slice(0, 16) + '…' : '');
  const fpNode = (fp) => el('code', { title: fp }, short(fp));
  // checkLabel names a check as evidence.CheckLabel does: "record[3].intent"
  // is looked up as "record[].intent" and "{i}" becomes 3.
  function checkLabel(name) {
    const c = (state.labels && state.labels.checks) || {};
    let num = '';
    const key = String(name).replace(/\[(\d+)\]/g, (m, d) => { if (!num) num = d; return '[]'; });
    const l = c[key];
    return l && l[lang] ? l[lang].split('{i}').join(num) : name;
  }
  function methodLabel(m) {
    const l = state.labels && state.labels.methods && state.labels.methods[m];
    return l && l[lang] ? l[lang] : m;
  }
  function typeLabel(type) {
    const l = state.labels && state.labels.types && state.labels.types[type];
    return l && l[lang] ? l[lang] : (type || '?');
  }

  function failLabel(name) { return name === 'file' ? t('fileFail') : checkLabel(name); }

  function paintStatic() {
    document.querySelectorAll('[data-i18n]').forEach((n) => { n.textContent = t(n.dataset.i18n); });
    document.querySelectorAll('[data-set-lang]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.setLang === lang)));
    const eng = $('engine');
    eng.dataset.state = state.engine;
    eng.textContent = state.engine === 'ready' ? t('engineReady') : state.engine === 'error' ? t('engineError') + state.engineErr
      : state.engine === 'building' ? t('engineBuilding') : t('engineLoading');
    $('run').disabled = !(state.engine === 'ready' && (state.doc || state.bundle));
    $('doc-state').textContent = state.doc ? state.doc.name + ' (' + state.doc.bytes.length + ' B)' : '';
    $('bundle-state').textContent = state.bundle ? state.bundle.name : t('noBundleYet');
    $('genesis-state').textContent = state.genesis ? state.genesis.name : t('noGenesisYet');
    const qn = $('qr-note');
    qn.hidden = !qrBundle;
    if (qrBundle) qn.textContent = t('qrNote').replace('{h}', qrBundle);
  }

  function verdict(kind, title, sub) {
    const box = $('verdict');
    box.className = 'verdict ' + kind;
    box.dataset.verdict = kind;
    $('verdict-mark').textContent = kind === 'ok' ? '✓' : kind === 'bad' ? '✕' : '…';
    $('verdict-title').textContent = title;
    const s = $('verdict-sub');
    s.replaceChildren();
    if (Array.isArray(sub)) sub.forEach((x, i) => s.append(i ? el('br') : '', x)); else s.textContent = sub;
  }

  function show(id, on) { $(id).hidden = !on; }

  const docKindName = (k) => T[lang]['kind_' + k] || k;
  const issuedPass = (i) => i.issuedOK && (!i.document || i.document.ok);
  function issuedProblem(i) {
    if (i.issuanceMissing) return t('issuedMissing');
    if (i.issuanceError) return t('fetchFailedSub') + i.issuanceError;
    if (!i.record) return t('issuedNoRecord');
    return t('issuedBad');
  }

  // renderIssued shows an issued document's facts (as its facts.json
  // states them) and its three checks: the attached bundle, the issuance
  // record, the document's own signature and printed facts.
  function renderIssued(v) {
    const i = v.issued;
    show('document-card', !!i && !v.busy);
    if (!i || v.busy) return;
    const f = i.facts;
    const dl = $('document-facts');
    dl.replaceChildren();
    const fact = (k, val) => { if (val != null && val !== '') dl.append(el('dt', null, t(k)), el('dd', null, val)); };
    fact('docKind', el('strong', { 'data-kind': f.kind }, docKindName(f.kind)));
    fact('docNumber', f.number);
    fact('docIssuer', f.issuer && (f.issuer.name ? f.issuer.name + ' (' + f.issuer.id + ')' : f.issuer.id));
    fact('docIssuedAt', f.issued_at && fmtTime(f.issued_at) + ' (UTC+8)');
    fact('docCase', f.case && f.case.id);
    fact('docPreservation', f.preservation && f.preservation.no);
    fact('docConclusion', f.conclusion && t('concl_' + f.conclusion));
    fact('docSM3', el('code', null, i.sm3));
    const ul = $('document-checks');
    ul.replaceChildren();
    const item = (name, ok, detail) => {
      const li = el('li', { class: ok === true ? 'pass' : ok === false ? 'fail' : 'note-row', 'data-doc-check': name },
        el('span', { class: 'mark' }, ok === true ? '✓' : ok === false ? '✕' : '?'),
        el('span', { class: 'what' }, (t(name) || name.replace(/^dc_/, '')) + (ok === false ? ' — ' + t('fail') : '')));
      if (detail) li.append(el('span', { class: 'detail' }, ...[].concat(detail)));
      ul.append(li);
    };
    // With the verifier's document check, its own rows say it all, but for
    // an issuance record this node could not supply: that row says why.
    if (!i.document) item('chkBundle', !!(v.result && v.result.ok), null);
    if (!i.document || !i.issuanceText) item('chkIssued', i.issuedOK, i.issuedOK
      ? typeLabel(i.record.type) + ' · ' + t('issuedAt').replace('{t}', fmtTime(i.record.time) + ' (UTC+8)').replace('{h}', i.record.height)
      : issuedProblem(i));
    if (i.document) {
      // The verifier's document checks, each with its result and detail.
      for (const c of i.document.checks || []) {
        if (c.name === 'issuance_recorded' && !i.issuanceText) continue;
        item('dc_' + c.name, !!c.ok, c.detail);
      }
      if (!(i.document.checks || []).length) item('chkDocument', false, i.document.error || null);
    }
    else item('chkDocument', null, [t('docNotChecked'), ' ', el('code', null, 'sealchain verify --file ' + (v.report || 'document.pdf') + ' --node ' + location.origin + ' --genesis genesis.json')]);
  }

  const indLabel = (i) => (T[lang]['ind_' + i] ? T[lang]['ind_' + i] + ' (' + i + ')' : i);

  // renderOFD shows sealchainVerifyOFD's report (the ETSI TS 119 102-2
  // shaped report of `sealchain ofd verify`): one row per signature, then
  // every changed or missing part and every failed check, by signature.
  function renderOFD(v) {
    show('ofd-card', !!v.ofd && !v.busy);
    if (!v.ofd || v.busy) return;
    const sum = $('ofd-summary'), tb = $('ofd-sigs').tBodies[0], ul = $('ofd-problems');
    tb.replaceChildren(); ul.replaceChildren();
    const rep = v.ofd.report;
    $('ofd-sigs').hidden = !rep || !rep.signatures.length;
    if (!rep) { sum.textContent = t('ofdError') + v.ofd.error; sum.dataset.indication = 'error'; return; }
    sum.dataset.indication = rep.indication;
    if (!rep.signatures.length) { sum.textContent = t('ofdNone'); return; }
    const onChain = new Map((v.ofd.on_chain || []).map((o) => [o.signature, o]));
    sum.textContent = t('ofdSummary').replace('{n}', rep.signatures.length).replace('{i}', indLabel(rep.indication)).replace('{t}', t(onChain.size ? 'ofdTimeChain' : 'ofdTimeClaimed'));
    const problem = (text) => ul.append(el('li', { class: 'fail' }, el('span', { class: 'mark' }, '✕'), el('span', { class: 'what' }, text)));
    for (const sig of rep.signatures) {
      const n = sig.index + 1;
      const sealName = sig.seal ? sig.seal.name : (sig.type === 'Sign' ? 'GB/T 35275' : '?');
      const who = sig.signed_by ? [sig.signed_by.subject, el('br'), el('small', { class: 'muted' }, short(sig.signed_by.fingerprint))] : ['?'];
      const res = el('span', { class: 'tag ' + (sig.indication === 'TOTAL_PASSED' ? 'ind-ok' : sig.indication === 'TOTAL_FAILED' ? 'ind-bad' : 'ind-unknown') }, indLabel(sig.indication));
      tb.append(el('tr', { 'data-indication': sig.indication },
        el('td', null, String(n)), el('td', null, sealName, sig.seal ? el('br') : null, sig.seal ? el('small', { class: 'muted' }, sig.seal.vendor + ' · v' + sig.seal.version) : null),
        el('td', null, ...who), el('td', { class: 'nowrap', 'data-time-source': onChain.has(sig.index) ? 'block' : sig.signing_time_source },
          sig.signing_time ? fmtTime(sig.signing_time) : (sig.claimed_time || ''), el('br'),
          el('small', { class: 'muted' }, onChain.has(sig.index)
            ? t('ofdSrcBlock').replace('{i}', onChain.get(sig.index).log_index).replace('{h}', onChain.get(sig.index).height)
            : t('ofdSrcClaimed'))),
        el('td', null, res, sig.sub_indication ? el('br') : null, sig.sub_indication ? el('small', { class: 'mono' }, sig.sub_indication) : null)));
      for (const r of sig.references || []) {
        if (r.status === 'changed') problem(t('ofdRefChanged').replace('{n}', n).replace('{f}', r.file));
        if (r.status === 'missing') problem(t('ofdRefMissing').replace('{n}', n).replace('{f}', r.file));
      }
      for (const c of (sig.checks || []).concat(sig.seal_checks || [])) {
        if (c.status === 'failed') problem(t('ofdCheckFailed').replace('{n}', n).replace('{c}', c.name).replace('{d}', c.detail || ''));
      }
      if (sig.unprotected && sig.unprotected.length) {
        ul.append(el('li', { class: 'note-row' }, el('span', { class: 'mark' }, '?'), el('span', { class: 'what' }, t('ofdUnprotected').replace('{n}', n).replace('{f}', sig.unprotected.join(', ')))));
      }
    }
    if (rep.unlisted && rep.unlisted.length) problem(t('ofdUnlisted').replace('{f}', rep.unlisted.join(', ')));
    if (v.ofd.bundle_error) ul.append(el('li', { class: 'note-row' }, el('span', { class: 'mark' }, '?'), el('span', { class: 'what' }, v.ofd.bundle_error)));
  }

  function render() {
    const v = state.view;
    show('result', !!v);
    if (!v) return;
    const res = v.result;
    const recs = (res && res.records) || [];
    const hasRecords = recs.length > 0;
    show('facts-card', true);
    show('signers-card', hasRecords && recs.some((r) => r.type === 'contract_signed'));
    show('timeline-card', hasRecords);
    show('checks-card', !!res);

    const ofdInd = v.ofd && v.ofd.report && v.ofd.report.signatures.length ? v.ofd.report.indication : null;
    if (v.busy) verdict('busy', t('busy'), t('busySub'));
    else if (v.notOnChain && ofdInd) verdict(ofdInd === 'TOTAL_PASSED' ? 'ok' : 'bad', t(ofdInd === 'TOTAL_PASSED' ? 'ofdOKNotOnChain' : 'ofdBadNotOnChain'), t('ofdNotOnChainSub'));
    else if (v.notOnChain) verdict('bad', t('notOnChain'), t('notOnChainSub'));
    else if (v.fetchError) verdict('bad', t('fetchFailed'), t('fetchFailedSub') + v.fetchError);
    else if (res && v.qrMatch === false) verdict('bad', t('qrMismatchTitle'), t('qrMismatch'));
    else if (res && v.issued && !issuedPass(v.issued)) {
      const i = v.issued, lines = [];
      if (!res.ok) lines.push(t('chkBundle') + ' — ' + t('fail'));
      if (!i.issuedOK) lines.push(issuedProblem(i));
      if (i.document && !i.document.ok) {
        const failed = (i.document.checks || []).filter((c) => !c.ok && !(c.name === 'issuance_recorded' && !i.issuanceText))
          .map((c) => t('dc_' + c.name) || c.name);
        lines.push(t('docCheckFailed') + (failed.length ? '：' + failed.join('；') : i.document.error ? ': ' + i.document.error : ''));
      }
      verdict('bad', t('docFailed').replace('{k}', docKindName(i.facts.kind)), lines);
    }
    else if (res && res.ok && v.issued) verdict('ok', t('docVerified').replace('{k}', docKindName(v.issued.facts.kind)), t('docVerifiedSub'));
    else if (res && res.ok) {
      const lines = [v.doc ? t('verifiedSub') : t('verifiedNoDocSub')];
      const cs = [...new Set(recs.map((r) => r.contract_id).filter(Boolean))];
      if (cs.length && v.bundle && v.bundle.checkpoint) {
        lines.push(t('summary').replace('{c}', cs.join(', ')).replace('{s}', recs.filter((r) => r.type === 'contract_signed').length)
          .replace('{h}', v.bundle.checkpoint.height + 1));
      }
      if (ofdInd) lines.push(t('ofdLine').replace('{i}', indLabel(ofdInd)));
      verdict(ofdInd && ofdInd !== 'TOTAL_PASSED' ? 'bad' : 'ok', v.doc ? t('verified') : t('verifiedNoDoc'), lines);
    }
    else if (res) {
      const failed = res.checks.filter((c) => !c.ok);
      const lines = [];
      if (failed.some((c) => c.name === 'file')) lines.push(t('fileMismatch'));
      lines.push(t('failedSub') + ' ' + failed.map((c) => failLabel(c.name)).join('；'));
      verdict('bad', t('failed'), lines);
    }

    renderIssued(v);
    renderOFD(v);

    // facts
    const facts = $('facts');
    facts.replaceChildren();
    const fact = (k, val) => { if (val != null && val !== '') facts.append(el('dt', null, k), el('dd', null, val)); };
    if (!v.busy) {
      const fileCheck = res && res.checks.find((c) => c.name === 'file');
      let onChain = v.notOnChain ? t('no') : fileCheck ? (fileCheck.ok ? t('fileYes') : t('fileNo')) : v.doc ? '' : t('fileNotChecked');
      if (onChain) fact(v.notOnChain ? t('onChain') : t('fileOnChain'), el('strong', { class: onChain === t('fileYes') ? 'good' : onChain === t('fileNotChecked') ? '' : 'badtxt' }, onChain));
      if (hasRecords) {
        const recOK = res.checks.filter((c) => /^record\[/.test(c.name)).every((c) => c.ok);
        fact(t('records'), (recOK ? t('recordsOK') : t('recordsBad')).replace('{n}', recs.length));
      }
    }
    if (v.qrMatch != null) fact(t('qrFact'), el('strong', { class: v.qrMatch ? 'good' : 'badtxt', 'data-qr': v.qrMatch ? 'match' : 'mismatch' }, v.qrMatch ? t('fileYes') : t('fileNo')));
    const contracts = [...new Set(recs.map((r) => r.contract_id).filter(Boolean))];
    fact(t('contract'), contracts.join(', '));
    if (v.doc) fact(t('document'), v.doc.name + ' (' + v.doc.size + ' B)');
    if (v.hashes) { fact(t('docSM3'), el('code', null, v.hashes.sm3)); fact(t('docSHA'), el('code', null, v.hashes.sha256)); }
    const created = recs.find((r) => r.type === 'contract_created');
    const completed = recs.find((r) => r.type === 'contract_completed');
    if (created) fact(t('created'), fmtTime(created.time) + ' (UTC+8)');
    if (completed) fact(t('completed'), fmtTime(completed.time) + ' (UTC+8)');
    if (res && res.ok && v.bundle && v.bundle.checkpoint) fact(t('checkpoint'), t('checkpointVal').replace('{h}', v.bundle.checkpoint.height + 1));

    // signers
    const sb = $('signers').tBodies[0];
    sb.replaceChildren();
    let order = 0;
    for (const r of recs.filter((x) => x.type === 'contract_signed')) {
      const iv = recs.filter((x) => x.type === 'intent_verified' && x.actor === r.actor && x.contract_id === r.contract_id && x.index < r.index).pop();
      const intent = iv ? [methodLabel(iv.intent), el('br'), el('small', { class: 'muted' }, fmtTime(iv.time))] : [t('noIntent')];
      const identity = r.identity ? methodLabel(r.identity) : t('identityCA');
      sb.append(el('tr', { 'data-actor': r.actor }, el('td', null, String(++order)), el('td', { class: 'fp' }, el('code', null, r.actor)), el('td', null, identity), el('td', null, ...intent),
        el('td', { class: 'nowrap' }, fmtTime(r.time)), el('td', null, String(r.height))));
    }

    // timeline
    const tb = $('timeline').tBodies[0];
    tb.replaceChildren();
    for (const r of recs) {
      let what = typeLabel(r.type);
      if (r.type === 'intent_verified' && r.intent) what += ' · ' + methodLabel(r.intent);
      const who = r.actor ? fpNode(r.actor) : t('by') + r.org;
      tb.append(el('tr', { 'data-type': r.type, class: r.type === 'contract_signed' ? 'hl' : '' },
        el('td', null, String(r.index)), el('td', { class: 'nowrap' }, fmtTime(r.time)),
        el('td', null, el('span', { class: 'tag' + (r.type === 'contract_signed' ? ' sign' : '') }, what)),
        el('td', null, who), el('td', null, String(r.height))));
    }

    // checks, grouped: the chain and block first, then one row per record, then the file
    const cl = $('checks');
    cl.replaceChildren();
    const groups = new Map();
    const typeOf = new Map(recs.map((r) => [String(r.index), r.type]));
    for (const c of (res && res.checks) || []) {
      const m = /^record\[(\d+)\]\./.exec(c.name);
      const key = m ? 'r' + m[1] : c.name === 'file' ? 'file' : 'top';
      if (!groups.has(key)) groups.set(key, { idx: m && m[1], checks: [] });
      groups.get(key).checks.push(c);
    }
    for (const [key, g] of groups) {
      const ok = g.checks.every((c) => c.ok);
      let head;
      if (key === 'top') head = t('topChecks');
      else if (key === 'file') head = ok ? checkLabel('file') : t('fileFail');
      else head = t('recordGroup').replace('{i}', g.idx).replace('{e}', typeLabel(typeOf.get(g.idx)));
      const n = g.checks.length;
      const box = el('details', ok ? null : { open: '' },
        el('summary', null, el('span', { class: 'what' }, head + (ok ? '' : ' — ' + t('fail'))),
          el('span', { class: 'count' }, ok ? t('allPass').replace('{n}', n) : t('someFail').replace('{f}', g.checks.filter((c) => !c.ok).length).replace('{n}', n))));
      const li = el('li', { class: ok ? 'pass' : 'fail', 'data-group': key },
        el('span', { class: 'mark', title: ok ? t('pass') : t('fail') }, ok ? '✓' : '✕'), box);
      const sub = el('ul', { class: 'sub' });
      for (const c of g.checks) {
        sub.append(el('li', { class: c.ok ? 'pass' : 'fail', 'data-check': c.name },
          el('span', { class: 'sub-what' }, (c.ok ? '✓ ' : '✕ ') + (c.ok ? checkLabel(c.name) : failLabel(c.name))),
          el('span', { class: 'detail mono' }, c.detail)));
      }
      box.append(sub);
      if (key === 'file') cl.prepend(li); else cl.append(li);
    }

    // sources
    const src = $('sources');
    src.replaceChildren();
    const row = (k, val) => src.append(el('dt', null, k), el('dd', null, val));
    row(t('verifierSrc'), t('verifierVal'));
    row(t('docSrc'), v.doc ? t('docLocal') + v.doc.name : t('none'));
    if (v.report) row(v.issued ? docKindName(v.issued.facts.kind) : t('reportSrc'), v.report + ' — ' + (v.issued ? t('docSrcNote') : t('reportNote')));
    if (!v.notOnChain) row(t('bundleSrc'), v.bundleSource ? t('bundleFile') + v.bundleSource : t('bundleNode'));
    if (res || v.ofd) row(t('genesisSrc'), v.genesisSource ? t('genesisFile') + v.genesisSource : el('span', { class: 'note' }, t('genesisNode')));
  }

  document.addEventListener('DOMContentLoaded', () => {
    wireInputs();
    paintStatic();
    loadEngine();
  });
})();
