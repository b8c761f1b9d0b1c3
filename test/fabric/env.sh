#!/bin/sh
# Prints the binary directory the scripts use (the Go test reads it).
. "$(dirname "$0")/common.sh"
echo "$BIN"
