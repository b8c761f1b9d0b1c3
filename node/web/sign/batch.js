// Sealchain batch signing page (批量签署): lists the contracts of a batch
// link (title, counterparties, role) before the signer confirms, asks ONE
// SMS code and signs them all (POST /v1/batch-sign/{token}/sign,
// docs/workflow.md "Batch signing"). The link's token is read from the URL.
'use strict';
(function () {
  const T = {
    zh: {
      brand: '批量签署', skip: '跳到正文', loading: '正在加载…', you: '签署人', phone: '验证码发送至',
      title: '请确认以下 {n} 份合同', count: '待签署合同（{n} 份）',
      explain: '确认后，系统将用您的数字证书分别签署每一份合同，每份合同各自生成签名和链上记录；意愿认证只需一次。',
      confirmTitle: '意愿认证', getCode: '获取短信验证码', codeLabel: '6 位验证码', signAll: '确认签署全部 {n} 份合同',
      sentTo: '验证码已发送至 {p}，{m} 分钟内有效。', counter: '对方：{c}', role: '身份：{r}', deadline: '截止：{d}', skipped: '无法签署：{r}',
      codeBad: '请输入 6 位数字验证码。', signing: '正在签署…',
      done: '已签署 {n} 份合同', doneText: '每份合同均已加盖您的签章并提交上链。{s}', skippedN: '{n} 份未能签署。',
      fatal: { not_found: ['链接无效', '没有这个批量签署链接。'], link_used: ['链接已使用', '这批合同已经签署。'], network: ['网络错误', '无法连接服务器。'], other: ['出错了', ''] },
      footer: '每份合同的签署记录均可用证据包离线验证。',
    },
    en: {
      brand: 'Batch signing', skip: 'Skip to content', loading: 'Loading…', you: 'Signer', phone: 'Code sent to',
      title: 'Please review these {n} contracts', count: 'Contracts to sign ({n})',
      explain: 'When you confirm, each contract is signed on its own with your certificate and gets its own signature and on-chain record; you confirm your intent once.',
      confirmTitle: 'Confirm your intent', getCode: 'Text me a code', codeLabel: '6-digit code', signAll: 'Sign all {n} contracts',
      sentTo: 'Code sent to {p}, valid for {m} minutes.', counter: 'With: {c}', role: 'As: {r}', deadline: 'Sign by: {d}', skipped: 'Cannot be signed: {r}',
      codeBad: 'Enter the 6-digit code.', signing: 'Signing…',
      done: '{n} contracts signed', doneText: 'Each contract carries your seal and was submitted to the chain. {s}', skippedN: '{n} could not be signed.',
      fatal: { not_found: ['Invalid link', 'There is no such batch signing link.'], link_used: ['Link used', 'This batch was already signed.'], network: ['Network error', 'Cannot reach the server.'], other: ['Something went wrong', ''] },
      footer: 'Every contract\'s records can be verified offline with its evidence bundle.',
    },
  };
  const $ = (id) => document.getElementById(id);
  const seg = location.pathname.split('/').filter(Boolean);
  const tok = seg[0] === 'sign' && seg[1] === 'batch' && seg[2] ? seg[2] : '';
  const base = '/v1/batch-sign/' + encodeURIComponent(tok);
  let lang = document.documentElement.dataset.lang === 'en' ? 'en' : 'zh';
  const t = (k) => T[lang][k];
  const fill = (s, v) => String(s).replace(/\{(\w+)\}/g, (_, k) => (v[k] === undefined ? '' : v[k]));
  let view = null;

  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return 'page-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }
  async function api(method, path, body) {
    const opt = { method, headers: {} };
    if (method === 'POST') {
      opt.headers['Content-Type'] = 'application/json';
      opt.headers['Idempotency-Key'] = newKey();
      opt.body = JSON.stringify(body || {});
    }
    const res = await fetch(base + path, opt);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const e = new Error((data.error && data.error.message) || res.statusText);
      e.code = (data.error && data.error.code) || 'other';
      throw e;
    }
    return data;
  }
  function fatal(code, msg) {
    const f = t('fatal')[code] || t('fatal').other;
    $('loading').hidden = true; $('batch').hidden = true;
    $('fatal').hidden = false;
    $('fatal-title').textContent = f[0];
    $('fatal-text').textContent = f[1] || msg || '';
  }
  function texts() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll('[data-set-lang]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.setLang === lang)));
    if (view) render();
  }
  function render() {
    const ok = view.contracts.filter((c) => c.can_sign);
    $('b-title').textContent = fill(t('title'), { n: view.contracts.length });
    $('b-you').textContent = view.display_name;
    $('b-phone').textContent = view.phone_masked || '';
    $('b-count').textContent = fill(t('count'), { n: view.contracts.length });
    const list = $('b-list');
    list.textContent = '';
    view.contracts.forEach((c, i) => {
      const li = document.createElement('li');
      li.className = 'party';
      li.dataset.status = c.can_sign ? 'pending' : 'declined';
      const num = document.createElement('span'); num.className = 'num'; num.textContent = String(i + 1);
      const who = document.createElement('div'); who.className = 'who';
      const name = document.createElement('div'); name.className = 'pname'; name.textContent = c.title;
      const tags = document.createElement('div'); tags.className = 'tags small muted';
      const bits = [fill(t('counter'), { c: c.counterparties.join('、') })];
      if (c.role) bits.push(fill(t('role'), { r: c.role }));
      if (c.deadline) bits.push(fill(t('deadline'), { d: c.deadline.slice(0, 10) }));
      if (!c.can_sign && c.reason) bits.push(fill(t('skipped'), { r: c.reason }));
      tags.textContent = bits.join(' · ');
      const id = document.createElement('div'); id.className = 'mono small muted'; id.textContent = c.contract_id;
      who.append(name, tags, id);
      li.append(num, who);
      list.append(li);
    });
    $('sign-all').textContent = fill(t('signAll'), { n: ok.length });
    $('sign-all').disabled = ok.length === 0;
  }
  async function load() {
    if (!tok) { fatal('not_found'); return; }
    try {
      view = await api('GET', '');
    } catch (e) { fatal(e.code, e.message); return; }
    if (view.status !== 'open') { fatal('link_used'); return; }
    $('loading').hidden = true;
    $('batch').hidden = false;
    render();
  }
  $('get-code').addEventListener('click', async () => {
    $('code-err').textContent = '';
    try {
      const s = await api('POST', '/code');
      const mins = Math.max(1, Math.round((Date.parse(s.expires_at) - Date.now()) / 60000));
      $('code-sent').textContent = fill(t('sentTo'), { p: s.sent_to, m: mins });
      $('code').focus();
    } catch (e) { $('code-err').textContent = e.message; }
  });
  $('confirm').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const code = $('code').value.trim();
    if (!/^[0-9]{6}$/.test(code)) {
      $('code').setAttribute('aria-invalid', 'true');
      $('code-err').textContent = t('codeBad');
      return;
    }
    $('code').removeAttribute('aria-invalid');
    $('sign-all').disabled = true;
    $('sign-all').textContent = t('signing');
    try {
      const r = await api('POST', '/sign', { method: 'sms', code });
      $('batch').hidden = true;
      $('result').hidden = false;
      $('r-title').textContent = fill(t('done'), { n: r.signed });
      $('r-text').textContent = fill(t('doneText'), { s: r.skipped ? fill(t('skippedN'), { n: r.skipped }) : '' });
      $('r-title').focus();
    } catch (e) {
      $('code-err').textContent = e.message;
      render();
    }
  });
  document.querySelectorAll('[data-set-lang]').forEach((b) => b.addEventListener('click', () => { lang = b.dataset.setLang; texts(); }));
  texts();
  load();
})();
