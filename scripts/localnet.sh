#!/usr/bin/env bash
# Start or stop a local 4-institution network created by `sealchain testnet`.
#
#   scripts/localnet.sh start [DIR]   start every node under DIR (default ./localnet) in the background
#   scripts/localnet.sh stop [DIR]    stop them (SIGTERM, then SIGKILL after 20 s)
#   scripts/localnet.sh status [DIR]  show which are running
#
# Each node logs to DIR/ORG/node.log and records its pid in DIR/ORG/node.pid.
set -euo pipefail
cmd=${1:-}
dir=${2:-./localnet}
bin=${SEALCHAIN:-./bin/sealchain}

running() { [ -f "$1/node.pid" ] && kill -0 "$(cat "$1/node.pid")" 2>/dev/null; }

case $cmd in
start)
	[ -d "$dir" ] || { echo "no network in $dir (run: $bin testnet --out $dir)" >&2; exit 1; }
	for home in "$dir"/*/; do
		home=${home%/}
		[ -f "$home/config/sealchain.toml" ] || continue
		if running "$home"; then echo "$(basename "$home"): already running (pid $(cat "$home/node.pid"))"; continue; fi
		nohup "$bin" start --home "$home" >>"$home/node.log" 2>&1 &
		echo $! >"$home/node.pid"
		echo "$(basename "$home"): started (pid $!), log $home/node.log"
	done
	;;
stop)
	for home in "$dir"/*/; do
		home=${home%/}
		[ -f "$home/node.pid" ] || continue
		pid=$(cat "$home/node.pid")
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid"
			for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; echo "$(basename "$home"): killed"; else echo "$(basename "$home"): stopped"; fi
		fi
		rm -f "$home/node.pid"
	done
	;;
status)
	for home in "$dir"/*/; do
		home=${home%/}
		[ -f "$home/config/sealchain.toml" ] || continue
		if running "$home"; then echo "$(basename "$home"): running (pid $(cat "$home/node.pid"))"; else echo "$(basename "$home"): stopped"; fi
	done
	;;
*)
	echo "usage: $0 start|stop|status [DIR]" >&2
	exit 2
	;;
esac
