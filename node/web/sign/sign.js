// Sealchain signing page (H5): one party opens their one-time link, reads the
// contract, proves intent with an SMS code and signs, or declines. The link's
// token is the credential; every call goes to /v1/sign/{token} on this node
// (docs/workflow.md, "Signer API"). No external resources.
'use strict';
(function () {
  const T = {
    zh: {
      brand: '电子合同签署', preview: '在此页预览 PDF', sealArea: '签署位置', pageN: '第 {p} 页', skip: '跳到正文', loading: '正在加载合同…',
      stepRead: '阅读合同', stepVerify: '验证身份', stepDone: '完成',
      you: '您的身份', deadline: '签署截止', contractId: '合同编号', noDeadline: '无',
      parties: '签署方', document: '合同文件', openPdf: '下载合同 PDF',
      noViewer: '此浏览器无法直接显示 PDF，请下载后阅读。以下为文件摘要。',
      ofdNoPicture: '本节点无法显示 OFD 页面图片，请下载合同文件，用 OFD 阅读器（如数科、福昕 OFD）阅读。',
      ofdPage: 'OFD 第 {p} 页（签署位置所在页），由本节点绘制的图片；以文件本身为准', ofdUnsupported: '图片未能显示：{u}', openOfd: '下载合同 OFD', dlSignedOfd: '下载已签署的合同 OFD',
      docName: '文件', docSize: '大小', docPages: '页数', docHash: '文件 SM3 哈希', docOf: '签署方数',
      bytes: '{n} 字节', pagesN: '{n} 页',
      order: { sequential: '顺序签署', parallel: '无序签署' },
      status: { draft: '草稿', signing: '签署中', signed: '已全部签署', completed: '已完成', declined: '已拒签', voided: '已撤销', expired: '已过期' },
      pstatus: { pending: '待签署', viewed: '已查看', signed: '已签署', declined: '已拒签' },
      turnNow: '当前签署方', youTag: '您',
      agree: '我已阅读并同意合同全部内容，同意使用电子签名签署',
      getCode: '获取短信验证码', sign: '确认签署', decline: '拒绝签署',
      sealWhere: '签署时，您的印章将加盖在第 {p} 页的签署位置。',
      codeSent: '验证码已发送至 {to}，{m} 分钟内有效。', codeLabel: '短信验证码（6 位数字）',
      codeNeeded: '请输入 6 位数字验证码。', resend: '重新获取验证码', resendIn: '重新获取（{s} 秒）',
      signing: '正在签署…', sending: '正在发送…',
      declineTitle: '拒绝签署', reasonLabel: '拒签原因（将告知发起方）', reasonNeeded: '请填写拒签原因。',
      declineConfirm: '确认拒签', back: '返回',
      declineIntent: '拒签将终止本合同，需用短信验证码确认是您本人操作。',
      notYourTurn: '还未轮到您签署', notYourTurnText: '本合同按顺序签署，请等待 {who} 签署后再来。届时您会再次收到通知。',
      refresh: '刷新',
      signedTitle: '签署成功', signedText: '您已完成签署，签署记录已登记到区块链。', signedTextPending: '您已完成签署，签署记录正在登记到区块链。',
      rejected: '区块链拒绝了签署记录，请联系发起方。',
      allDone: '所有签署方均已签署，合同已完成。', waitOthers: '正在等待其他签署方签署。',
      declinedTitle: '您已拒签', declinedText: '已通知发起方，本合同已终止。',
      signedAt: '签署时间', declinedAt: '拒签时间', method: '意愿认证', sms: '短信验证码', block: '区块高度', tx: '交易哈希', record: '链上记录',
      cStatus: '合同状态', signedHash: '签署后文件 SM3', pending: '正在上链…', committed: '已上链',
      dlSigned: '下载已签署的合同 PDF', dlEvidence: '下载证据包（bundle.json）', evidenceLater: '证据包将在记录上链后提供。',
      fatal: {
        not_found: ['链接无效', '该签署链接不存在或已失效。请联系合同发起方重新发送。'],
        contract_voided: ['合同已撤销', '发起方已撤销本合同，无需再签署。'],
        contract_declined: ['合同已被拒签', '有签署方拒绝签署，本合同已终止。'],
        contract_expired: ['签署已过期', '本合同已超过签署截止时间，链接已失效。请联系发起方续签。'],
        link_used: ['链接已使用', '该链接已用于签署或拒签，不能再次使用。'],
        link_locked: ['链接已锁定', '验证码错误次数过多，该签署链接已锁定。请联系发起方撤销后重新发送合同。'],
        network: ['网络错误', '无法连接服务器，请检查网络后刷新重试。'],
        other: ['出错了', ''],
      },
      err: {
        otp_mismatch: '验证码错误，还可尝试 {n} 次。', otp_mismatch_nocount: '验证码错误，请重新输入。',
        otp_attempts: '错误次数过多，该验证码已失效，请重新获取。', otp_expired: '验证码已过期，请重新获取。',
        otp_required: '请先获取验证码。', otp_purpose: '该验证码不能用于此操作，请重新获取。', not_your_turn: '还未轮到您签署。', wrong_state: '合同当前状态不允许此操作。',
        tx_rejected: '区块链拒绝了该记录：', network: '网络错误，请重试。', other: '操作失败：',
        face_mismatch: '人脸核验未通过，请重新拍摄本人正面照片。', face_read: '无法读取该照片，请重新拍摄。',
        otp_cooldown: '获取过于频繁，请 {s} 秒后再获取验证码。', otp_hourly_limit: '一小时内获取验证码的次数已达上限，请 {m} 分钟后再试。',
        otp_code_limit: '该链接获取验证码的次数已达上限，请联系发起方重新发送合同。',
      },
      faceSign: '刷脸签署（拍摄本人照片）', face: '人脸识别', faceReading: '正在核验…',
      footer: '签署记录（查看、意愿认证、签署）登记在由', footerEnd: '共同维护的区块链上；链上只保存哈希，不保存您的个人信息。',
    },
    en: {
      brand: 'Contract signing', preview: 'Preview the PDF here', sealArea: 'Your signing area', pageN: 'page {p}', skip: 'Skip to content', loading: 'Loading the contract…',
      stepRead: 'Read', stepVerify: 'Verify', stepDone: 'Done',
      you: 'You sign as', deadline: 'Sign by', contractId: 'Contract ID', noDeadline: 'none',
      parties: 'Parties', document: 'Document', openPdf: 'Download the contract PDF',
      noViewer: 'This browser cannot show the PDF here; download it to read it. Summary below.',
      ofdNoPicture: 'This node cannot draw OFD pages: download the contract and read it in an OFD reader.',
      ofdPage: 'OFD page {p} (where you sign), a picture drawn by this node; the file itself is authoritative', ofdUnsupported: 'not shown in the picture: {u}', openOfd: 'Download the contract OFD', dlSignedOfd: 'Download the signed OFD',
      docName: 'File', docSize: 'Size', docPages: 'Pages', docHash: 'File SM3 hash', docOf: 'Parties',
      bytes: '{n} bytes', pagesN: '{n} pages',
      order: { sequential: 'signed in order', parallel: 'any order' },
      status: { draft: 'Draft', signing: 'Signing', signed: 'All signed', completed: 'Completed', declined: 'Declined', voided: 'Voided', expired: 'Expired' },
      pstatus: { pending: 'Pending', viewed: 'Viewed', signed: 'Signed', declined: 'Declined' },
      turnNow: 'Signing now', youTag: 'you',
      agree: 'I have read the whole contract, agree to it and agree to sign electronically',
      getCode: 'Send me an SMS code', sign: 'Sign', decline: 'Decline to sign',
      sealWhere: 'Your seal will be placed in your signing area on page {p}.',
      codeSent: 'Code sent to {to}; valid for {m} minutes.', codeLabel: 'SMS code (6 digits)',
      codeNeeded: 'Enter the 6-digit code.', resend: 'Send a new code', resendIn: 'Send a new code ({s} s)',
      signing: 'Signing…', sending: 'Sending…',
      declineTitle: 'Decline to sign', reasonLabel: 'Reason (the sender will see it)', reasonNeeded: 'Please give a reason.',
      declineConfirm: 'Decline', back: 'Back',
      declineIntent: 'Declining ends the contract for every party: confirm it is you with an SMS code.',
      notYourTurn: 'Not your turn yet', notYourTurnText: 'This contract is signed in order: {who} must sign first. You will be notified when it is your turn.',
      refresh: 'Refresh',
      signedTitle: 'Signed', signedText: 'You have signed; the signing records are on the blockchain.', signedTextPending: 'You have signed; the signing records are being registered on the blockchain.',
      rejected: 'The blockchain rejected the signing record; please contact the sender.',
      allDone: 'Every party has signed: the contract is complete.', waitOthers: 'Waiting for the other parties to sign.',
      declinedTitle: 'You declined', declinedText: 'The sender has been told; this contract is closed.',
      signedAt: 'Signed at', declinedAt: 'Declined at', method: 'Intent', sms: 'SMS code', block: 'Block height', tx: 'Transaction', record: 'On-chain record',
      cStatus: 'Contract status', signedHash: 'Signed file SM3', pending: 'being recorded…', committed: 'on chain',
      dlSigned: 'Download the signed PDF', dlEvidence: 'Evidence bundle (bundle.json)', evidenceLater: 'The evidence bundle is available once the records are on chain.',
      fatal: {
        not_found: ['Link not valid', 'This signing link does not exist or no longer works. Ask the sender to send it again.'],
        contract_voided: ['Contract voided', 'The sender voided this contract; there is nothing to sign.'],
        contract_declined: ['Contract declined', 'A party declined to sign; this contract is closed.'],
        contract_expired: ['Link expired', 'The deadline of this contract has passed. Ask the sender to renew it.'],
        link_used: ['Link already used', 'This link was already used to sign or decline and cannot be used again.'],
        link_locked: ['Link locked', 'Too many wrong codes: this signing link is locked. Ask the sender to void the contract and send it again.'],
        network: ['Network error', 'Cannot reach the server. Check your connection and reload.'],
        other: ['Something went wrong', ''],
      },
      err: {
        otp_mismatch: 'Wrong code: {n} attempts left.', otp_mismatch_nocount: 'Wrong code; try again.',
        otp_attempts: 'Too many wrong codes: this code no longer works. Request a new one.', otp_expired: 'The code has expired. Request a new one.',
        otp_required: 'Request a code first.', otp_purpose: 'That code was sent for another action; request a new one.', not_your_turn: 'It is not your turn yet.', wrong_state: 'The contract does not allow this now.',
        tx_rejected: 'The blockchain rejected the record: ', network: 'Network error; please try again.', other: 'Failed: ',
        otp_cooldown: 'Too soon: ask for a new code in {s} s.', otp_hourly_limit: 'This link has had all the codes it may get this hour; try again in {m} min.',
        otp_code_limit: 'This link has received all the codes it may. Ask the sender to send the contract again.',
        face_mismatch: 'The face check failed: take a photo of your face again.', face_read: 'Cannot read that photo; take it again.',
      },
      faceSign: 'Sign with a photo of your face', face: 'Face', faceReading: 'Checking…',
      footer: 'Signing records (viewed, intent, signature) are registered on a blockchain run by ', footerEnd: '; only hashes go on chain, never your personal data.',
    },
  };

  const $ = (id) => document.getElementById(id);
  const seg = location.pathname.split('/').filter(Boolean);
  const token = seg[0] === 'sign' && seg[1] ? decodeURIComponent(seg[1]) : '';
  const base = '/v1/sign/' + encodeURIComponent(token);
  let lang = document.documentElement.dataset.lang === 'en' ? 'en' : 'zh';
  const t = (k) => T[lang][k];
  const fill = (s, vars) => String(s).replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined ? '' : vars[k]));

  // phase: loading | fatal | read | wait | closed | code | decline | done
  const S = { phase: 'loading', view: null, result: null, fatal: null, sent: null, codeErr: '', reasonErr: '',
    busy: false, resendAt: 0, closed: null };

  // ---- the API ----
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }
  async function call(method, path, body) {
    const opts = { method, cache: 'no-store', headers: { Accept: 'application/json' } };
    if (method === 'POST') {
      opts.headers['Content-Type'] = 'application/json';
      opts.headers['Idempotency-Key'] = newKey();
      opts.body = JSON.stringify(body || {});
    }
    let resp;
    try {
      resp = await fetch(base + path, opts);
    } catch (e) {
      throw { code: 'network', message: String((e && e.message) || e) };
    }
    let data = null;
    try { data = await resp.json(); } catch (e) { /* not JSON */ }
    if (!resp.ok) {
      const err = (data && data.error) || { code: 'http_' + resp.status, message: resp.statusText };
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  // ---- formatting ----
  function fmtTime(s) {
    if (!s) return '';
    const d = new Date(s);
    if (isNaN(d)) return s;
    const f = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', {
      timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    return f.format(d) + ' (UTC+8)';
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
  function kv(dl, label, value, attrs) {
    const dd = el('dd', attrs || {});
    if (value instanceof Node) dd.append(value); else dd.textContent = value;
    dl.append(el('div', {}, el('dt', { text: label }), dd));
  }
  const partyName = (p) => [p.role, p.display_name].filter(Boolean).join(' · ');
  const attemptsLeft = (e) => {
    if (typeof e.attempts_left === 'number') return e.attempts_left;
    const m = /(\d+)/.exec(e.message || '');
    return m ? parseInt(m[1], 10) : null;
  };

  // ---- state transitions ----
  async function load() {
    if (!token) { S.fatal = { code: 'not_found' }; S.phase = 'fatal'; return render(); }
    try {
      S.view = await call('GET', '');
    } catch (e) {
      S.fatal = e; S.phase = 'fatal'; return render();
    }
    decide();
    render();
    if (S.phase === 'done') pollResult();
  }

  // decide picks the phase from the view.
  function decide() {
    const v = S.view, me = v.party || {};
    S.closed = null;
    if (me.status === 'signed' || me.status === 'declined' || v.link_used) {
      S.phase = 'done';
      return;
    }
    if (me.locked) {
      S.closed = 'link_locked';
      S.phase = 'closed';
      return;
    }
    if (v.status === 'voided' || v.status === 'declined' || v.status === 'expired') {
      S.closed = 'contract_' + v.status;
      S.phase = 'closed';
      return;
    }
    const late = v.deadline && new Date(v.deadline) < new Date();
    if (v.status !== 'signing' || late || v.can_sign === false && me.turn !== false) {
      // Past the deadline the node refuses; its expiry record may not be in yet.
      S.closed = late ? 'contract_expired' : 'wrong_state';
      S.phase = 'closed';
      return;
    }
    S.phase = me.turn === false ? 'wait' : (S.phase === 'code' || S.phase === 'decline' ? S.phase : 'read');
  }

  async function refreshView() {
    try { S.view = await call('GET', ''); decide(); } catch (e) { S.fatal = e; S.phase = 'fatal'; }
    render();
  }

  // An API error during an action: closed contracts and used links end the
  // flow; the others stay on the form with a message.
  function actionError(e, where) {
    if (e.code === 'not_your_turn') { return refreshView().then(() => { if (S.phase !== 'wait') { S.phase = 'wait'; render(); } }); }
    if (/^contract_(voided|declined|expired)$/.test(e.code)) { S.closed = e.code; S.phase = 'closed'; return render(); }
    if (e.code === 'link_used') { S.phase = 'done'; render(); return pollResult(); }
    if (e.code === 'link_locked') { S.closed = e.code; S.phase = 'closed'; return render(); }
    if (typeof e.retry_after_seconds === 'number') { S.resendAt = Date.now() + e.retry_after_seconds * 1000; tick(); }
    const E = t('err');
    let msg;
    switch (e.code) {
      case 'otp_mismatch': {
        const n = attemptsLeft(e);
        msg = n === null ? E.otp_mismatch_nocount : fill(E.otp_mismatch, { n });
        break;
      }
      case 'otp_attempts': case 'otp_expired': case 'otp_required': case 'wrong_state': case 'network': case 'face_mismatch': case 'face_read':
        msg = E[e.code]; break;
      case 'otp_cooldown': case 'otp_hourly_limit': {
        const s = typeof e.retry_after_seconds === 'number' ? e.retry_after_seconds : 60;
        msg = fill(E[e.code], { s, m: Math.max(1, Math.ceil(s / 60)) });
        break;
      }
      case 'otp_code_limit': msg = E.otp_code_limit; break;
      case 'tx_rejected': msg = E.tx_rejected + (e.message || ''); break;
      default: msg = E.other + (e.message || e.code);
    }
    S[where] = msg;
    S.errCode = e.code;
    render();
  }

  // resendAtOf is when the node takes another code request.
  const resendAtOf = (sent) => {
    const at = sent && sent.resend_after ? new Date(sent.resend_after).getTime() : NaN;
    return isNaN(at) ? Date.now() + 60000 : at;
  };

  async function sendCode() {
    if (S.busy) return;
    S.busy = true; S.codeErr = ''; render();
    try {
      S.sent = await call('POST', '/code', {});
      S.resendAt = resendAtOf(S.sent);
      S.phase = 'code';
      S.busy = false;
      render();
      $('code').value = '';
      $('code').focus();
      tick();
    } catch (e) {
      S.busy = false;
      actionError(e, 'codeErr');
    }
  }

  async function sign(ev) {
    ev.preventDefault();
    if (S.busy) return;
    const code = $('code').value.replace(/\D/g, '');
    if (code.length !== 6) { S.codeErr = t('codeNeeded'); S.errCode = 'local'; render(); $('code').focus(); return; }
    S.busy = true; S.codeErr = ''; render();
    try {
      S.signed = await call('POST', '/sign', { method: 'sms', code });
      S.method = 'sms';
      S.busy = false;
      S.phase = 'done';
      await refreshView();
      S.phase = 'done';
      render();
      $('r-title').focus();
      pollResult();
    } catch (e) {
      S.busy = false;
      await actionError(e, 'codeErr');
      if (S.phase === 'code') { $('code').select(); $('code').focus(); }
    }
  }

  // readFace scales a photo down to at most 480 px (a phone photo is several
  // MB; the API takes 256 KB) and returns it as base64 JPEG.
  function readFace(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onerror = () => reject(new Error('read'));
      r.onload = () => {
        const img = new Image();
        img.onerror = () => reject(new Error('decode'));
        img.onload = () => {
          const k = Math.min(1, 480 / Math.max(img.width, img.height));
          const c = document.createElement('canvas');
          c.width = Math.max(1, Math.round(img.width * k));
          c.height = Math.max(1, Math.round(img.height * k));
          c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
          resolve(c.toDataURL('image/jpeg', 0.85).split(',')[1]);
        };
        img.src = r.result;
      };
      r.readAsDataURL(file);
    });
  }

  // signFace signs with intent by face: the photo goes to the API's face
  // check instead of an SMS code.
  async function signFace() {
    const file = $('face-file').files[0];
    $('face-file').value = '';
    if (!file || S.busy) return;
    S.busy = true; S.codeErr = ''; render();
    let capture;
    try {
      capture = await readFace(file);
    } catch (e) {
      S.busy = false;
      return actionError({ code: 'face_read' }, 'codeErr');
    }
    try {
      S.signed = await call('POST', '/sign', { method: 'face', face_token: capture });
      S.method = 'face';
      S.busy = false;
      await refreshView();
      S.phase = 'done';
      render();
      $('r-title').focus();
      pollResult();
    } catch (e) {
      S.busy = false;
      await actionError(e, 'codeErr');
    }
  }

  // sendDeclineCode texts a code for declining (allowed before one's turn).
  async function sendDeclineCode() {
    if (S.busy || Date.now() < S.resendAt) return;
    S.busy = true; S.reasonErr = ''; render();
    try {
      // A code is bound to its purpose: this one declines, and cannot sign.
      S.declineSent = await call('POST', '/code', { purpose: 'decline' });
      S.resendAt = resendAtOf(S.declineSent);
      S.busy = false;
      render();
      $('decline-code').focus();
      tick();
    } catch (e) {
      S.busy = false;
      actionError(e, 'reasonErr');
    }
  }

  // decline closes the contract for everyone, so it needs a code like signing.
  async function decline(ev) {
    ev.preventDefault();
    if (S.busy) return;
    const reason = $('reason').value.trim();
    if (!reason) { S.reasonErr = t('reasonNeeded'); render(); $('reason').focus(); return; }
    const code = $('decline-code').value.replace(/\D/g, '');
    if (code.length !== 6) {
      S.reasonErr = S.declineSent ? t('codeNeeded') : t('err').otp_required;
      render();
      (S.declineSent ? $('decline-code') : $('decline-send-code')).focus();
      return;
    }
    S.busy = true; S.reasonErr = ''; render();
    try {
      await call('POST', '/decline', { reason, method: 'sms', code });
      S.busy = false;
      await refreshView();
      S.phase = 'done';
      render();
      $('r-title').focus();
      pollResult();
    } catch (e) {
      S.busy = false;
      actionError(e, 'reasonErr');
    }
  }

  // pollResult fetches the outcome until this party's records are on chain
  // (or two minutes pass).
  let polling = false;
  async function pollResult() {
    if (polling) return;
    polling = true;
    const until = Date.now() + 120000;
    while (Date.now() < until) {
      try {
        S.result = await call('GET', '/result');
      } catch (e) {
        if (e.code !== 'network') break;
      }
      render();
      if (S.result && !pendingFor(S.result)) break;
      await new Promise((r) => setTimeout(r, 700));
    }
    polling = false;
  }
  function pendingFor(r) {
    if (r.records && r.records.length) return r.records.some((x) => x.status === 'queued');
    if (typeof r.pending_records === 'number') return r.pending_records > 0;
    return !r.chain || r.chain.pending > 0;
  }

  // turnOf says whether party p may sign now: in a sequential contract the
  // first party that has not signed, in a parallel one every such party.
  function turnOf(v, p) {
    if (v.status !== 'signing' || p.status === 'signed' || p.status === 'declined') return false;
    if (typeof p.turn === 'boolean') return p.turn;
    if (v.order !== 'sequential') return true;
    return !(v.parties || []).some((q) => q.index < p.index && q.status !== 'signed');
  }

  let ticking = false;
  function tick() {
    if (ticking) return;
    ticking = true;
    const step = () => {
      paintResend();
      if ((S.phase === 'code' || S.phase === 'decline' || S.phase === 'read') && Date.now() < S.resendAt) setTimeout(step, 1000); else { ticking = false; paintResend(); }
    };
    step();
  }

  // ---- rendering ----
  function paintStatic() {
    document.querySelectorAll('[data-i18n]').forEach((e) => { e.textContent = t(e.dataset.i18n); });
    document.querySelectorAll('[data-set-lang]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.setLang === lang)));
    document.title = t('brand') + ' · Sealchain';
  }

  function render() {
    paintStatic();
    document.body.dataset.phase = S.phase;
    document.body.setAttribute('aria-busy', String(S.busy));
    $('loading').hidden = S.phase !== 'loading';
    $('fatal').hidden = S.phase !== 'fatal';
    $('contract').hidden = S.phase === 'loading' || S.phase === 'fatal';
    $('result').hidden = S.phase !== 'done';
    paintSteps();
    if (S.phase === 'fatal') return paintFatal();
    if (!S.view) return;
    paintContract();
    paintActions();
    if (S.phase === 'done') paintResult();
  }

  function paintSteps() {
    const idx = { loading: 0, read: 0, wait: 0, closed: 0, decline: 0, code: 1, done: 2, fatal: -1 }[S.phase];
    $('steps').hidden = idx < 0;
    $('steps').querySelectorAll('li').forEach((li, i) => {
      li.classList.toggle('on', i === idx);
      li.classList.toggle('past', i < idx);
      if (i === idx) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    });
  }

  function paintFatal() {
    const F = t('fatal'), e = S.fatal || {};
    const [title, text] = F[e.code] || F.other;
    $('fatal').dataset.code = e.code || 'other';
    $('fatal-title').textContent = title;
    $('fatal-text').textContent = text || e.message || e.code || '';
  }

  function paintContract() {
    const v = S.view, me = v.party || {};
    $('c-title').textContent = v.title || v.contract_id;
    const st = $('c-status');
    st.textContent = t('status')[v.status] || v.status;
    st.dataset.status = v.status;
    $('c-order').textContent = t('order')[v.order] || v.order || '';
    $('c-you').textContent = partyName(me);
    $('c-deadline').textContent = v.deadline ? fmtTime(v.deadline) : t('noDeadline');
    $('c-id').textContent = v.contract_id || '';
    $('c-id').classList.add('hash');

    // The party list, in signing order, with this party and the current turn marked.
    const list = $('parties');
    list.textContent = '';
    const parties = (v.parties || []).slice().sort((a, b) => a.index - b.index);
    if (!parties.some((p) => p.index === me.index)) parties.push(me);
    parties.sort((a, b) => a.index - b.index);
    for (const p0 of parties) {
      const p = p0.index === me.index ? Object.assign({}, p0, me) : p0;
      const mine = p.index === me.index;
      const turn = turnOf(v, p);
      const li = el('li', { class: 'party' + (mine ? ' mine' : '') + (turn ? ' turn' : ''), 'data-index': p.index, 'data-status': p.status });
      li.append(el('span', { class: 'num', 'aria-hidden': 'true', text: String(p.index + 1) }));
      const who = el('div', { class: 'who' }, el('div', { class: 'pname', text: partyName(p) }));
      const tags = el('div', { class: 'tags' });
      if (mine) tags.append(el('span', { class: 'tag you', text: t('youTag') }));
      if (turn) tags.append(el('span', { class: 'tag turn', text: t('turnNow') }));
      const at = p.signed_at || (mine && p.status === 'signed' ? v.signed_at : '');
      if (at) tags.append(el('span', { class: 'when', text: fmtTime(at) }));
      who.append(tags);
      li.append(who);
      li.append(el('span', { class: 'pill small', 'data-status': p.status, text: t('pstatus')[p.status] || p.status }));
      list.append(li);
    }

    // The document: the browser's own viewer where it has one; always a
    // summary and a download link (headless and some mobile browsers have none).
    const pdfURL = (S.result && S.result.download_url) || v.pdf_url || base + '/pdf';
    // The in-page viewer is opt-in: on a phone it is a small box inside a
    // scrolling page, and a new PDF would be fetched on every open.
    // An OFD is shown as a picture of the signing area's page, drawn by the
    // node (browsers have no OFD viewer), or not at all when the node has no
    // renderer: then the page says so rather than show something wrong.
    const isOFD = v.format === 'ofd';
    const viewer = !isOFD && navigator.pdfViewerEnabled === true;
    $('pdf-preview').hidden = !viewer;
    $('pdf-note').hidden = viewer || isOFD;
    $('ofd-note').hidden = !isOFD || !!v.page_pictures;
    $('ofd-page').hidden = !isOFD || !v.page_pictures;
    if (isOFD && v.page_pictures) {
      const pg = (v.party && v.party.area && v.party.area.page) || 1;
      const src = base + '/page/' + pg;
      const img = $('ofd-img');
      if (img.dataset.src !== src + '#' + (v.current_sm3 || '')) {
        img.dataset.src = src + '#' + (v.current_sm3 || '');
        img.alt = t('document') + ': ' + (v.title || '');
        $('ofd-caption').textContent = fill(t('ofdPage'), { p: pg });
        img.onerror = () => { $('ofd-page').hidden = true; $('ofd-note').hidden = false; };
        img.onload = () => { img.dataset.loaded = '1'; };
        fetch(src).then((r) => {
          if (!r.ok) throw new Error(String(r.status));
          const u = r.headers.get('X-Sealchain-Unsupported');
          if (u) $('ofd-caption').textContent += ' · ' + fill(t('ofdUnsupported'), { u });
          return r.blob();
        }).then((b) => { img.src = URL.createObjectURL(b); }).catch(() => img.onerror());
      }
    }
    const box = $('pdf-box');
    if (viewer && $('pdf-preview').open && box.dataset.src !== pdfURL) {
      box.textContent = '';
      box.append(el('iframe', { src: pdfURL, title: t('document') + ': ' + (v.title || '') }));
      box.dataset.src = pdfURL;
    }
    const doc = v.document || {};
    const facts = $('doc-facts');
    facts.textContent = '';
    if (doc.pages) kv(facts, t('docPages'), fill(t('pagesN'), { n: doc.pages }));
    if (doc.size) kv(facts, t('docSize'), fill(t('bytes'), { n: doc.size.toLocaleString() }));
    kv(facts, t('docOf'), String(parties.length));
    const sm3 = doc.sm3 || v.current_sm3 || v.doc_sm3;
    if (sm3) kv(facts, t('docHash'), sm3, { class: 'mono hash' });
    const open = $('doc-open');
    open.href = pdfURL;
    open.setAttribute('download', (v.contract_id || 'contract') + (isOFD ? '.ofd' : '.pdf'));
    open.dataset.i18n = isOFD ? 'openOfd' : 'openPdf';
    open.textContent = t(open.dataset.i18n);
  }

  function paintActions() {
    const v = S.view, me = v.party || {}, ph = S.phase;
    $('act-read').hidden = ph !== 'read';
    $('act-code').hidden = ph !== 'code';
    $('act-decline').hidden = ph !== 'decline';

    // A notice above the parties: not your turn, or the contract is closed.
    const n = $('notice');
    n.textContent = '';
    n.hidden = true;
    delete n.dataset.kind;
    if (ph === 'wait') {
      const before = (v.parties || []).filter((p) => p.index < me.index && p.status !== 'signed').map(partyName);
      n.dataset.kind = 'not_your_turn';
      n.className = 'notice warn';
      n.append(el('strong', { text: t('notYourTurn') }), el('p', { text: fill(t('notYourTurnText'), { who: before.join('、') || '…' }) }));
      const b = el('button', { type: 'button', class: 'btn ghost', text: t('refresh') });
      b.addEventListener('click', refreshView);
      n.append(b);
      n.hidden = false;
    } else if (ph === 'closed') {
      const F = t('fatal')[S.closed];
      n.dataset.kind = S.closed;
      n.className = 'notice bad';
      n.append(el('strong', { text: F ? F[0] : t('err').wrong_state }), el('p', { text: F ? F[1] : '' }));
      n.hidden = false;
    }

    // Seal preview.
    const sp = $('seal-preview');
    const seal = v.seal_png_url || base + '/seal.png';
    if (!sp.dataset.failed) {
      if ($('seal-img').getAttribute('src') !== seal) $('seal-img').src = seal;
      $('seal-img').alt = t('you') + ': ' + partyName(me);
      $('seal-where').textContent = fill(t('sealWhere'), { p: (me.area && me.area.page) || 1 });
      sp.hidden = false;
    }
    $('send-code').disabled = !$('agree').checked || S.busy;
    $('face-opt').hidden = !(v.intent_methods || []).includes('face');
    $('face-sign').disabled = !$('agree').checked || S.busy;
    $('face-sign').textContent = S.busy && ph === 'read' ? t('faceReading') : t('faceSign');
    $('send-code').textContent = S.busy && ph === 'read' ? t('sending') : t('getCode');
    // A failure to send the code shows under its button.
    $('read-err').textContent = ph === 'read' ? S.codeErr || '' : '';

    if (ph === 'code') {
      const s = S.sent || {};
      const mins = s.expires_at ? Math.max(1, Math.round((new Date(s.expires_at) - Date.now()) / 60000)) : 5;
      $('code-sent').textContent = fill(t('codeSent'), { to: s.sent_to || me.phone_masked || '', m: mins });
      $('sign').disabled = S.busy;
      $('sign').textContent = S.busy ? t('signing') : t('sign');
      paintResend();
    }
    const ce = $('code-err');
    ce.textContent = S.codeErr || '';
    ce.dataset.code = S.codeErr ? (S.errCode || '') : '';
    $('code').setAttribute('aria-invalid', String(!!S.codeErr));
    const re = $('reason-err');
    re.textContent = S.reasonErr || '';
    re.dataset.code = S.reasonErr ? (S.errCode || '') : '';
    $('decline').disabled = S.busy;
    if (ph === 'decline') {
      const s = S.declineSent;
      $('decline-sent').textContent = s ? fill(t('codeSent'), { to: s.sent_to || me.phone_masked || '',
        m: s.expires_at ? Math.max(1, Math.round((new Date(s.expires_at) - Date.now()) / 60000)) : 5 }) : '';
    }
    paintResend();
  }

  // paintResend shows the wait before another code on the buttons that ask for one.
  function paintResend() {
    const left = Math.ceil((S.resendAt - Date.now()) / 1000);
    const r = $('resend');
    r.disabled = left > 0 || S.busy;
    r.textContent = left > 0 ? fill(t('resendIn'), { s: left }) : t('resend');
    const d = $('decline-send-code');
    d.disabled = left > 0 || S.busy;
    d.textContent = left > 0 ? fill(t('resendIn'), { s: left }) : (S.declineSent ? t('resend') : t('getCode'));
  }

  function paintResult() {
    const v = S.view, me = v.party || {}, r = S.result || {};
    const declined = (r.party_status || me.status) === 'declined';
    const box = $('result');
    box.className = 'card state ' + (declined ? 'warn' : 'ok');
    box.dataset.outcome = declined ? 'declined' : 'signed';
    $('r-mark').textContent = declined ? '✕' : '✓';
    $('r-title').textContent = declined ? t('declinedTitle') : t('signedTitle');
    const cstatus = r.contract_status || v.status;
    const recs = r.records || [];
    const pending = !S.result || pendingFor(r);
    const rejected = recs.some((x) => x.status === 'rejected');
    $('r-text').textContent = declined ? t('declinedText')
      : (pending ? t('signedTextPending') : t('signedText')) + (lang === 'en' ? ' ' : '') + (cstatus === 'completed' || cstatus === 'signed' ? t('allDone') : t('waitOthers'));

    const facts = $('r-facts');
    facts.textContent = '';
    if (declined) {
      const at = r.declined_at || v.declined_at;
      if (at) kv(facts, t('declinedAt'), fmtTime(at), { 'data-fact': 'declined_at' });
    } else {
      const at = r.signed_at || v.signed_at || me.signed_at;
      if (at) kv(facts, t('signedAt'), fmtTime(at), { 'data-fact': 'signed_at' });
    }
    if (!declined) kv(facts, t('method'), t(S.method === 'face' ? 'face' : 'sms'), { 'data-fact': 'method' });
    kv(facts, t('cStatus'), t('status')[cstatus] || cstatus, { 'data-fact': 'contract_status' });
    const main = recs.find((x) => x.type === 'contract_signed' || x.type === 'contract_declined');
    if (rejected) {
      kv(facts, t('record'), t('rejected'), { 'data-fact': 'chain', class: 'badtxt' });
    } else if (main && main.status === 'committed') {
      kv(facts, t('block'), String(main.height), { 'data-fact': 'height', class: 'mono' });
      kv(facts, t('tx'), main.tx, { 'data-fact': 'tx', class: 'mono hash' });
    } else if (main && main.tx) {
      kv(facts, t('tx'), main.tx, { 'data-fact': 'tx', class: 'mono hash' });
      kv(facts, t('record'), t('pending'), { 'data-fact': 'chain', class: 'pending' });
    } else {
      kv(facts, t('record'), pending ? t('pending') : t('committed'), { 'data-fact': 'chain', class: pending ? 'pending' : 'good' });
    }
    const signedSM3 = (S.signed && S.signed.signed_sm3) || me.signed_sm3;
    if (!declined && signedSM3) kv(facts, t('signedHash'), signedSM3, { class: 'mono hash' });

    const dl = $('r-downloads');
    dl.textContent = '';
    if (!declined) {
      dl.append(el('a', { class: 'btn primary block', id: 'dl-pdf', href: r.download_url || v.pdf_url || base + '/pdf',
        download: (v.contract_id || 'contract') + (v.format === 'ofd' ? '-signed.ofd' : '-signed.pdf'), text: t(v.format === 'ofd' ? 'dlSignedOfd' : 'dlSigned') }));
    }
    if (pending) {
      dl.append(el('p', { class: 'muted small', text: t('evidenceLater') }));
    } else {
      dl.append(el('a', { class: 'btn ghost block', id: 'dl-evidence', href: r.evidence_url || base + '/evidence',
        download: (v.contract_id || 'contract') + '-evidence.json', text: t('dlEvidence') }));
    }
  }

  // ---- wiring ----
  function wire() {
    document.querySelectorAll('[data-set-lang]').forEach((b) => b.addEventListener('click', () => {
      lang = b.dataset.setLang;
      document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
      document.documentElement.dataset.lang = lang;
      const u = new URL(location.href);
      u.searchParams.set('lang', lang);
      history.replaceState(null, '', u);
      render();
    }));
    $('agree').addEventListener('change', () => render());
    $('pdf-preview').addEventListener('toggle', () => render());
    $('seal-img').addEventListener('error', () => { $('seal-preview').dataset.failed = '1'; $('seal-preview').hidden = true; });
    $('send-code').addEventListener('click', sendCode);
    $('face-sign').addEventListener('click', () => $('face-file').click());
    $('face-file').addEventListener('change', signFace);
    $('resend').addEventListener('click', sendCode);
    $('act-code').addEventListener('submit', sign);
    $('code').addEventListener('input', (e) => {
      const d = e.target.value.replace(/\D/g, '').slice(0, 6);
      if (d !== e.target.value) e.target.value = d;
    });
    $('show-decline').addEventListener('click', () => { S.phase = 'decline'; S.reasonErr = ''; render(); $('reason').focus(); });
    $('cancel-decline').addEventListener('click', () => { S.phase = 'read'; decide(); render(); });
    $('act-decline').addEventListener('submit', decline);
    $('decline-send-code').addEventListener('click', sendDeclineCode);
    $('decline-code').addEventListener('input', (e) => {
      const d = e.target.value.replace(/\D/g, '').slice(0, 6);
      if (d !== e.target.value) e.target.value = d;
    });
  }

  wire();
  render();
  load();
})();
