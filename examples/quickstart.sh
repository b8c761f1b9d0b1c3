#!/usr/bin/env bash
# Quickstart: two people sign a contract on a running Sealchain node, then a
# judge verifies the evidence offline.
#
#   examples/quickstart.sh NODE_URL OUTDIR
#
# NODE_URL  the node's API, e.g. http://127.0.0.1:8080 (start one with `make run`)
# OUTDIR    where the keys, certificates, contract.pdf and bundle.json go
#
# Environment: SEALCHAIN (the CLI, default: sealchain on PATH, else ./bin/sealchain),
# SEALCHAIN_HOME (the platform org's node home with its keys, default ./data).
# Exits non-zero on the first failure.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 NODE_URL OUTDIR" >&2
	exit 2
fi
NODE=$1
OUT=$2
HOME_DIR=${SEALCHAIN_HOME:-./data}
if [ -z "${SEALCHAIN:-}" ]; then
	if command -v sealchain >/dev/null 2>&1; then SEALCHAIN=sealchain; else SEALCHAIN=./bin/sealchain; fi
fi
HOME_DIR=$(cd "$HOME_DIR" && pwd)
case $SEALCHAIN in */*) SEALCHAIN=$(cd "$(dirname "$SEALCHAIN")" && pwd)/$(basename "$SEALCHAIN") ;; esac
mkdir -p "$OUT"
cd "$OUT"
sc() { "$SEALCHAIN" "$@"; }
org=(--node "$NODE" --home "$HOME_DIR")

step() { printf '\n== %s\n' "$*"; }

step "1. a contract document (a one-page PDF)"
id="quickstart-$(date +%s)-$$"
write_pdf() {
	local body="BT /F1 18 Tf 72 720 Td (Sealchain quickstart contract $id) Tj ET"
	local objs=(
		"<< /Type /Catalog /Pages 2 0 R >>"
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
		"<< /Length ${#body} >>
stream
$body
endstream"
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	)
	local pdf="%PDF-1.4"$'\n' offsets=() i
	for i in "${!objs[@]}"; do
		offsets+=("${#pdf}")
		pdf+="$((i + 1)) 0 obj"$'\n'"${objs[$i]}"$'\n'"endobj"$'\n'
	done
	local xref=${#pdf}
	pdf+="xref"$'\n'"0 $((${#objs[@]} + 1))"$'\n'"0000000000 65535 f "$'\n'
	for i in "${offsets[@]}"; do pdf+=$(printf '%010d 00000 n ' "$i")$'\n'; done
	pdf+="trailer"$'\n'"<< /Size $((${#objs[@]} + 1)) /Root 1 0 R >>"$'\n'"startxref"$'\n'"$xref"$'\n'"%%EOF"$'\n'
	printf '%s' "$pdf" >contract.pdf
}
LC_ALL=C write_pdf
echo "contract.pdf ($(wc -c <contract.pdf) bytes), contract id $id"

step "2. two signers: Alice (SM2) and Bob (ECDSA P-256) create keys"
sc keys new --out alice --alg sm2
sc keys new --out bob --alg ecdsa-p256

step "3. the platform's CA issues their certificates and records them on chain"
sc cert issue "${org[@]}" --pubkey alice.pub --out alice.crt
sc cert issue "${org[@]}" --pubkey bob.pub --out bob.crt

step "4. the platform opens the contract (the chain gets its hashes, not the file)"
sc contract create "${org[@]}" --id "$id" --file contract.pdf --party alice.crt --party bob.crt --order sequential

step "5. Alice proves intent (development OTP) and signs; then Bob"
sc intent otp "${org[@]}" --contract "$id" --cert alice.crt --key alice.key
sc contract sign "${org[@]}" --contract "$id" --file contract.pdf --cert alice.crt --key alice.key
sc intent otp "${org[@]}" --contract "$id" --cert bob.crt --key bob.key
sc contract sign "${org[@]}" --contract "$id" --file contract.pdf --cert bob.crt --key bob.key
sc contract complete "${org[@]}" --contract "$id"

step "6. a judge fetches the evidence for the file"
sc evidence --node "$NODE" --file contract.pdf --out bundle.json

step "7. and verifies it offline, trusting only the genesis"
cp "$HOME_DIR/config/genesis.json" genesis.json
sc verify --bundle bundle.json --file contract.pdf --genesis genesis.json

printf '\nDone: %s holds contract.pdf, bundle.json and genesis.json.\n' "$OUT"
