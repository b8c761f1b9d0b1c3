// A TypeScript client generated from node/openapi/openapi.yaml
// (openapi-typescript types + openapi-fetch) against a real node, started
// as `make run` starts one: `sealchain init` on a fresh home (here in a
// temporary directory, on free 127.0.0.1 ports), then `sealchain start`.
// tsc checks the calls and their results against the generated types
// before this runs; the assertions check the values.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import createClient from "openapi-fetch";
import type { paths, components } from "../gen/schema.js";

const bin = resolve(process.env.SEALCHAIN_BIN ?? "../../bin/sealchain");
let home = "";
let node: ChildProcess | undefined;
let base = "";
let token = "";
let logs = "";

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? ok(a.port) : fail(new Error("no port"))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms; node log:\n${logs.slice(-3000)}`);
    await sleep(200);
  }
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), "sealchain-client-"));
  const [api, p2p] = [await freePort(), await freePort()];
  execFileSync(bin, ["init", "--home", home, "--api-listen", `127.0.0.1:${api}`,
    "--p2p-listen", `tcp://127.0.0.1:${p2p}`, "--rpc-listen", ""], { stdio: "pipe" });
  base = `http://127.0.0.1:${api}`;
  node = spawn(bin, ["start", "--home", home], { stdio: ["ignore", "pipe", "pipe"] });
  node.stdout?.on("data", (b: Buffer) => (logs += b.toString()));
  node.stderr?.on("data", (b: Buffer) => (logs += b.toString()));
  const pub = createClient<paths>({ baseUrl: base });
  await until("GET /healthz", async () => {
    const { data } = await pub.GET("/healthz");
    return data?.ok ? data : undefined;
  });
  // The node writes the workflow's bearer token on its first start.
  token = readFileSync(join(home, "config", "workflow.token"), "utf8").trim();
});

after(async () => {
  if (node && node.exitCode === null) {
    const done = new Promise((r) => node?.once("exit", r));
    node.kill("SIGTERM");
    await Promise.race([done, sleep(15_000)]);
    if (node.exitCode === null) node.kill("SIGKILL");
  }
  if (home) rmSync(home, { recursive: true, force: true });
});

// The workflow client: the bearer token on every call. Every POST needs
// a fresh Idempotency-Key, which the generated types require.
let seq = 0;
const idem = () => ({ "Idempotency-Key": `ts-client-${process.pid}-${++seq}` });
const wf = () => createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${token}` } });

test("status, orgs and the JSON error shape", async () => {
  const c = createClient<paths>({ baseUrl: base });
  const st = await c.GET("/v1/status");
  assert.equal(st.response.status, 200);
  assert.equal(st.data?.chain_id, "sealchain-dev");
  assert.equal(st.data?.org, "platform");
  assert.equal(typeof st.data?.log_size, "number");

  const orgs = await c.GET("/v1/orgs");
  assert.deepEqual(orgs.data?.orgs.map((o) => [o.id, o.role]), [["platform", "platform"]]);

  const missing = await c.GET("/v1/contracts/{id}", { params: { path: { id: "no-such-contract" } } });
  assert.equal(missing.response.status, 404);
  assert.equal(missing.error?.error.code, "not_found");
  assert.match(missing.error?.error.message ?? "", /no-such-contract/);

  const spec = await fetch(`${base}/openapi.yaml`);
  assert.equal(spec.status, 200);
  // The node serves the document the client was generated from.
  assert.equal(await spec.text(), readFileSync("../../node/openapi/openapi.yaml", "utf8"));
});

test("identities, a template contract, signing links, signing and its evidence bundle", async () => {
  const c = wf();
  const people = [
    { name: "张三", id_number: "11010519491231002X", phone: "13800138000" },
    { name: "李四", id_number: "440304198510101232", phone: "13800138001" },
  ];
  const ids: string[] = [];
  for (const person of people) {
    const { data, error, response } = await c.POST("/v1/wf/identities", {
      params: { header: idem() },
      body: { kind: "person", method: "carrier_3factor", person },
    });
    assert.equal(response.status, 201, JSON.stringify(error));
    assert.ok(data && !("identity" in data), "a person is verified at once (201), not pending (202)");
    assert.equal(data.kind, "person");
    assert.equal(data?.status, "verified");
    assert.match(data?.cert_fingerprint ?? "", /^[0-9a-f]{64}$/);
    const identity: components["schemas"]["Identity"] = data!;
    ids.push(identity.id);
  }

  const tpl = await c.GET("/v1/wf/templates/{id}", { params: { path: { id: "service_agreement" } } });
  assert.equal(tpl.data?.id, "service_agreement");

  const created = await c.POST("/v1/wf/contracts", {
    params: { header: idem() },
    body: {
      title: "服务协议 (TypeScript client)", order: "sequential",
      template: { id: "service_agreement", fields: { contract_no: "SA-TS-1", party_a: "张三", party_b: "李四",
        service: "软件开发", start_date: "2026-12-01", end_date: "2027-11-30", fee: "¥100000", city: "北京" } },
      parties: [{ identity_id: ids[0]!, role: "party_a" }, { identity_id: ids[1]!, role: "party_b" }],
    },
  });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  const id = created.data!.id;
  assert.equal(created.data?.parties.length, 2);

  const sent = await c.POST("/v1/wf/contracts/{id}/send", { params: { path: { id }, header: idem() }, body: {} });
  assert.equal(sent.response.status, 200, JSON.stringify(sent.error));
  const links = sent.data?.links ?? [];
  assert.deepEqual(links.map((l) => l.party), [0, 1]);

  const signer = createClient<paths>({ baseUrl: base }); // the link is the credential
  for (const link of links) {
    const path = { token: link.token };
    const view = await signer.GET("/v1/sign/{token}", { params: { path } });
    assert.equal(view.data?.contract_id, id);
    assert.equal(view.data?.title, "服务协议 (TypeScript client)");
    const sentCode = await signer.POST("/v1/sign/{token}/code", { params: { path, header: idem() }, body: {} });
    assert.equal(sentCode.response.status, 200, JSON.stringify(sentCode.error));
    const code = await until("the SMS code in the outbox", async () => {
      const { data } = await c.GET("/v1/wf/outbox", { params: { query: { limit: 1000 } } });
      const msgs = (data?.messages ?? []) as { params?: Record<string, string> }[];
      const m = msgs.filter((m) => m.params?.contract_id === id && m.params?.party === String(link.party) && m.params?.code).pop();
      return m?.params?.code;
    });
    const signed = await signer.POST("/v1/sign/{token}/sign", { params: { path, header: idem() }, body: { method: "sms", code } });
    assert.equal(signed.response.status, 200, JSON.stringify(signed.error));
    assert.match(signed.data?.signed_sm3 ?? "", /^[0-9a-f]{64}$/);
  }

  const done = await until("the contract completed on chain", async () => {
    const { data } = await c.GET("/v1/wf/contracts/{id}", { params: { path: { id } } });
    return data?.status === "completed" && data.chain?.pending === 0 ? data : undefined;
  });
  assert.ok((done.chain?.records ?? []).every((r) => r.status === "committed"));

  const bundle = await c.GET("/v1/wf/contracts/{id}/evidence", { params: { path: { id } } });
  assert.equal(bundle.response.status, 200, JSON.stringify(bundle.error));
  assert.equal(bundle.data?.chain_id, "sealchain-dev");
  assert.ok((bundle.data?.records.length ?? 0) >= 6, `${bundle.data?.records.length} records`);

  // The same bundle from the chain API (auth "open" on a development home).
  const chainBundle = await createClient<paths>({ baseUrl: base }).GET("/v1/evidence", { params: { query: { contract_id: id } } });
  assert.equal(chainBundle.data?.records.length, bundle.data?.records.length);
});
