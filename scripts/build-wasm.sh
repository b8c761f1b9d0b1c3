#!/bin/sh
# build-wasm.sh [--background|--check] DIR: builds the browser verifier (the
# offline verifier for GOOS=js, cmd/sealchain-wasm) as DIR/sealchain.wasm.gz,
# where the node looks for it beside DIR/sealchain.
#
# The file appears atomically (built under a temporary name, then renamed),
# so a running node never serves half a file. DIR/sealchain.wasm.gz.version
# records the `go version` that built it.
#
# --check exits 0 if the output is up to date, 1 (saying why) if not: it
# must be newer than every Go source, go.mod, go.sum, node/web/wasm_exec.js
# (which `make binary` refreshes from the toolchain), the build scripts and
# this one, and built by the same `go version` (a Go upgrade changes
# wasm_exec.js and the wasm it must match).
#
# --background returns at once and, unless the output is up to date, builds
# at low priority, logging to DIR/wasm.log (`make run`: the node starts
# without waiting for this). While it runs, DIR/sealchain.wasm.gz.building
# holds the builder's pid; the node then answers the page "being built,
# retry in a minute". The build runs in its own session (setsid) or at least
# its own process group, so the Ctrl-C that stops the node reaches neither
# it nor the go command (which handles SIGINT even when ignored), and it
# finishes for next time. A marker whose pid is gone, or older than 30
# minutes (a pid reused since), is stale.
set -eu
GO=${GO:-go}
mode=
case ${1:-} in --background | --check | --child) mode=${1#--}; shift ;; esac
dir=${1:?usage: build-wasm.sh [--background|--check] DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
out=$dir/sealchain.wasm.gz
marker=$out.building
version=$out.version

# fresh: the output is up to date (see --check); says why not on stderr.
fresh() {
	if [ ! -f "$out" ]; then
		echo "$out is not built" >&2
		return 1
	fi
	if [ "$(cat "$version" 2>/dev/null)" != "$("$GO" version)" ]; then
		echo "$out was built by $(cat "$version" 2>/dev/null || echo 'an unrecorded Go'), not $("$GO" version)" >&2
		return 1
	fi
	newer=$(find "$root" -path "$root/.git" -prune -o \
		\( -name '*.go' -o -name go.mod -o -name go.sum \
		-o -path "$root/node/web/wasm_exec.js" -o -path "$root/cmd/sealchain-wasm/build.sh" \
		-o -path "$root/scripts/build-wasm.sh" \) -newer "$out" -print | head -n 1)
	if [ -n "$newer" ]; then
		echo "$newer is newer than $out" >&2
		return 1
	fi
}

case $mode in
check)
	fresh && echo "$out is up to date"
	exit
	;;
background)
	if [ -f "$marker" ] && kill -0 "$(cat "$marker" 2>/dev/null)" 2>/dev/null &&
		[ -n "$(find "$marker" -mmin -30)" ]; then
		echo "==> the browser verifier is already being built (log: $dir/wasm.log)"
		exit 0
	fi
	if fresh 2>/dev/null; then
		echo "==> browser verifier $out is up to date"
		exit 0
	fi
	if command -v setsid > /dev/null 2>&1; then
		GO=$GO setsid nohup nice -n 10 sh "$0" --child "$dir" > "$dir/wasm.log" 2>&1 < /dev/null &
	else
		set -m # a process group of its own, where job control allows
		GO=$GO nohup nice -n 10 sh "$0" --child "$dir" > "$dir/wasm.log" 2>&1 < /dev/null &
	fi
	# The child writes its own pid too (setsid may fork); this one covers
	# the moment before it does.
	echo $! > "$marker"
	echo "==> building the browser verifier in the background: $out"
	echo "    (log: $dir/wasm.log; a few minutes on a first run, the verification page says so until it is ready)"
	exit 0
	;;
child)
	echo $$ > "$marker"
	;;
esac

tmp=$dir/.sealchain.wasm.$$
# The marker is removed by the build it names, however the build ends.
trap 'rm -f "$tmp" "$tmp.gz" "$version.$$"; [ "$(cat "$marker" 2>/dev/null)" = "$$" ] && rm -f "$marker"; :' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
start=$(date +%s)
"$GO" version > "$version.$$"
GO=$GO sh "$root/cmd/sealchain-wasm/build.sh" "$tmp"
gzip -9 -n -c "$tmp" > "$tmp.gz"
mv -f "$tmp.gz" "$out"
# After the output: a build that dies in between is rebuilt next time.
mv -f "$version.$$" "$version"
echo "built $out in $(( $(date +%s) - start ))s"
