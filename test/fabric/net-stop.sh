#!/bin/sh
# Stops the chaincode, peer and orderer by their recorded PIDs (and only
# those); `net-stop.sh clean` also removes $RUN.
. "$(dirname "$0")/common.sh"
for p in chaincode peer orderer; do
  f=$RUN/$p.pid; [ -f "$f" ] || continue
  pid=$(cat "$f")
  if kill "$pid" 2>/dev/null; then
    i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
    kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$f"
done
[ "${1:-}" = clean ] && rm -rf "$RUN"
true
