#!/usr/bin/env bash
# The signing workflow over HTTP: the platform verifies two people, creates a
# contract from the built-in service agreement template and sends it; each
# party opens their link, asks for an SMS code and signs; the contract
# completes on chain and its evidence bundle is saved.
#
#   examples/workflow.sh [NODE_URL] [HOME] [OUTDIR]
#
# NODE_URL  the node's API (default http://127.0.0.1:8080, as `make run` starts it)
# HOME      the node's home, for config/workflow.token (default ./data)
# OUTDIR    where bundle.json and signed.pdf go (default ./out/workflow;
#           examples/quickstart.sh is run with ./out/quickstart)
#
# Needs curl and jq, and a node with [workflow] enabled and dev_providers on
# (the `make run` default): the SMS codes are read from the development
# outbox. With the CLI (SEALCHAIN, else sealchain on PATH, else
# ./bin/sealchain) it also verifies the bundle and the signed PDF offline
# (`sealchain verify --file signed.pdf`: the file is the one the last
# signature recorded, and its PDF signatures hold); SEALCHAIN= (empty)
# skips that. Exits non-zero on the first failure.
set -euo pipefail

NODE=${1:-http://127.0.0.1:8080}
HOME_DIR=${2:-./data}
OUT=${3:-./out/workflow}
TOKEN=$(tr -d '[:space:]' <"$HOME_DIR/config/workflow.token")
run=$(date +%s)-$$

# api METHOD PATH [JSON]: a workflow API call; prints the body, fails on an
# HTTP error. POSTs carry the Idempotency-Key every workflow POST needs.
api() {
	local method=$1 path=$2 data=${3:-'{}'} out code
	local args=(-sS -X "$method" -H "Authorization: Bearer $TOKEN" -w '\n%{http_code}')
	if [ "$method" = POST ]; then
		# api runs in $(…) subshells, so no counter: the time and a random number.
		args+=(-H "Content-Type: application/json" -H "Idempotency-Key: example-$run-$(date +%s%N)-$RANDOM" --data "$data")
	fi
	out=$(curl "${args[@]}" "$NODE$path")
	code=${out##*$'\n'}
	out=${out%$'\n'*}
	if [ "$code" -ge 300 ]; then
		echo "$method $path: HTTP $code $out" >&2
		return 1
	fi
	printf '%s' "$out"
}

step() { printf '\n== %s\n' "$*"; }

step "1. two people, checked by the (development) carrier three-factor provider"
zhang=$(api POST /v1/wf/identities '{"kind": "person", "method": "carrier_3factor",
  "person": {"name": "张三", "id_number": "11010519491231002X", "phone": "13800138000"}}' | jq -er .id)
li=$(api POST /v1/wf/identities '{"kind": "person", "method": "carrier_3factor",
  "person": {"name": "李四", "id_number": "440304198510101232", "phone": "13800138001"}}' | jq -er .id)
echo "identities $zhang $li"

step "2. a sequential contract from the service agreement template, sent"
contract=$(jq -n --arg a "$zhang" --arg b "$li" '{title: "服务协议 (example)", order: "sequential",
  template: {id: "service_agreement", fields: {contract_no: "SA-EXAMPLE-1", party_a: "张三", party_b: "李四",
    service: "软件开发", start_date: "2026-12-01", end_date: "2027-11-30", fee: "¥100000", city: "北京"}},
  parties: [{identity_id: $a, role: "party_a"}, {identity_id: $b, role: "party_b"}]}')
id=$(api POST /v1/wf/contracts "$contract" | jq -er .id)
links=$(api POST "/v1/wf/contracts/$id/send")
echo "contract $id; signing links:"
jq -r '.links[] | "  party \(.party): \(.url)"' <<<"$links"

step "3. each party opens the link, gets an SMS code and signs"
for party in 0 1; do
	tok=$(jq -er --argjson p "$party" '.links[] | select(.party == $p) | .token' <<<"$links")
	api GET "/v1/sign/$tok" | jq -r '"  party \(.party.index) sees \"\(.title)\", status \(.status)"'
	api POST "/v1/sign/$tok/code" | jq -r '"  code sent to \(.sent_to)"'
	code=
	for _ in $(seq 50); do # the code reaches the outbox from a queue
		code=$(api GET "/v1/wf/outbox?channel=sms&limit=1000" | jq -r --arg c "$id" --arg p "$party" \
			'[.messages[] | select(.params.contract_id == $c and .params.party == $p)] | last | .params.code // empty')
		[ -n "$code" ] && break
		sleep 0.2
	done
	[ -n "$code" ] || { echo "no SMS code for party $party in the outbox" >&2; exit 1; }
	api POST "/v1/sign/$tok/sign" "{\"method\": \"sms\", \"code\": \"$code\"}" |
		jq -r '"  party '"$party"' signed; contract \(.contract_status)"'
done

step "4. the contract's records reach the chain"
for _ in $(seq 150); do
	state=$(api GET "/v1/wf/contracts/$id")
	if jq -e '.status == "completed" and .chain.pending == 0' <<<"$state" >/dev/null; then break; fi
	sleep 0.2
done
jq -er '.status == "completed" and .chain.pending == 0' <<<"$state" >/dev/null ||
	{ echo "contract not completed on chain: $(jq -c '{status, chain: .chain.pending}' <<<"$state")" >&2; exit 1; }
jq -r '.chain.records[] | "  \(.type) \(.status) log index \(.index)"' <<<"$state"

step "5. the evidence bundle and the signed PDF"
mkdir -p "$OUT"
api GET "/v1/wf/contracts/$id/evidence" >"$OUT/bundle.json"
curl -sSf -H "Authorization: Bearer $TOKEN" -o "$OUT/signed.pdf" "$NODE/v1/wf/contracts/$id/pdf"
echo "$OUT/bundle.json ($(jq '.records | length' "$OUT/bundle.json") records), $OUT/signed.pdf ($(wc -c <"$OUT/signed.pdf") bytes)"
if [ -z "${SEALCHAIN+set}" ]; then
	if command -v sealchain >/dev/null 2>&1; then SEALCHAIN=sealchain; elif [ -x ./bin/sealchain ]; then SEALCHAIN=./bin/sealchain; fi
fi
if [ -n "${SEALCHAIN:-}" ]; then
	step "6. a judge verifies the signed PDF offline against the evidence, trusting only the genesis"
	"$SEALCHAIN" verify --bundle "$OUT/bundle.json" --file "$OUT/signed.pdf" --genesis "$HOME_DIR/config/genesis.json"
else
	echo "(no sealchain CLI: offline verification skipped)"
fi
echo "DONE: contract $id completed"
