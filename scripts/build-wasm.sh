#!/bin/sh
# build-wasm.sh [--background] DIR: builds the browser verifier (the offline
# verifier for GOOS=js, cmd/sealchain-wasm) as DIR/sealchain.wasm.gz, where
# the node looks for it beside DIR/sealchain.
#
# The file appears atomically (built under a temporary name, then renamed),
# so a running node never serves half a file.
#
# --background returns at once and builds at low priority, logging to
# DIR/wasm.log (`make run`: the node starts without waiting for this). While
# it runs, DIR/sealchain.wasm.gz.building holds the builder's pid; the node
# then answers the page "being built, retry in a minute". A background job
# ignores Ctrl-C (POSIX), so stopping the node lets the build finish for
# next time. A build that is already running, or an output newer than every
# Go source, is left alone.
set -eu
GO=${GO:-go}
bg=
if [ "${1:-}" = --background ]; then bg=1; shift; fi
dir=${1:?usage: build-wasm.sh [--background] DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
out=$dir/sealchain.wasm.gz
marker=$out.building

if [ -n "$bg" ]; then
	if [ -f "$marker" ] && kill -0 "$(cat "$marker" 2>/dev/null)" 2>/dev/null; then
		echo "==> the browser verifier is already being built (log: $dir/wasm.log)"
		exit 0
	fi
	if [ -f "$out" ] && [ -z "$(find "$root" -path "$root/.git" -prune -o \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$out" -print | head -n 1)" ]; then
		echo "==> browser verifier $out is up to date"
		exit 0
	fi
	GO=$GO nohup nice -n 10 sh "$0" "$dir" > "$dir/wasm.log" 2>&1 < /dev/null &
	echo $! > "$marker"
	echo "==> building the browser verifier in the background: $out"
	echo "    (log: $dir/wasm.log; a few minutes on a first run, the verification page says so until it is ready)"
	exit 0
fi

tmp=$dir/.sealchain.wasm.$$
# The marker is removed by the build it names, however the build ends.
trap 'rm -f "$tmp" "$tmp.gz"; [ "$(cat "$marker" 2>/dev/null)" = "$$" ] && rm -f "$marker"; :' EXIT
trap 'exit 143' TERM
start=$(date +%s)
GO=$GO sh "$root/cmd/sealchain-wasm/build.sh" "$tmp"
gzip -9 -n -c "$tmp" > "$tmp.gz"
mv -f "$tmp.gz" "$out"
echo "built $out in $(( $(date +%s) - start ))s"
