#!/bin/sh
# pyhanko-validate.sh: validate a Sealchain PAdES PDF with pyHanko, offline.
#
#   PYHANKO_SRC=/path/to/pyHanko  signer/pdf/interop/pyhanko-validate.sh FILE.pdf CA.pem
#
# PYHANKO_SRC is a checkout of github.com/MatthiasValvekens/pyHanko (the
# monorepo with pkgs/pyhanko, pkgs/pyhanko-certvalidator, pkgs/pyhanko-cli).
# Its Python dependencies come from Debian (python3-asn1crypto python3-tzlocal
# python3-qrcode python3-yaml python3-requests python3-oscrypto python3-uritools
# python3-click python3-lxml), appended after the interpreter's own packages;
# recent pyHanko wants cryptography >= 48, so PYTHON may name an interpreter
# that has it (default python3). CI cannot fetch pyHanko: without PYHANKO_SRC
# the script says so and exits 0.
#
# Make the files with: PADES_OUT=DIR go test ./node/ -run TestWorkflowPAdES
# (DIR/contract-blt.pdf, DIR/contract-blta.pdf extended twice by extend-lta's
# code, and DIR/ca.pem). No Sealchain service needs to run: everything comes
# from the file (time stamps, the DSS, document time stamps).
#
# PYHANKO_LEGACY_SRC, a checkout of pyHanko at the parent of commit
# 02bd30b6 (which removed the legacy LTV validator), additionally runs
# pyhanko-lta.py: PAdES-LTA validation with revocation data required from
# the DSS. pyHanko's HTTP timestamper against a running node is
# pyhanko-tsa.py (PADES_HOOK in TestWorkflowPAdES runs it while the node is
# up).
set -eu
if [ -z "${PYHANKO_SRC:-}" ] || [ ! -d "${PYHANKO_SRC}/pkgs/pyhanko/src" ]; then
	echo "SKIP pyhanko-validate: PYHANKO_SRC is not a pyHanko checkout (set it to run pyHanko)"
	exit 0
fi
[ $# -eq 2 ] || { echo "usage: PYHANKO_SRC=DIR $0 FILE.pdf CA.pem" >&2; exit 2; }
PY=${PYTHON:-python3}
run() {
	"$PY" - "$@" <<PYEOF
import sys
sys.path.append('/usr/lib/python3/dist-packages')
for p in ('pyhanko', 'pyhanko-certvalidator', 'pyhanko-cli'):
    sys.path.insert(0, '${PYHANKO_SRC}/pkgs/%s/src' % p)
from pyhanko.cli import cli_root
sys.argv = ['pyhanko'] + sys.argv[1:]
cli_root()
PYEOF
}
# AdES validation (ETSI EN 319 102-1, with the DSS and the time stamps):
# the verdict that counts.
run sign adesverify --pretty-print --trust "$2" --trust-replace "$1"
# Plain validation ignores the DSS and would fetch revocation data online
# from the certificates' AIA: expected to say INVALID offline (see
# docs/long-term-validation.md).
run sign validate --pretty-print --trust "$2" --trust-replace "$1" || true
if [ -n "${PYHANKO_LEGACY_SRC:-}" ]; then
	PYHANKO_LEGACY_SRC=$PYHANKO_LEGACY_SRC "$PY" "$(dirname "$0")/pyhanko-lta.py" "$1" "$2"
fi
