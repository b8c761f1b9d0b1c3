#!/usr/bin/env bash
# Quickstart: two people sign a contract on a running Sealchain node, then a
# judge verifies the evidence offline.
#
#   examples/quickstart.sh NODE_URL OUTDIR
#
# NODE_URL  the node's API, e.g. http://127.0.0.1:8080 (start one with `make run`)
# OUTDIR    where the keys, certificates, contract.pdf and bundle.json go
#           (`make quickstart` uses ./out/quickstart; examples/workflow.sh
#           writes to ./out/workflow by default, so the two never mix)
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

step "3. real-name checks: only salted SM3 commitments go on chain (development verifier)"
sc identity verify "${org[@]}" --name 张三 --id-number 110101199003078515 --phone 13800138000 --out alice-identity.json
sc identity verify "${org[@]}" --name 李四 --id-number 110101198507011234 --phone 13900139000 --method face --out bob-identity.json

step "4. the platform's CA issues certificates bound to those identities and records them"
sc cert issue "${org[@]}" --pubkey alice.pub --identity alice-identity.json --out alice.crt
sc cert issue "${org[@]}" --pubkey bob.pub --identity bob-identity.json --out bob.crt

step "5. the platform opens the contract (the chain gets its hashes, not the file)"
sc contract create "${org[@]}" --id "$id" --file contract.pdf --party alice.crt --party bob.crt --order sequential

step "6. personal seals (GB/T 38540 SESeal signed by the platform's CA), registered on chain by hash"
sc seal make --kind personal --name 张三 --out alice-seal.png --ses alice.ses --id "alice-$id" --signer-cert alice.crt --home "$HOME_DIR"
sc seal make --kind personal --name 李四 --out bob-seal.png --ses bob.ses --id "bob-$id" --signer-cert bob.crt --home "$HOME_DIR"
sc seal verify --ses alice.ses --genesis "$HOME_DIR/config/genesis.json"
sc seal register "${org[@]}" --ses alice.ses --owner alice.crt
sc seal register "${org[@]}" --ses bob.ses --owner bob.crt

step "7. Alice proves intent (development OTP), seals and signs the PDF, and the chain records it"
sc intent otp "${org[@]}" --contract "$id" --cert alice.crt --key alice.key
sc pdf sign --in contract.pdf --out contract-signed-1.pdf --key alice.key --cert alice.crt --seal alice-seal.png --x 80 --y 80 --w 100 --h 100
sc contract sign "${org[@]}" --contract "$id" --file contract.pdf --signed-file contract-signed-1.pdf --seal alice.ses --cert alice.crt --key alice.key

step "8. then Bob, on top of Alice's signature"
sc intent otp "${org[@]}" --contract "$id" --cert bob.crt --key bob.key
sc pdf sign --in contract-signed-1.pdf --out contract-signed.pdf --key bob.key --cert bob.crt --seal bob-seal.png --x 400 --y 80 --w 100 --h 100
sc contract sign "${org[@]}" --contract "$id" --file contract.pdf --signed-file contract-signed.pdf --seal bob.ses --cert bob.crt --key bob.key
sc contract complete "${org[@]}" --contract "$id"

step "9. a judge checks the signed PDF's signatures"
cp "$HOME_DIR/config/genesis.json" genesis.json
sc pdf verify contract-signed.pdf --genesis genesis.json

step "10. fetches the evidence for the file; the original is the document the contract names"
sc evidence --node "$NODE" --file contract.pdf --out bundle.json
# Checked quietly (the report is kept in verify-contract.txt): the one
# RESULT line below is the verdict on the signed PDF.
if ! sc verify --bundle bundle.json --file contract.pdf --genesis genesis.json >verify-contract.txt; then
	cat verify-contract.txt
	exit 1
fi
echo "contract.pdf matches the recorded document hash (verify-contract.txt)"

step "11. verifies the evidence offline with the signed PDF, trusting only the genesis"
sc verify --bundle bundle.json --file contract-signed.pdf --genesis genesis.json

printf '\nDone: %s holds contract.pdf, contract-signed.pdf, bundle.json and genesis.json.\n' "$OUT"
