// Harness for DLTech21's ofd.js in a browser (signer/ofd/interop/ofdjs).
// ofdjs_test.go serves this directory and calls window.verifyOFD(url,
// width) or window.openOFD150(url); both resolve to plain JSON and set
// window.result. The checks are ofd.js's own (parseOfdDocument, the
// VerifyRet it computes for each signature, digestCheck); this file only
// collects them.
'use strict';

// ofd.js 0.2.6 keeps the digest inputs of a signature in a global Map,
// global.toBeChecked (signature ID -> [{fileData, hashed, checkMethod}]),
// but makes a new Map for every signature, so after parsing only the last
// signature's entry is reachable. Every Map assigned is kept here, so the
// references of every signature can be given to ofd.digestCheck.
const checkedMaps = [];
(function () {
  let current;
  Object.defineProperty(window, 'toBeChecked', {
    configurable: true,
    get() { return current; },
    set(m) { current = m; checkedMaps.push(m); },
  });
})();

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function hex(u8) {
  return Array.from(u8 || [], (b) => b.toString(16).padStart(2, '0')).join('');
}

function b64(u8) {
  let s = '';
  for (const b of u8) s += String.fromCharCode(b);
  return btoa(s);
}

async function fetchBytes(url) {
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(`GET ${url}: ${resp.status}`);
  return resp.arrayBuffer();
}

// verifyOFD parses the OFD at url with ofd.js 0.2.6, reports what ofd.js
// checked for each signature, and draws the pages (width px) into #pages.
window.verifyOFD = async function (url, width) {
  const status = document.getElementById('status');
  try {
    const buf = await fetchBytes(url);
    const t0 = performance.now();
    const docs = await new Promise((resolve, reject) => ofd.parseOfdDocument({
      ofd: buf, success: resolve, fail: (e) => reject(new Error(String(e))),
    }));
    const doc = docs[0];
    // ofd.js reads the referenced parts asynchronously after it has handed
    // over the array; wait until no array grows any more.
    let last = -1;
    for (let i = 0; i < 60; i++) {
      let n = 0;
      for (const m of checkedMaps) for (const arr of m.values()) n += arr.length;
      if (n === last) break;
      last = n;
      await sleep(50);
    }
    const digests = new Map();
    for (const m of checkedMaps) for (const [id, arr] of m) digests.set(String(id), arr);
    // Signatures with a drawable seal picture are in doc.stampAnnot (page ID
    // -> stamps); each stamp carries its signature's parse and VerifyRet.
    const sigs = new Map();
    for (const [page, stamps] of Object.entries(doc.stampAnnot || {})) {
      for (const s of stamps) {
        const info = s.stamp.signedInfo;
        const id = String(info.signatureID);
        let e = sigs.get(id);
        if (!e) {
          const ses = s.stamp.sealObj.SES_Signature || {};
          const tbs = ses.toSign || {};
          const seal = (tbs.eseal || {}).esealInfo || {};
          e = {
            id,
            verify_ret: info.VerifyRet,
            ses_version: ses.realVersion,
            seal_name: (seal.property || {}).name,
            seal_id: seal.esID,
            picture_type: s.stamp.sealObj.type,
            time_info: tbs.timeInfo,
            data_hash: tbs.dataHash,
            property_info: tbs.propertyInfo,
            stamps: [],
          };
          sigs.set(id, e);
        }
        e.stamps.push({ page, type: s.type, boundary: s.obj.boundary });
      }
    }
    const signatures = [];
    for (const [id, arr] of digests) {
      const e = sigs.get(id) || { id, verify_ret: null, stamps: [] };
      e.digest_ok = ofd.digestCheck(arr) === true;
      e.references = arr.map((r) => ({
        check_value: r.hashed, check_method: r.checkMethod, size: r.fileData.length,
        ok: ofd.digestCheck([r]) === true,
      }));
      signatures.push(e);
    }
    for (const [id, e] of sigs) if (!digests.has(id)) signatures.push(e);
    signatures.sort((a, b) => Number(a.id) - Number(b.id));
    const t1 = performance.now();
    const pages = document.getElementById('pages');
    pages.textContent = '';
    const divs = ofd.renderOfd(width || 800, doc);
    for (const d of divs) pages.appendChild(d);
    // Timings, for the test's log: parsing includes ofd.js's SM2 checks.
    const ms = { parse: Math.round(t1 - t0), render: Math.round(performance.now() - t1) };
    window.result = { ok: true, pages: divs.length, signatures, ms };
    status.textContent = signatures.map((s) =>
      `signature ${s.id} (${s.seal_name}): VerifyRet=${s.verify_ret} digestCheck=${s.digest_ok}`).join('\n');
  } catch (e) {
    window.result = { ok: false, error: String(e && e.stack || e) };
    status.textContent = 'ERROR ' + window.result.error;
  }
  return window.result;
};

// openOFD150 asks ofd.js 1.5.0 to open the OFD at url with its built-in
// licence key and reports what it answers.
window.openOFD150 = async function (url) {
  const status = document.getElementById('status');
  try {
    const buf = await fetchBytes(url);
    window.result = await new Promise((resolve) => ofd.parseOfdDocument({
      ofd: buf,
      success: (core) => resolve({ ok: true, signatures: (core.getAllSignature(0) || []).length }),
      fail: (e) => resolve({ ok: false, error: String(e) }),
    }));
  } catch (e) {
    window.result = { ok: false, error: String(e && e.stack || e) };
  }
  status.textContent = JSON.stringify(window.result);
  return window.result;
};
