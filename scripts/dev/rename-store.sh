#!/bin/sh
# rename-store.sh [DIR]: rewrite Go code written against the storage in the
# pure packages (issue #13 item 5) to the packages it moved to:
#
#	chain.Store, chain.OpenStore, chain.View, chain.Block, ...  -> store.* (chain/store)
#	merklelog.Open, merklelog.Log, merklelog.InclusionProof, ... -> pebblelog.* (chain/merklelog/pebblelog)
#	evidence.Assemble, evidence.Headers, ...                    -> assemble.* (evidence/assemble)
#
# and, inside package chain, the state codec and index keys it now exports
# (encodeState -> EncodeState, indexKeys -> EncodeIndexKeys, ...).
#
# It only renames qualified identifiers and fixes the imports of the files it
# changed; it is idempotent, so it can run again on a tree after a merge.
# Methods on View or Block that a branch added in package chain cannot be
# renamed mechanically: the script lists them, move them to chain/store by hand.
# Run `go build ./... && go vet ./...` afterwards.
set -eu
cd "${1:-.}"
mod=github.com/sealchain/sealchain

# rename FROM_PKG_PATH FROM_NAME TO_PKG_PATH TO_NAME PERL_SUBSTITUTIONS FILES...
# Applies the substitutions to files that use FROM_NAME.X for a moved X, then
# imports TO_PKG_PATH after FROM_PKG_PATH and drops FROM_PKG_PATH if unused.
rename() {
	from_path=$1 from=$2 to_path=$3 to=$4 subst=$5
	shift 5
	for f in "$@"; do
		before=$(cksum <"$f")
		perl -0pi -e "$subst" "$f"
		[ "$before" = "$(cksum <"$f")" ] && continue
		# Import the new package right after the old one (gofmt sorts).
		if ! grep -q "^[[:space:]]*\"$mod/$to_path\"" "$f"; then
			perl -0pi -e "s|^import \"$mod/$from_path\"\\n|import (\\n\\t\"$mod/$from_path\"\\n)\\n|m;
				s|^(\\t\"$mod/$from_path\"\\n)|\$1\\t\"$mod/$to_path\"\\n|m" "$f"
		fi
		# Drop the old import when no code line still uses it.
		if ! grep -v '^[[:space:]]*//' "$f" | grep -Pq "(?<![\\w.])$from\\."; then
			perl -0pi -e "s|^\\t\"$mod/$from_path\"\\n||m" "$f"
		fi
		gofmt -w "$f"
		echo "rewrote $f"
		# A local variable named like the new package shadows it: the build
		# then fails with "store.Open undefined (type *store.Store ...)".
		if grep -Pq "(^|[\\s(,])$to(, \\w+)? :?= |var $to |[(,] *$to \\*" "$f"; then
			echo "  $f declares a variable named $to: rename it if go build fails"
		fi
	done
}

gofiles=$(find . -name '*.go' -not -path './.git/*' -not -path './chain/store/*.go' | sort)
# chain/store's own external tests use chain.OpenStore etc. too.
gofiles="$gofiles $(find ./chain/store -name '*_test.go' 2>/dev/null | sort)"

store_names='Store|View|Block|Page|Query|BulkLoader|BulkContractCreated|DefaultBulkBatchBytes|ErrNotFound|ErrCorrupt|SnapshotFormat|DefaultSnapshotChunkSize|ErrSnapshotChunk|ErrSnapshotInvalid|SnapshotManifest|DecodeSnapshotMetadata|LoadSnapshotManifest|SnapshotChunkPath|Export|Import'
# shellcheck disable=SC2086
rename chain chain chain/store store \
	"s/(?<![\\w.])chain\\.OpenStore\\b/store.Open/g;
	 s/(?<![\\w.])chain\\.ErrStoreNotEmpty\\b/store.ErrNotEmpty/g;
	 s/(?<![\\w.])chain\\.($store_names)\\b/store.\$1/g" \
	$(grep -lP "(?<![\\w.])chain\\.(OpenStore|ErrStoreNotEmpty|$store_names)\\b" $gofiles || true)

log_names='Open|Log|Reader|Writer|RootAt|InclusionProof|ConsistencyProof|LeafHashAt|ErrNotFound|ErrCorrupt'
# shellcheck disable=SC2086
rename chain/merklelog merklelog chain/merklelog/pebblelog pebblelog \
	"s/(?<![\\w.])merklelog\\.($log_names)\\b/pebblelog.\$1/g" \
	$(grep -lP "(?<![\\w.])merklelog\\.($log_names)\\b" $gofiles || true)

# shellcheck disable=SC2086
rename evidence evidence evidence/assemble assemble \
	"s/(?<![\\w.])evidence\\.Assemble\\(/assemble.Bundle(/g;
	 s/(?<![\\w.])evidence\\.(Headers|ErrNoRecords|MaxContracts)\\b/assemble.\$1/g" \
	$(grep -lP "(?<![\\w.])evidence\\.(Assemble\\(|Headers\\b|ErrNoRecords\\b|MaxContracts\\b)" $gofiles || true)

# Inside package chain: the unexported codec and index helpers are exported.
for f in chain/*.go; do
	[ -f "$f" ] || continue
	before=$(cksum <"$f")
	perl -pi -e 's/\bencodeState\(/EncodeState(/g; s/\bdecodeState\(/DecodeState(/g;
		s/\bstateValue\b/StateValue/g; s/\bindexKeys\(/EncodeIndexKeys(/g;
		s/\bdocIndexPrefix\(/DocIndexPrefix(/g; s/\bcontractIndexPrefix\(/ContractIndexPrefix(/g;
		s/\bcertIndexPrefix\(/CertIndexPrefix(/g' "$f"
	[ "$before" = "$(cksum <"$f")" ] || echo "rewrote $f"
done

# What needs a hand: View/Block methods or pebble left in package chain.
grep -ln '^func (\w* \*\?\(View\|Block\)) \|cockroachdb/pebble\|^//go:build !js' chain/*.go chain/merklelog/*.go evidence/*.go 2>/dev/null |
	sed 's/^/move by hand to chain\/store (or pebblelog, assemble): /' || true
