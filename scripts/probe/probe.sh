#!/usr/bin/env bash
# The outside probe of a running node (issue #12): a fresh single-node home
# with [api] auth = "signed" on free 127.0.0.1 ports, hostile requests with
# curl and scripts/probe/probetool, then the node stopped, its home searched
# for secrets, and everything removed. Prints one "PROBE | name | observed"
# line per check (the table in docs/security.md comes from them).
#
#   scripts/probe/probe.sh            (or: make probe; needs bin/sealchain, curl, jq)
#
# Only 127.0.0.1 is contacted: webhook targets elsewhere are only submitted
# to the subscription API, which must refuse them before connecting (also
# the inet_aton forms 2130706433, 0x7f.1, 017700000001 of 127.0.0.1). The redirect check restarts the node with
# webhook_allow = ["127.0.0.1"] and a receiver on 127.0.0.1. otp_cooldown is
# set to 3s so that the lock after otp_max_failures is reached in seconds.
# Bounded: about 300 requests, a few minutes; PROBE_KEEP=1 keeps the temp dir.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SEALCHAIN:-$ROOT/bin/sealchain}
T=$(mktemp -d /tmp/sealchain-probe.XXXXXX)
H=$T/home
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -n "${PROBE_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

say() { printf 'PROBE | %s | %s\n' "$1" "$2"; }
(cd "$ROOT" && go build -o "$T/probetool" ./scripts/probe/probetool) || exit 1
PT=$T/probetool

read -r API P2P RPC < <("$PT" ports 3 | tr '\n' ' ')
"$BIN" init --home "$H" >/dev/null || exit 1
sed -i -e "s|listen = \"127.0.0.1:8080\"|listen = \"127.0.0.1:$API\"|" \
	-e "s|auth = \"open\"|auth = \"signed\"|" \
	-e "s|p2p_listen = \"tcp://127.0.0.1:26656\"|p2p_listen = \"tcp://127.0.0.1:$P2P\"|" \
	-e "s|rpc_listen = \"tcp://127.0.0.1:26657\"|rpc_listen = \"tcp://127.0.0.1:$RPC\"|" \
	-e 's|otp_cooldown = "1m0s"|otp_cooldown = "3s"|' "$H/config/sealchain.toml"
N=http://127.0.0.1:$API
# Signed requests are bound to the chain id and the Host they are sent to.
export PROBE_HOST=127.0.0.1:$API
PROBE_CHAIN=$(jq -r .chain_id "$H/config/genesis.json")
export PROBE_CHAIN
"$BIN" start --home "$H" >"$T/node.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do curl -sf --max-time 5 "$N/v1/status" >/dev/null && break; sleep 0.3; done
curl -sf --max-time 5 "$N/v1/status" >/dev/null || { echo "node did not start"; tail "$T/node.log"; exit 1; }
echo "node on $N (home $H)"
TOKEN=$(tr -d '[:space:]' <"$H/config/workflow.token")
CRT=$H/keys/submitter.crt KEY=$H/keys/submitter.key

# st METHOD URI [curl args...]: "<status> <error code>".
st() {
	local m=$1 u=$2
	shift 2
	local out
	out=$(curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$@" "$N$u")
	printf '%s %s' "$out" "$(jq -r '.error.code // empty' "$T/body" 2>/dev/null || echo not-json)"
}
signed() { "$PT" authz -cert "$CRT" -key "$KEY" "$@"; }

# ---- auth ----
U=/v1/contracts/none
say "auth: unsigned GET $U" "$(st GET $U)"
say "auth: signed by the recorded credential" "$(st GET $U -H "Authorization: $(signed -uri $U)")"
A=$(signed -uri $U)
say "auth: same header replayed (1st)" "$(st GET $U -H "Authorization: $A")"
say "auth: same header replayed (2nd)" "$(st GET $U -H "Authorization: $A")"
say "auth: ts 2 min old" "$(st GET $U -H "Authorization: $(signed -uri $U -ts-offset -2m)")"
say "auth: ts 45 s ahead" "$(st GET $U -H "Authorization: $(signed -uri $U -ts-offset 45s)")"
say "auth: ts 25 s ahead (allowed)" "$(st GET $U -H "Authorization: $(signed -uri $U -ts-offset 25s)")"
say "auth: other URI under the header" "$(st GET /v1/contracts/other -H "Authorization: $(signed -uri $U)")"
echo '{"contract_id":"none","verify_url":"http://127.0.0.1/verify"}' >"$T/b1"
echo '{"contract_id":"none","verify_url":"https://attacker.example/verify"}' >"$T/b2"
A=$(signed -method POST -uri /v1/reports -body "$T/b1")
say "auth: POST /v1/reports body swapped under header" "$(st POST /v1/reports -H "Authorization: $A" -H 'Content-Type: application/json' --data-binary @"$T/b2")"
say "auth: POST /v1/reports header over empty body, body sent" "$(st POST /v1/reports -H "Authorization: $(signed -method POST -uri /v1/reports)" -H 'Content-Type: application/json' --data-binary @"$T/b2")"
say "auth: POST /v1/reports correctly signed" "$(st POST /v1/reports -H "Authorization: $(signed -method POST -uri /v1/reports -body "$T/b1")" -H 'Content-Type: application/json' --data-binary @"$T/b1")"
"$BIN" keys new --out "$T/rogue" >/dev/null
"$BIN" cert issue --home "$H" --node "$N" --credential --register=false --pubkey "$T/rogue.pub" --out "$T/rogue.crt" >/dev/null 2>"$T/err" || cat "$T/err"
say "auth: credential from the org CA, never recorded" "$(st GET $U -H "Authorization: $("$PT" authz -cert "$T/rogue.crt" -key "$T/rogue.key" -uri $U)")"
"$BIN" keys new --out "$T/cred2" >/dev/null
"$BIN" cert issue --home "$H" --node "$N" --credential --pubkey "$T/cred2.pub" --out "$T/cred2.crt" >/dev/null 2>"$T/err" || cat "$T/err"
say "auth: recorded second credential" "$(st GET $U -H "Authorization: $("$PT" authz -cert "$T/cred2.crt" -key "$T/cred2.key" -uri $U)")"
"$BIN" cert revoke --home "$H" --node "$N" --cert "$T/cred2.crt" >/dev/null 2>"$T/err" || cat "$T/err"
say "auth: same credential right after cert revoke returned" "$(st GET $U -H "Authorization: $("$PT" authz -cert "$T/cred2.crt" -key "$T/cred2.key" -uri $U)")"
say "auth: garbage Authorization" "$(st GET $U -H 'Authorization: Sealchain cert=AAAA,ts=1,nonce=00,sig=AA')"

# ---- /v1/pdf/verify ----
MAX=$(grep -E '^\s*pdf_max_bytes' "$H/config/sealchain.toml" | tr -dc 0-9)
for k in bare-byterange sig-dicts huge-contents nested-headers open-strings; do
	"$PT" pdf -kind "$k" -size $((64 << 20)) >"$T/h.pdf"
	r=$(curl -s -o "$T/body" -w '%{http_code} %{time_total}' -H 'Content-Type: application/pdf' --data-binary @"$T/h.pdf" "$N/v1/pdf/verify")
	say "pdf/verify 64 MiB $k" "$r $(jq -r '.error.code // .report.indication // empty' "$T/body")"
done
head -c $((MAX + 1)) /dev/zero >"$T/big.pdf"
say "pdf/verify pdf_max_bytes+1 ($((MAX + 1)) B)" "$(curl -s -o "$T/body" -w '%{http_code} %{time_total}' --data-binary @"$T/big.pdf" "$N/v1/pdf/verify") $(jq -r '.error.code' "$T/body")"
"$PT" pdf -kind bare-byterange -size $((64 << 20)) >"$T/h.pdf"
# 8 clients at once (curl reads an early answer while still uploading);
# /healthz timed meanwhile.
CP=()
for i in $(seq 8); do
	curl -s -o "$T/par$i" -w '%{http_code}:%{time_total}s ' --max-time 60 -H 'Content-Type: application/pdf' --data-binary @"$T/h.pdf" "$N/v1/pdf/verify" >"$T/parst$i" &
	CP+=($!)
done
hz=""
for i in $(seq 10); do hz="$hz $(curl -s --max-time 10 -o /dev/null -w '%{time_total}' "$N/healthz")"; sleep 0.1; done
wait "${CP[@]}"
par=""
for i in $(seq 8); do par="$par$(cat "$T/parst$i")$(jq -r '.error.code // .report.indication // empty' "$T/par$i" 2>/dev/null) "; done
say "pdf/verify 8 parallel 64 MiB from one client" "$par"
say "healthz (s) during the 8 uploads" "$hz"
rm -f "$T/big.pdf"

# ---- /v1/seals/render ----
say "seals/render 16 parallel size 1024" "$("$PT" load -url "$N/v1/seals/render" -seal-size 1024 -ctype application/json -n 16 -health "$N/healthz" | grep SUMMARY)"
say "seals/render size 5000" "$(st POST /v1/seals/render -H 'Content-Type: application/json' --data '{"kind":"personal","name":"张三","size":5000}')"

# ---- webhooks ----
wf() { st "$@" -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: probe-$RANDOM$RANDOM"; }
for u in http://127.0.0.1:$API/ http://10.0.0.1/ http://169.254.169.254/latest/meta-data/ 'http://[::1]/' 'http://[::ffff:127.0.0.1]/' \
	http://0.0.0.0/ http://192.168.1.1/ http://224.0.0.1/ http://2130706433/ http://0x7f.1/ http://017700000001/ http://localhost:$API/ 'http://[fd00::1]/' 'http://[::127.0.0.1]/'; do
	say "webhook subscribe $u" "$(wf POST /v1/wf/webhooks -H 'Content-Type: application/json' --data "{\"url\":\"$u\",\"secret\":\"probe-secret-0123456789\",\"events\":[]}")"
done
say "webhooks listed after refusals" "$(curl -s -H "Authorization: Bearer $TOKEN" "$N/v1/wf/webhooks" | jq -c '[.. | .url? // empty]')"
r=$(wf POST /v1/wf/webhooks -H 'Content-Type: application/json' --data '{"url":"https://hooks.example.com/x","secret":"probe-secret-0123456789","events":[]}')
id=$(jq -r '.id // empty' "$T/body")
say "webhook subscribe public name (no connection made yet)" "$r id=$id"
say "webhook DELETE $id" "$(wf DELETE "/v1/wf/webhooks/$id")"
say "webhook DELETE again" "$(wf DELETE "/v1/wf/webhooks/$id")"
say "webhook DELETE other org's / unknown id" "$(wf DELETE /v1/wf/webhooks/nope)"
say "webhook DELETE without token" "$(st DELETE /v1/wf/webhooks/nope)"
# A name that resolves to loopback passes the subscribe check and must be
# refused when dialling: localhost:<API port>, then an event.
wf POST /v1/wf/webhooks -H 'Content-Type: application/json' --data "{\"url\":\"http://localhost:$API/v1/status\",\"secret\":\"probe-secret-0123456789\",\"events\":[]}" >/dev/null
lid=$(jq -r '.id // empty' "$T/body")
curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H "Idempotency-Key: p-$RANDOM" -X POST "$N/v1/wf/identities" \
	--data '{"kind":"person","method":"carrier_3factor","person":{"name":"钱七","id_number":"11010519491231002X","phone":"13800138009"}}' >/dev/null
echo 13800138009 >>"$T/secrets"
for _ in $(seq 40); do
	d=$(curl -s -H "Authorization: Bearer $TOKEN" "$N/v1/wf/webhooks/deliveries?limit=100" | jq -c '[.. | objects | select(has("outcome")) | .outcome] | unique')
	[ "$d" != "[]" ] && [ -n "$d" ] && break
	sleep 0.25
done
say "webhook http://localhost:API (name -> loopback) delivery outcomes" "$d"
wf DELETE "/v1/wf/webhooks/$lid" >/dev/null

# ---- a signing flow (examples/workflow.sh), for the links, OTP and at-rest probes ----
SEALCHAIN=$BIN "$ROOT/examples/workflow.sh" "$N" "$H" "$T/wf" >"$T/wf.log" 2>&1
say "examples/workflow.sh" "exit $? $(grep -E 'RESULT|DONE' "$T/wf.log" | tr '\n' ' ')"
grep -oE '/sign/[A-Za-z0-9_-]{16,}' "$T/wf.log" | sed 's|/sign/||' | sort -u >>"$T/secrets"
curl -s -H "Authorization: Bearer $TOKEN" "$N/v1/wf/outbox?channel=sms&limit=1000" | jq -r '.messages[].params.code // empty' >"$T/codes"
echo 13800138000 >>"$T/secrets"
echo 13800138001 >>"$T/secrets"
echo 11010519491231002X >>"$T/secrets"

# A fresh contract for the OTP probes.
pid0=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H "Idempotency-Key: p-$RANDOM" -X POST "$N/v1/wf/identities" \
	--data '{"kind":"person","method":"carrier_3factor","person":{"name":"王五","id_number":"11010519491231002X","phone":"13800138002"}}' | jq -r .id)
pid1=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H "Idempotency-Key: p-$RANDOM" -X POST "$N/v1/wf/identities" \
	--data '{"kind":"person","method":"carrier_3factor","person":{"name":"赵六","id_number":"440304198510101232","phone":"13800138003"}}' | jq -r .id)
echo 13800138002 >>"$T/secrets"
echo 13800138003 >>"$T/secrets"
c=$(jq -n --arg a "$pid0" --arg b "$pid1" '{title:"probe", order:"parallel", template:{id:"service_agreement", fields:{contract_no:"P-1",party_a:"王五",party_b:"赵六",service:"x",start_date:"2026-12-01",end_date:"2027-11-30",fee:"¥1",city:"北京"}},
	parties:[{identity_id:$a, role:"party_a"},{identity_id:$b, role:"party_b"}]}')
cid=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H "Idempotency-Key: p-$RANDOM" -X POST "$N/v1/wf/contracts" --data "$c" | tee "$T/c.json" | jq -r '.id // empty')
links=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H "Idempotency-Key: p-$RANDOM" -X POST "$N/v1/wf/contracts/$cid/send" --data '{}')
tok=$(jq -r '.links[0].token // empty' <<<"$links")
tok1=$(jq -r '.links[1].token // empty' <<<"$links")
[ -n "$tok" ] || say "otp setup" "FAILED: $(cat "$T/c.json") $links"
printf '%s\n%s\n' "$tok" "$tok1" >>"$T/secrets"
sg() { st "$@" -H 'Content-Type: application/json' -H "Idempotency-Key: probe-$RANDOM$RANDOM"; }
say "otp: decline without code" "$(sg POST "/v1/sign/$tok1/decline" --data '{"reason":"no"}')"
say "otp: code #1" "$(sg POST "/v1/sign/$tok/code" --data '{}')"
say "otp: code #2 at once (cooldown)" "$(sg POST "/v1/sign/$tok/code" --data '{}') retry-after=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' -H "Idempotency-Key: p-$RANDOM" --data '{}' "$N/v1/sign/$tok/code" | grep -i retry-after | tr -dc 0-9)"
lock=""
for i in $(seq 14); do
	r=$(sg POST "/v1/sign/$tok/sign" --data '{"method":"sms","code":"000001"}')
	lock="$lock $i:${r% }"
	case $r in 423*) break ;; 429*)
		sleep 3.2
		r=$(sg POST "/v1/sign/$tok/code" --data '{}')
		lock="$lock new-code:${r% }"
		;;
	esac
done
say "otp: wrong codes until locked (attempt:status; cooldown 3s)" "$lock"
say "otp: sign with any code on the locked link" "$(sg POST "/v1/sign/$tok/sign" --data '{"method":"sms","code":"000002"}')"
say "otp: code request on the locked link" "$(sg POST "/v1/sign/$tok/code" --data '{}')"

# ---- made-up links ----
codes=""
for i in $(seq 20); do
	fake=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d =)
	echo "$fake" >>"$T/fakes"
	r=$(sg POST "/v1/sign/$fake/code" --data '{}')
	codes="$codes ${r%% *}"
done
say "made-up /v1/sign/{random}/code x20 (statuses)" "$(tr ' ' '\n' <<<"$codes" | sort | uniq -c | tr -s ' \n' ' ')"
say "made-up GET /v1/sign/{random}" "$(st GET /v1/sign/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)"

# ---- evidence edits ----
B=$T/wf/bundle.json G=$H/config/genesis.json
if [ -f "$B" ]; then
	"$BIN" verify --bundle "$B" --genesis "$G" >"$T/v.txt" 2>&1
	say "verify workflow bundle as fetched" "exit $? $(grep RESULT "$T/v.txt")"
	for edit in '.subject.contract_id = "wf-000000000000000000000000"' '.subject = {doc_hash: ("ab" * 32)}' \
		'.subject.doc_hash = ("00" * 32)' '.records[0].index += 1' '.records[0].leaf |= (.[0:40] + "A" + .[41:])' \
		'.checkpoint.height += 1' '.checkpoint.log_size -= 1' '.chain_id = "other"' 'del(.records[0])' 'del(.records[-1])'; do
		jq "$edit" "$B" >"$T/e.json" 2>/dev/null || { say "verify edit $edit" "jq: field absent"; continue; }
		"$BIN" verify --bundle "$T/e.json" --genesis "$G" >"$T/v.txt" 2>&1
		say "verify edit $edit" "exit $? $(grep RESULT "$T/v.txt" | cut -c1-90)"
	done
	"$BIN" init --home "$T/other" >/dev/null
	"$BIN" verify --bundle "$B" --genesis "$T/other/config/genesis.json" >"$T/v.txt" 2>&1
	say "verify against another genesis" "exit $? first line: $(head -1 "$T/v.txt" | cut -c1-90)"
fi

# ---- CometBFT RPC ----
say "platform init: rpc_listen" "$(grep -E '^\s*rpc_listen' "$H/config/sealchain.toml" | tr -s ' ')"
"$BIN" init --home "$T/court" --role court --org court >/dev/null 2>&1
say "court init: rpc_listen" "$(grep -E '^\s*rpc_listen' "$T/court/config/sealchain.toml" | tr -s ' ')"
say "node's listening sockets" "$(ss -ltnpH 2>/dev/null | grep "pid=${PIDS[0]}," | awk '{print $4}' | sort | tr '\n' ' ')"
"$BIN" testnet --out "$T/net" >/dev/null 2>&1
for o in court notary arbitration platform; do
	[ -f "$T/net/$o/config/sealchain.toml" ] && say "testnet $o: rpc_listen, auth" "$(grep -E '^\s*(rpc_listen|auth) ' "$T/net/$o/config/sealchain.toml" | tr -s ' \n' ' ')"
done
say "court init: cometbft rpc laddr" "$(grep -E '^laddr' "$T/court/config/config.toml" | tr '\n' ' ')"

# ---- errors ----
"$BIN" start --home "$H" >"$T/second.log" 2>&1
say "second node on the same home" "exit $? $(head -c 160 "$T/second.log" | tr '\n' ' ')"
"$BIN" init --home "$T/h2" >/dev/null
sed -i -e "s|listen = \"127.0.0.1:8080\"|listen = \"127.0.0.1:$API\"|" "$T/h2/config/sealchain.toml"
timeout 30 "$BIN" start --home "$T/h2" >"$T/port.log" 2>&1
say "API port in use" "exit $? $(grep -o 'config api.listen[^\"]*' "$T/port.log" | head -1 | cut -c1-120)"
"$BIN" start --no-such-flag >/dev/null 2>&1
say "bad flag" "exit $?"
v=$("$BIN" --version 2>&1)
say "--version" "exit $? $(tr -s ' \n' ' ' <<<"$v")"

# ---- webhook redirects: the node restarted with webhook_allow = ["127.0.0.1"]
# so that a 127.0.0.1 receiver may be reached; it redirects to a second
# 127.0.0.1 port, which must see nothing.
kill "${PIDS[0]}" && wait "${PIDS[0]}" 2>/dev/null
sed -i 's|^\(\s*\)webhook_backoff = \(.*\)$|\1webhook_backoff = \2\n\1webhook_allow = ["127.0.0.1"]|' "$H/config/sealchain.toml"
grep -q 'webhook_allow = \["127.0.0.1"\]' "$H/config/sealchain.toml" || echo "(webhook_allow not set: $(grep -n webhook_allow "$H/config/sealchain.toml"))"
"$BIN" start --home "$H" >>"$T/node.log" 2>&1 &
PIDS=($!)
for _ in $(seq 200); do curl -sf --max-time 5 "$N/v1/status" >/dev/null && break; sleep 0.3; done
"$PT" hooksrv -for 15s >"$T/hooks" &
HS=$!
sleep 0.5
read -r HA HB <"$T/hooks"
wf POST /v1/wf/webhooks -H 'Content-Type: application/json' --data "{\"url\":\"http://127.0.0.1:$HA/hook\",\"secret\":\"probe-secret-0123456789\",\"events\":[]}" >/dev/null
rid=$(jq -r '.id // empty' "$T/body")
curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H "Idempotency-Key: p-$RANDOM" -X POST "$N/v1/wf/identities" \
	--data '{"kind":"person","method":"carrier_3factor","person":{"name":"孙八","id_number":"440304198510101232","phone":"13800138008"}}' >/dev/null
echo 13800138008 >>"$T/secrets"
wait $HS
d=$(curl -s -H "Authorization: Bearer $TOKEN" "$N/v1/wf/webhooks/deliveries?limit=100" | jq -c '[.. | objects | select(has("outcome")) | .outcome] | unique')
say "webhook to an allow-listed 127.0.0.1 receiver answering 302" "$(tail -1 "$T/hooks"); outcomes $d"


# ---- secrets at rest (node stopped) ----
kill "${PIDS[0]}" && wait "${PIDS[0]}" 2>/dev/null
PIDS=()
found=0 n=0
while read -r s; do
	[ -n "$s" ] || continue
	n=$((n + 1))
	if grep -rqaF -- "$s" "$H"; then found=$((found + 1)); echo "  found in clear: ${s:0:6}… in $(grep -rlaF -- "$s" "$H" | head -3 | tr '\n' ' ')"; fi
done <"$T/secrets"
say "at rest: links, phones, id numbers in $H (node stopped)" "$found of $n found"
wid=$(grep -oE 'DONE: contract [^ ]+' "$T/wf.log" | cut -d' ' -f3)
say "at rest: control, the contract id $wid (kept in clear)" "$(grep -rlaF -- "${wid:-none}" "$H" | wc -l) files"
cf=0 cn=0
while read -r s; do
	[ -n "$s" ] || continue
	cn=$((cn + 1))
	grep -rqaF -- "$s" "$H" && cf=$((cf + 1))
done <"$T/codes"
say "at rest: SMS codes (6 digits, anywhere)" "$cf of $cn found"
ff=0 fn=0
while read -r s; do
	fn=$((fn + 1))
	grep -rqaF -- "$s" "$H" && ff=$((ff + 1))
done <"$T/fakes"
say "at rest: made-up link tokens" "$ff of $fn found"
