// Sealchain institution inbox. Notary and appraisal staff list the cases
// applied or commissioned to their organisation, open the evidence, accept
// or reject, and issue; an applicant (platform, court) lists the cases it
// opened, follows them and withdraws them. Every action is an API call to this node (docs/api.md,
// "Cases"); the node records it on chain. The browser authenticates as the
// node's API does: nothing in open mode (development), a TLS client
// certificate with [api] auth = "mtls" (docs/judicial-services.md, "The
// inbox page").
'use strict';
(function () {
  const T = {
    zh: {
      title: '机构案件收件箱', chain: '链', node: '节点机构', toVerify: '验证页面',
      intro: '公证机构、司法鉴定机构的工作人员在此查看向本机构提出的公证申请和鉴定委托，查阅证据包和已签署的合同文件，作出受理或不予受理的决定，并出具公证书或鉴定意见书。申请方（平台、法院）在此查看本方的案件并可撤回。每一步操作均记录在链上。',
      stAll: '全部', st_pending: '待受理', st_accepted: '已受理', st_rejected: '不予受理', st_withdrawn: '已撤回', st_issued: '已出具',
      kindAll: '全部类型', kind_notarization: '电子数据保全公证', kind_appraisal: '司法鉴定', kind_litigation: '诉讼（起诉）', kind_arbitration: '仲裁申请',
      f_docket: '案号', f_filed: '提交', f_contracts: '涉案合同', f_package: '案件材料包 SM3', f_size: '材料包大小（字节）', f_batch: '批次', f_held: '本节点持有材料包',
      held_true: '是（已与链上 SM3 核对）', held_false: '否',
      packageTitle: '案件材料包', packageIntro: '材料包只向提交方和受理机构提供。本节点从提交方节点取得材料包（或导入线下移交的 zip），与链上记录的 SM3 核对一致后才保存；立案前须先取得材料包。',
      fetchPackage: '从提交方节点获取', importPackage: '导入线下材料包 (zip)', getPackage: '下载材料包 (zip)',
      docketLabel: '案号（立案时可填）', docket: '立案', returnCase: '退回', more: '下一页',
      donePackage: '材料包已核对并保存：SM3 {h}。',
      ev_case_filed: '提交立案材料', ev_case_docketed: '立案审查', ev_case_filing_withdrawn: '撤回立案申请',
      refresh: '刷新', openById: '按编号打开', openIdPlaceholder: '案件编号',
      colCase: '案件编号', colKind: '类型', colContract: '合同编号', colApplicant: '申请方', colInstitution: '承办机构', colStatus: '状态', colOpened: '申请记录',
      listInstitution: '向本机构提出的案件', listApplicant: '本方提出的案件',
      empty_institution: '没有符合条件的案件。此处列出向本机构提出的公证申请、鉴定委托和立案申请；其他案件可按案件编号打开。',
      empty_applicant: '没有符合条件的案件。此处列出本方提出的公证申请、鉴定委托和起诉、仲裁申请；其他案件可按案件编号打开。', open: '打开',
      caseTitle: '案件', getBundle: '下载证据包 (bundle.json)', verifyHere: '在本浏览器中验证证据包', getSigned: '下载已签署的合同 (PDF)', getDocument: '下载出具的文书 (PDF)',
      f_kind: '类型', f_contract: '合同编号', f_applicant: '申请方', f_institution: '承办机构', f_status: '状态', f_scope: '公证事项范围', f_items: '鉴定事项',
      f_purpose: '用途', f_reason: '理由', f_number: '文书编号', f_document: '文书 SM3', f_opened: '立案', f_decided: '决定', f_closed: '结案', f_role: '本机构身份',
      role_institution: '承办机构', role_applicant: '申请方', role_viewer: '查阅方', blockN: '区块 {h}', recordN: '记录 #{i}',
      scope_contract: '合同', scope_signed_pdf: '已签署的 PDF 文件', scope_timeline: '全部链上记录',
      item_bundle: '证据包', item_pdf_signature: 'PDF 签名', item_certificates: '数字证书', item_intent: '签署意愿', item_time: '时间',
      purpose_litigation: '诉讼', purpose_arbitration: '仲裁', purpose_preservation: '证据保全', purpose_other: '其他',
      decideTitle: '受理决定', reasonLabel: '理由（不予受理时必填，将告知申请方）', accept: '受理', reject: '不予受理',
      reasonRequired: '不予受理必须填写理由。',
      issueTitle: '出具文书', numberLabel: '文书编号（可不填，由系统按规则生成）', conclusionLabel: '鉴定意见', conclusionNone: '按自动检验结果',
      concl_intact: '电子数据完整，未被篡改', concl_altered: '电子数据被篡改或无法通过验证', concl_undetermined: '无法判断',
      notesLabel: '检验记录与分析说明', examinersLabel: '鉴定人证书指纹（每行一个，须为本机构登记的证书）', issue: '出具',
      withdrawTitle: '撤回申请', withdrawReason: '撤回理由', withdraw: '撤回',
      history: '案件记录（链上）', colTime: '时间 (UTC+8)', colEvent: '事件', colWho: '机构', colBlock: '区块', colNote: '说明',
      ev_notarization_applied: '申请公证', ev_notarization_withdrawn: '撤回公证申请', ev_notarization_decided: '公证处决定', ev_notarization_issued: '出具公证书',
      ev_appraisal_commissioned: '委托鉴定', ev_appraisal_withdrawn: '撤回鉴定委托', ev_appraisal_decided: '鉴定机构决定', ev_appraisal_issued: '出具鉴定意见书',
      decision_1: '受理', decision_2: '不予受理', decision_accept: '受理', decision_reject: '不予受理', docketed_accept: '立案', docketed_reject: '退回',
      errorPrefix: '操作失败：', loading: '正在加载…',
      doneDecide: '决定已记录在链上：{s}。', doneIssue: '已出具，编号 {n}，文书 SM3 {h}。', doneWithdraw: '已撤回。',
      footer: '本页面只调用本节点的接口；公证书、鉴定意见书等文书的真伪请在验证页面或用 sealchain verify --file 离线核验，不必信任本节点。',
    },
    en: {
      title: 'Institution Inbox', chain: 'Chain', node: 'Node org', toVerify: 'Verification page',
      intro: 'Staff of notary offices and judicial appraisal institutions see here the applications and commissions addressed to their organisation, open the evidence bundle and the signed contract, accept or reject, and issue the notarial certificate or appraisal opinion. Applicants (platforms, courts) follow their own cases here and may withdraw them. Every step is recorded on chain.',
      stAll: 'All', st_pending: 'Pending', st_accepted: 'Accepted', st_rejected: 'Rejected', st_withdrawn: 'Withdrawn', st_issued: 'Issued',
      kindAll: 'All kinds', kind_notarization: 'Notarisation', kind_appraisal: 'Judicial appraisal', kind_litigation: 'Litigation (statement of claim)', kind_arbitration: 'Arbitration application',
      f_docket: 'Docket number', f_filed: 'Filed', f_contracts: 'Contracts', f_package: 'Case package SM3', f_size: 'Package size (bytes)', f_batch: 'Batch', f_held: 'Package held by this node',
      held_true: 'yes (checked against the SM3 on chain)', held_false: 'no',
      packageTitle: 'Case package', packageIntro: 'The package is served only to the filer and the receiving institution. This node fetches it from the filer\'s node (or imports a zip handed over offline) and keeps it only when its SM3 is the one on chain; a case is docketed only once its package is held.',
      fetchPackage: 'Fetch from the filer\'s node', importPackage: 'Import an offline package (zip)', getPackage: 'Download the package (zip)',
      docketLabel: 'Docket number (when docketing; optional)', docket: 'Docket', returnCase: 'Return', more: 'Next page',
      donePackage: 'Package checked and kept: SM3 {h}.',
      ev_case_filed: 'case filed', ev_case_docketed: 'docketed or returned', ev_case_filing_withdrawn: 'filing withdrawn',
      refresh: 'Refresh', openById: 'Open by ID', openIdPlaceholder: 'case ID',
      colCase: 'Case', colKind: 'Kind', colContract: 'Contract', colApplicant: 'Applicant', colInstitution: 'Institution', colStatus: 'Status', colOpened: 'Application record',
      listInstitution: 'Cases to this organisation', listApplicant: 'Cases this organisation opened',
      empty_institution: 'No cases match. This list shows the applications, commissions and filed cases addressed to this organisation; open any other case by its ID.',
      empty_applicant: 'No cases match. This list shows the applications, commissions and filings this organisation made; open any other case by its ID.', open: 'Open',
      caseTitle: 'Case', getBundle: 'Download the evidence bundle (bundle.json)', verifyHere: 'Verify the bundle in this browser', getSigned: 'Download the signed contract (PDF)', getDocument: 'Download the issued document (PDF)',
      f_kind: 'Kind', f_contract: 'Contract', f_applicant: 'Applicant', f_institution: 'Institution', f_status: 'Status', f_scope: 'Scope', f_items: 'Items to examine',
      f_purpose: 'Purpose', f_reason: 'Reason', f_number: 'Document number', f_document: 'Document SM3', f_opened: 'Opened', f_decided: 'Decided', f_closed: 'Closed', f_role: 'This organisation is',
      role_institution: 'the institution', role_applicant: 'the applicant', role_viewer: 'a viewer', blockN: 'block {h}', recordN: 'record #{i}',
      scope_contract: 'the contract', scope_signed_pdf: 'the signed PDF', scope_timeline: 'the whole timeline',
      item_bundle: 'evidence bundle', item_pdf_signature: 'PDF signatures', item_certificates: 'certificates', item_intent: 'signing intent', item_time: 'time',
      purpose_litigation: 'litigation', purpose_arbitration: 'arbitration', purpose_preservation: 'preservation', purpose_other: 'other',
      decideTitle: 'Decision', reasonLabel: 'Reason (required to reject; the applicant sees it)', accept: 'Accept', reject: 'Reject',
      reasonRequired: 'A reason is required to reject.',
      issueTitle: 'Issue the document', numberLabel: 'Document number (optional; generated by rule when empty)', conclusionLabel: 'Opinion', conclusionNone: 'from the automated checks',
      concl_intact: 'the data is complete and unaltered', concl_altered: 'the data was altered or does not verify', concl_undetermined: 'undetermined',
      notesLabel: 'Examination notes', examinersLabel: 'Examiner certificate fingerprints (one a line, registered to this organisation)', issue: 'Issue',
      withdrawTitle: 'Withdraw', withdrawReason: 'Reason for withdrawing', withdraw: 'Withdraw',
      history: 'Case records (on chain)', colTime: 'Time (UTC+8)', colEvent: 'Event', colWho: 'Organisation', colBlock: 'Block', colNote: 'Note',
      ev_notarization_applied: 'notarisation applied for', ev_notarization_withdrawn: 'application withdrawn', ev_notarization_decided: 'notary office decided', ev_notarization_issued: 'notarial certificate issued',
      ev_appraisal_commissioned: 'appraisal commissioned', ev_appraisal_withdrawn: 'commission withdrawn', ev_appraisal_decided: 'institution decided', ev_appraisal_issued: 'appraisal opinion issued',
      decision_1: 'accepted', decision_2: 'rejected', decision_accept: 'accepted', decision_reject: 'rejected', docketed_accept: 'docketed', docketed_reject: 'returned',
      errorPrefix: 'Failed: ', loading: 'Loading…',
      doneDecide: 'Decision recorded on chain: {s}.', doneIssue: 'Issued, number {n}, document SM3 {h}.', doneWithdraw: 'Withdrawn.',
      footer: 'This page only calls this node\'s API. Check an issued certificate or opinion on the verification page or offline with sealchain verify --file: you need not trust this node.',
    },
  };
  const $ = (id) => document.getElementById(id);
  const org = document.body.dataset.org;
  let lang = document.documentElement.dataset.lang === 'en' ? 'en' : 'zh';
  const t = (k) => (T[lang][k] != null ? T[lang][k] : k);
  const label = (prefix, v) => (T[lang][prefix + v] != null ? T[lang][prefix + v] : String(v));
  // An institution (notary office, appraisal institution, court or
  // arbitration commission: filed cases go to the last two) sees the cases
  // to it first; a platform the cases it opened or filed.
  const nodeRole = document.body.dataset.role;
  const state = { role: nodeRole === 'platform' ? 'applicant' : 'institution', status: '', kind: '', cases: [], open: null, records: [], next: 0, more: false };
  const filed = (c) => c && (c.kind === 'litigation' || c.kind === 'arbitration');

  // ---- the API ----
  // APIError carries the node's JSON error {code, message} as it was sent.
  class APIError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }
  async function call(method, path, body) {
    const init = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    const r = await fetch(path, init);
    if (!r.ok) throw await errorOf(r);
    return r;
  }
  async function json(method, path, body) { return (await call(method, path, body)).json(); }
  async function errorOf(r) {
    const text = await r.text();
    try {
      // httpjson.ErrorBody: {"error": {"code", "message"}}
      const b = JSON.parse(text);
      const e = b && typeof b.error === 'object' ? b.error : b;
      if (e && typeof e.message === 'string') return new APIError(r.status, e.code || String(r.status), e.message);
    } catch (_) { /* not JSON: show the status */ }
    return new APIError(r.status, String(r.status), text.slice(0, 300) || r.statusText);
  }
  const enc = encodeURIComponent;

  // ---- messages ----
  function showError(err) {
    const box = $('error');
    box.replaceChildren();
    if (!err) { box.hidden = true; return; }
    box.hidden = false;
    box.dataset.code = err.code || '';
    box.append(t('errorPrefix'));
    if (err.code) box.append(el('code', null, err.code), ' ');
    box.append(err.message || String(err));
  }
  // showDone shows an action's outcome; msg is a function of the language
  // (so that the language switch redraws it) or a string.
  let lastDone = null;
  function showDone(msg) {
    lastDone = msg || null;
    const box = $('done');
    const text = typeof msg === 'function' ? msg() : msg;
    box.hidden = !text;
    box.textContent = text || '';
  }

  // ---- list ----
  // loadList shows the first page (100 cases, newest first); more adds
  // the next one (the inbox pages through the node's case index).
  async function loadList(more) {
    const q = new URLSearchParams();
    if (state.status) q.set('status', state.status);
    if (state.kind) q.set('kind', state.kind);
    // GET /v1/cases?role=applicant|institution (docs/api.md, "Cases").
    q.set('role', state.role);
    q.set('limit', '100');
    if (more && state.next) q.set('after', String(state.next));
    try {
      const res = await json('GET', '/v1/cases?' + q);
      state.cases = (more ? state.cases : []).concat(res.cases || []);
      state.next = res.next || 0;
      state.more = !!res.more;
      showError(null);
    } catch (e) {
      if (!more) state.cases = [];
      state.more = false;
      showError(e);
    }
    renderList();
  }
  // openCase shows a case; keep leaves the last action's message up.
  async function openCase(id, keep) {
    if (!keep) showDone('');
    try {
      const res = await json('GET', '/v1/cases/' + enc(id));
      state.open = res.case;
      state.records = res.records || [];
      showError(null);
    } catch (e) {
      showError(e);
      return;
    }
    renderCase();
    if (!keep) $('case').scrollIntoView({ block: 'start' });
  }

  // ---- actions ----
  // act runs an action, then shows the case and the list again as the
  // node now has them, and the action's outcome last so that it stays up.
  async function act(fn) {
    showDone('');
    let err = null, msg = '';
    try {
      msg = await fn();
    } catch (e) {
      err = e;
    }
    if (state.open) await openCase(state.open.id, true);
    await loadList();
    if (err) showError(err); else showDone(msg);
  }
  function decide(decision) {
    const reason = $('decide-reason').value.trim();
    if (decision === 'reject' && !reason) {
      // The node refuses it too (400); the page says so before asking.
      showDone('');
      showError({ code: 'reason_required', message: t('reasonRequired') });
      $('decide-reason').focus();
      return;
    }
    const body = { decision, reason };
    if (filed(state.open) && decision === 'accept') body.docket_number = $('docket-number').value.trim();
    act(async () => {
      const res = await json('POST', '/v1/cases/' + enc(state.open.id) + '/decision', body);
      $('decide-reason').value = '';
      $('docket-number').value = '';
      return () => t('doneDecide').replace('{s}', label('st_', (res.case && res.case.status) || decision));
    });
  }
  function issue() {
    const body = {};
    const number = $('issue-number').value.trim();
    if (number) body.number = number;
    if (state.open.kind === 'appraisal') {
      const notes = $('issue-notes').value.trim();
      const conclusion = $('issue-conclusion').value;
      const examiners = $('issue-examiners').value.split(/\s+/).filter(Boolean);
      if (notes) body.notes = notes;
      if (conclusion) body.conclusion = conclusion;
      if (examiners.length) body.examiners = examiners;
    }
    act(async () => {
      const res = await json('POST', '/v1/cases/' + enc(state.open.id) + '/issue', body);
      return () => t('doneIssue').replace('{n}', res.number || '').replace('{h}', res.document_sm3 || '');
    });
  }
  function withdraw() {
    const c = state.open;
    const reason = $('withdraw-reason').value.trim();
    act(async () => {
      const kind = filed(c) ? 'filings' : c.kind === 'appraisal' ? 'appraisals' : 'notarizations';
      await json('POST', '/v1/' + kind + '/' + enc(c.id) + '/withdraw', { reason });
      $('withdraw-reason').value = '';
      return () => t('doneWithdraw');
    });
  }
  // fetchPackage has this node fetch the open case's package from the
  // filer's node; importPackage sends it a zip handed over offline. The
  // node keeps either only when its SM3 is the chain's.
  function fetchPackage() {
    act(async () => {
      const res = await json('POST', '/v1/cases/' + enc(state.open.id) + '/package/fetch', {});
      return () => t('donePackage').replace('{h}', (res.case && res.case.package_sm3) || '');
    });
  }
  function importPackage(file) {
    if (!file) return;
    act(async () => {
      const r = await fetch('/v1/cases/' + enc(state.open.id) + '/package', { method: 'PUT', headers: { 'Content-Type': 'application/zip' }, body: file });
      if (!r.ok) throw await errorOf(r);
      const res = await r.json();
      $('import-package').value = '';
      return () => t('donePackage').replace('{h}', (res.case && res.case.package_sm3) || '');
    });
  }
  // download fetches a file (so that an error shows as the node's message)
  // and hands it to the browser under name.
  async function download(path, name) {
    showDone('');
    try {
      const r = await call('GET', path);
      const url = URL.createObjectURL(await r.blob());
      const a = el('a', { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      showError(null);
    } catch (e) {
      showError(e);
    }
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
  // step names where a case step happened: the case gives the log index of
  // its record (opened_in, decided_in, closed_in); the case's records give
  // that record's block and time.
  function step(idx) {
    if (idx == null) return '';
    const r = state.records.find((x) => x.index === idx);
    if (!r) return t('recordN').replace('{i}', idx);
    return t('blockN').replace('{h}', r.height) + ' · ' + fmtTime(r.time) + ' (UTC+8)';
  }
  function statusTag(s) { return el('span', { class: 'tag st-' + s, 'data-status': s }, label('st_', s)); }
  function roleOf(c) { return c.institution === org ? 'institution' : c.applicant === org ? 'applicant' : 'viewer'; }

  function paintStatic() {
    document.querySelectorAll('[data-i18n]').forEach((n) => { n.textContent = t(n.dataset.i18n); });
    document.querySelectorAll('[data-set-lang]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.setLang === lang)));
    document.querySelectorAll('#status-filter [data-status]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.status === state.status)));
    document.querySelectorAll('#role-filter [data-list-role]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.listRole === state.role)));
    $('empty').dataset.i18n = 'empty_' + state.role;
    $('empty').textContent = t($('empty').dataset.i18n);
    $('open-id').placeholder = t('openIdPlaceholder');
  }

  function renderList() {
    const tb = $('cases').tBodies[0];
    tb.replaceChildren();
    for (const c of state.cases) {
      const btn = el('button', { type: 'button', class: 'small' }, t('open'));
      btn.addEventListener('click', () => openCase(c.id));
      tb.append(el('tr', { 'data-case': c.id, class: state.open && state.open.id === c.id ? 'hl' : '' },
        el('td', null, el('code', null, c.id)), el('td', null, label('kind_', c.kind)),
        el('td', null, el('code', null, c.contract_id)), el('td', null, c.applicant), el('td', null, c.institution),
        el('td', null, statusTag(c.status)), el('td', { class: 'nowrap' }, t('recordN').replace('{i}', c.opened_in)), el('td', null, btn)));
    }
    $('empty').hidden = state.cases.length > 0;
    $('more').hidden = !state.more;
  }

  function renderCase() {
    const c = state.open;
    $('case').hidden = !c;
    if (!c) return;
    $('case').dataset.case = c.id;
    $('case').dataset.status = c.status;
    $('case-id').textContent = c.id;
    const facts = $('case-facts');
    facts.replaceChildren();
    const fact = (k, v) => { if (v != null && v !== '' && !(Array.isArray(v) && !v.length)) facts.append(el('dt', null, t(k)), el('dd', { 'data-fact': k }, v)); };
    const role = roleOf(c);
    fact('f_kind', label('kind_', c.kind));
    fact('f_status', statusTag(c.status));
    fact('f_role', label('role_', role));
    fact('f_contract', el('code', null, c.contract_id));
    fact('f_applicant', c.applicant);
    fact('f_institution', c.institution);
    const sep = lang === 'en' ? ', ' : '、';
    if (c.scope) fact('f_scope', c.scope.map((s) => label('scope_', s)).join(sep));
    if (c.items) fact('f_items', c.items.map((s) => label('item_', s)).join(sep));
    if (c.purpose) fact('f_purpose', label('purpose_', c.purpose));
    fact('f_reason', c.reason);
    fact(filed(c) ? 'f_docket' : 'f_number', c.number);
    if (c.document_sm3) fact('f_document', el('code', null, c.document_sm3));
    if (filed(c)) {
      fact('f_contracts', (c.contracts || []).join(sep));
      fact('f_batch', c.batch_id);
      fact('f_package', el('code', null, c.package_sm3));
      fact('f_size', String(c.package_size));
      fact('f_held', label('held_', String(!!c.package_held)));
    }
    fact(filed(c) ? 'f_filed' : 'f_opened', step(c.opened_in));
    fact('f_decided', step(c.decided_in));
    fact('f_closed', step(c.closed_in));

    $('verify-link').href = '/verify?case=' + enc(c.id) + '&lang=' + lang;
    $('get-document').hidden = c.status !== 'issued';
    $('decide-card').hidden = !(role === 'institution' && c.status === 'pending');
    $('docket-field').hidden = !filed(c);
    $('accept').textContent = t(filed(c) ? 'docket' : 'accept');
    $('reject').textContent = t(filed(c) ? 'returnCase' : 'reject');
    $('package-card').hidden = !filed(c) || role === 'viewer';
    $('fetch-package').hidden = role !== 'institution' || !!c.package_held;
    $('import-label').hidden = role !== 'institution' || !!c.package_held;
    $('get-package').hidden = !c.package_held;
    $('get-signed').hidden = filed(c);
    $('issue-card').hidden = !(role === 'institution' && c.status === 'accepted' && !filed(c));
    document.querySelectorAll('#issue-card .appraisal-only').forEach((n) => { n.hidden = c.kind !== 'appraisal'; });
    $('withdraw-card').hidden = !(role === 'applicant' && (c.status === 'pending' || (c.status === 'accepted' && !filed(c))));

    const tb = $('history').tBodies[0];
    tb.replaceChildren();
    for (const r of state.records) {
      const b = r.body || {};
      let what = label('ev_', r.type);
      if (/_decided$|_docketed$/.test(r.type) && b.decision != null) what += ' · ' + label(r.type === 'case_docketed' ? 'docketed_' : 'decision_', b.decision);
      const note = [b.reason, b.number, b.docket_number, b.batch_id].filter(Boolean).join(' · ');
      tb.append(el('tr', { 'data-type': r.type },
        el('td', null, String(r.index)), el('td', { class: 'nowrap' }, fmtTime(r.time)),
        el('td', null, el('span', { class: 'tag' }, what)), el('td', null, r.org), el('td', null, String(r.height)), el('td', null, note)));
    }
    renderList();
  }

  function wire() {
    document.querySelectorAll('#status-filter [data-status]').forEach((b) => b.addEventListener('click', () => {
      state.status = b.dataset.status;
      paintStatic(); loadList();
    }));
    document.querySelectorAll('#role-filter [data-list-role]').forEach((b) => b.addEventListener('click', () => {
      state.role = b.dataset.listRole;
      paintStatic(); loadList();
    }));
    $('kind-filter').addEventListener('change', (e) => { state.kind = e.target.value; loadList(); });
    $('refresh').addEventListener('click', () => loadList());
    $('more').addEventListener('click', () => loadList(true));
    $('fetch-package').addEventListener('click', () => fetchPackage());
    $('import-package').addEventListener('change', (e) => importPackage(e.target.files[0]));
    $('get-package').addEventListener('click', () => download('/v1/cases/' + enc(state.open.id) + '/package', state.open.id + '.zip'));
    $('open-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const id = $('open-id').value.trim();
      if (id) openCase(id);
    });
    $('accept').addEventListener('click', () => decide('accept'));
    $('reject').addEventListener('click', () => decide('reject'));
    $('issue').addEventListener('click', () => issue());
    $('withdraw').addEventListener('click', () => withdraw());
    $('get-bundle').addEventListener('click', () => download('/v1/cases/' + enc(state.open.id) + '/bundle', state.open.id + '-bundle.json'));
    $('get-signed').addEventListener('click', () => download('/v1/cases/' + enc(state.open.id) + '/signed.pdf', state.open.contract_id + '-signed.pdf'));
    $('get-document').addEventListener('click', () => download('/v1/cases/' + enc(state.open.id) + '/document.pdf', (state.open.number || state.open.id) + '.pdf'));
    document.querySelectorAll('[data-set-lang]').forEach((b) => b.addEventListener('click', () => {
      lang = b.dataset.setLang;
      document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
      document.documentElement.dataset.lang = lang;
      paintStatic(); renderList(); renderCase();
      if (lastDone) showDone(lastDone);
    }));
  }

  document.addEventListener('DOMContentLoaded', () => {
    wire();
    paintStatic();
    loadList();
    const id = new URLSearchParams(location.search).get('case');
    if (id) openCase(id);
  });
})();
