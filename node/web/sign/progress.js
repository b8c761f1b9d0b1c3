// Sealchain initiator page: the progress of one contract (who signed, who is
// pending, what is on chain), reminders (催办) and downloads. It calls the
// platform API (/v1/wf/contracts/{id}, docs/workflow.md) with the platform's
// bearer token, which the operator types in and this tab keeps in
// sessionStorage only.
'use strict';
(function () {
  const T = {
    zh: {
      brand: '签署进度', skip: '跳到正文', loginTitle: '查看签署进度', show: '查看',
      loginText: '请输入平台 API 令牌（节点目录 config/workflow.token）。令牌只保存在本标签页中。',
      tokenLabel: 'API 令牌', tokenWrong: '令牌不正确。',
      parties: '签署方', chain: '链上记录', history: '操作记录', downloads: '下载',
      dlPdf: '下载当前合同 PDF', dlEvidence: '下载证据包（bundle.json）',
      meter: '已签署 {n}/{m} 方', created: '创建时间', sent: '发送时间', deadline: '签署截止', id: '合同编号', none: '无',
      order: { sequential: '顺序签署', parallel: '无序签署' },
      status: { draft: '草稿', signing: '签署中', signed: '已全部签署', completed: '已完成', declined: '已拒签', voided: '已撤销', expired: '已过期' },
      pstatus: { pending: '待签署', viewed: '已查看', signed: '已签署', declined: '已拒签' },
      turnNow: '当前签署方', viewedAt: '查看于 {t}', signedAt: '签署于 {t}', reminders: '已催办 {n} 次', reason: '原因：{r}', locked: '验证码错误过多，链接已锁定：请撤销后重新发送',
      remind: '催办', reminded: '已向 {who} 发送催办通知。',
      chainSum: '{c} 条已上链，{q} 条排队中', rejectedN: '，{r} 条被拒绝',
      rstatus: { queued: '排队中', committed: '已上链', rejected: '被拒绝' },
      ev: { created: '创建合同', sent: '发送签署链接', viewed: '查看合同', signed: '签署', completed: '合同完成', declined: '拒签', voided: '撤销', reminded: '催办', expired: '过期', renews: '续签' },
      rec: { contract_created: '合同创建', contract_sent: '合同发送', contract_viewed: '合同查看', intent_verified: '意愿认证', contract_signed: '签署', contract_completed: '合同完成', contract_declined: '拒签', contract_voided: '撤销', contract_reminded: '催办', contract_renewed: '续签', contract_expired: '过期' },
      fatal: { not_found: ['合同不存在', '没有这个合同编号。'], network: ['网络错误', '无法连接服务器。'], other: ['出错了', ''] },
      footer: '进度来自本节点的签署流程；链上记录可用证据包离线验证。',
    },
    en: {
      brand: 'Signing progress', skip: 'Skip to content', loginTitle: 'See the signing progress', show: 'Show',
      loginText: 'Enter the platform API token (config/workflow.token in the node home). It is kept in this tab only.',
      tokenLabel: 'API token', tokenWrong: 'Wrong token.',
      parties: 'Parties', chain: 'On-chain records', history: 'History', downloads: 'Downloads',
      dlPdf: 'Download the current PDF', dlEvidence: 'Download the evidence bundle (bundle.json)',
      meter: '{n} of {m} parties signed', created: 'Created', sent: 'Sent', deadline: 'Sign by', id: 'Contract ID', none: 'none',
      order: { sequential: 'signed in order', parallel: 'any order' },
      status: { draft: 'Draft', signing: 'Signing', signed: 'All signed', completed: 'Completed', declined: 'Declined', voided: 'Voided', expired: 'Expired' },
      pstatus: { pending: 'Pending', viewed: 'Viewed', signed: 'Signed', declined: 'Declined' },
      turnNow: 'Signing now', viewedAt: 'viewed {t}', signedAt: 'signed {t}', reminders: 'reminded {n}×', reason: 'reason: {r}', locked: 'link locked after too many wrong codes: void and send again',
      remind: 'Remind', reminded: 'Reminder sent to {who}.',
      chainSum: '{c} on chain, {q} queued', rejectedN: ', {r} rejected',
      rstatus: { queued: 'queued', committed: 'on chain', rejected: 'rejected' },
      ev: { created: 'Created', sent: 'Links sent', viewed: 'Viewed', signed: 'Signed', completed: 'Completed', declined: 'Declined', voided: 'Voided', reminded: 'Reminded', expired: 'Expired', renews: 'Renewal' },
      rec: { contract_created: 'Contract created', contract_sent: 'Contract sent', contract_viewed: 'Contract viewed', intent_verified: 'Intent verified', contract_signed: 'Signed', contract_completed: 'Completed', contract_declined: 'Declined', contract_voided: 'Voided', contract_reminded: 'Reminded', contract_renewed: 'Renewed', contract_expired: 'Expired' },
      fatal: { not_found: ['No such contract', 'There is no contract with this ID.'], network: ['Network error', 'Cannot reach the server.'], other: ['Something went wrong', ''] },
      footer: 'Progress comes from this node\'s signing workflow; the on-chain records can be verified offline with the evidence bundle.',
    },
  };
  const $ = (id) => document.getElementById(id);
  const seg = location.pathname.split('/').filter(Boolean);
  const id = seg[0] === 'wf' && seg[1] === 'contracts' && seg[2] ? decodeURIComponent(seg[2]) : '';
  const base = '/v1/wf/contracts/' + encodeURIComponent(id);
  const KEY = 'sealchain.wf.token';
  let lang = document.documentElement.dataset.lang === 'en' ? 'en' : 'zh';
  const t = (k) => T[lang][k];
  const fill = (s, v) => String(s).replace(/\{(\w+)\}/g, (_, k) => (v[k] === undefined ? '' : v[k]));
  const S = { phase: 'loading', c: null, fatal: null, loginErr: '', remindMsg: '', dlErr: '' };

  function token() { try { return sessionStorage.getItem(KEY) || ''; } catch (e) { return ''; } }
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }
  async function call(method, path, body, raw) {
    const opts = { method, cache: 'no-store', headers: { Authorization: 'Bearer ' + token() } };
    if (method === 'POST') {
      opts.headers['Content-Type'] = 'application/json';
      opts.headers['Idempotency-Key'] = newKey();
      opts.body = JSON.stringify(body || {});
    }
    let resp;
    try { resp = await fetch(base + path, opts); } catch (e) { throw { code: 'network', message: String(e) }; }
    if (resp.ok && raw) return resp.blob();
    let data = null;
    try { data = await resp.json(); } catch (e) { /* not JSON */ }
    if (!resp.ok) throw Object.assign((data && data.error) || { code: 'http_' + resp.status, message: resp.statusText }, { status: resp.status });
    return data;
  }
  function fmtTime(s) {
    if (!s) return '';
    const d = new Date(s);
    if (isNaN(d)) return s;
    return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(d) + ' (UTC+8)';
  }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of kids) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const name = (p) => [p.role, p.display_name].filter(Boolean).join(' · ');
  function turn(c, p) {
    if (c.status !== 'signing' || p.status === 'signed' || p.status === 'declined') return false;
    if (c.order !== 'sequential') return true;
    return !c.parties.some((q) => q.index < p.index && q.status !== 'signed');
  }

  let timer = 0;
  async function load() {
    clearTimeout(timer);
    if (!token()) { S.phase = 'login'; return render(); }
    try {
      S.c = await call('GET', '');
      S.phase = 'progress';
    } catch (e) {
      if (e.status === 401) {
        try { sessionStorage.removeItem(KEY); } catch (x) { /* private mode */ }
        S.phase = 'login'; S.loginErr = t('tokenWrong');
      } else { S.phase = 'fatal'; S.fatal = e; }
    }
    render();
    // Keep following while something can still change.
    const c = S.c;
    if (S.phase === 'progress' && c && (c.status === 'signing' || c.status === 'signed' || (c.chain && c.chain.pending > 0))) {
      timer = setTimeout(load, 3000);
    }
  }

  async function remind(p) {
    S.remindMsg = '';
    try {
      await call('POST', '/remind', { party: p.index });
      S.remindMsg = fill(t('reminded'), { who: name(p) });
    } catch (e) {
      S.remindMsg = (e.message || e.code);
    }
    load();
  }

  async function download(path, filename) {
    S.dlErr = '';
    try {
      const blob = await call('GET', path, null, true);
      const a = el('a', { href: URL.createObjectURL(blob), download: filename });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (e) {
      S.dlErr = e.message || e.code;
    }
    render();
  }

  function render() {
    document.querySelectorAll('[data-i18n]').forEach((e) => { e.textContent = t(e.dataset.i18n); });
    document.querySelectorAll('[data-set-lang]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.setLang === lang)));
    document.title = t('brand') + ' · Sealchain';
    document.body.dataset.phase = S.phase;
    $('login').hidden = S.phase !== 'login';
    $('login-err').textContent = S.loginErr;
    $('fatal').hidden = S.phase !== 'fatal';
    $('progress').hidden = S.phase !== 'progress';
    if (S.phase === 'fatal') {
      const F = t('fatal'), e = S.fatal || {};
      const [a, b] = F[e.code] || F.other;
      $('fatal-title').textContent = a;
      $('fatal-text').textContent = b || e.message || '';
    }
    if (S.phase !== 'progress' || !S.c) return;
    const c = S.c;
    $('c-title').textContent = c.title || c.id;
    $('c-status').textContent = t('status')[c.status] || c.status;
    $('c-status').dataset.status = c.status;
    $('c-order').textContent = t('order')[c.order] || c.order;
    const signed = c.parties.filter((p) => p.status === 'signed').length;
    $('meter').setAttribute('aria-valuemax', String(c.parties.length));
    $('meter').setAttribute('aria-valuenow', String(signed));
    $('meter-bar').style.width = (100 * signed / Math.max(1, c.parties.length)) + '%';
    $('meter-text').textContent = fill(t('meter'), { n: signed, m: c.parties.length });
    const facts = $('c-facts');
    facts.textContent = '';
    for (const [k, v, cls] of [['id', c.id, 'mono hash'], ['created', fmtTime(c.created_at)], ['sent', fmtTime(c.sent_at) || t('none')],
      ['deadline', fmtTime(c.deadline) || t('none')]]) {
      facts.append(el('div', {}, el('dt', { text: t(k) }), el('dd', { class: cls, text: v })));
    }

    const list = $('parties');
    list.textContent = '';
    for (const p of c.parties) {
      const now = turn(c, p);
      const tags = el('div', { class: 'tags' });
      if (now) tags.append(el('span', { class: 'tag turn', text: t('turnNow') }));
      if (p.signed_at) tags.append(el('span', { class: 'when', text: fill(t('signedAt'), { t: fmtTime(p.signed_at) }) }));
      else if (p.viewed_at) tags.append(el('span', { class: 'when', text: fill(t('viewedAt'), { t: fmtTime(p.viewed_at) }) }));
      if (p.reminders) tags.append(el('span', { class: 'when', text: fill(t('reminders'), { n: p.reminders }) }));
      if (p.locked) tags.append(el('span', { class: 'when badtxt', 'data-fact': 'locked', text: t('locked') }));
      if (p.declined_reason) tags.append(el('span', { class: 'when', text: fill(t('reason'), { r: p.declined_reason }) }));
      const li = el('li', { class: 'party' + (now ? ' turn' : ''), 'data-index': p.index, 'data-status': p.status },
        el('span', { class: 'num', 'aria-hidden': 'true', text: String(p.index + 1) }),
        el('div', { class: 'who' }, el('div', { class: 'pname', text: name(p) }), tags),
        el('span', { class: 'pill small', 'data-status': p.status, text: t('pstatus')[p.status] || p.status }));
      if (now) {
        const b = el('button', { type: 'button', class: 'btn ghost remind', 'data-party': p.index, text: t('remind'),
          'aria-label': t('remind') + ' ' + name(p) });
        b.addEventListener('click', () => remind(p));
        li.append(b);
      }
      list.append(li);
    }
    $('remind-msg').textContent = S.remindMsg;

    const recs = (c.chain && c.chain.records) || [];
    const n = (s) => recs.filter((r) => r.status === s).length;
    $('chain-sum').textContent = fill(t('chainSum'), { c: n('committed'), q: n('queued') }) + (n('rejected') ? fill(t('rejectedN'), { r: n('rejected') }) : '');
    const rl = $('records');
    rl.textContent = '';
    for (const r of recs) {
      rl.append(el('li', { 'data-type': r.type, 'data-status': r.status },
        el('span', { class: 'rtype', text: t('rec')[r.type] || r.type }),
        el('span', { class: 'pill small', 'data-status': r.status === 'committed' ? 'signed' : r.status === 'rejected' ? 'declined' : 'pending',
          text: (t('rstatus')[r.status] || r.status) + (r.index !== undefined && r.index !== null ? ' #' + r.index : '') }),
        el('span', { class: 'mono hash tx', text: r.tx })));
    }
    const hl = $('history');
    hl.textContent = '';
    for (const h of (c.history || []).slice().reverse()) {
      const who = h.party !== undefined && h.party !== null && c.parties[h.party] ? ' · ' + name(c.parties[h.party]) : '';
      hl.append(el('li', {}, el('span', { class: 'when', text: fmtTime(h.at) }), el('span', { text: (t('ev')[h.event] || h.event) + who })));
    }
    $('dl-err').textContent = S.dlErr;
  }

  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('token').value.trim();
    if (!v) return;
    try { sessionStorage.setItem(KEY, v); } catch (x) { /* private mode: not kept */ }
    S.loginErr = '';
    $('token').value = '';
    load();
  });
  $('dl-pdf').addEventListener('click', () => download('/pdf', id + '.pdf'));
  $('dl-evidence').addEventListener('click', () => download('/evidence', id + '-evidence.json'));
  document.querySelectorAll('[data-set-lang]').forEach((b) => b.addEventListener('click', () => {
    lang = b.dataset.setLang;
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.documentElement.dataset.lang = lang;
    render();
  }));
  if (!id) { S.phase = 'fatal'; S.fatal = { code: 'not_found' }; render(); } else load();
})();
