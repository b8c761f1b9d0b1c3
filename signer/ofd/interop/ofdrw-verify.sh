#!/bin/sh
# ofdrw-verify.sh: the other direction of OFD interop. Builds the parts of
# ofdrw (https://github.com/ofdrw/ofdrw, Apache-2.0) that verify OFD
# signatures from its sources, with Debian's Java packages (Maven Central is
# not needed), writes Sealchain-signed OFDs (TestWriteForOfdrw) and runs
# ofdrw's OFDValidator with SESV4ValidateContainer on them and on the
# interop corpus.
#
#   OFDRW_SRC=/path/to/ofdrw-checkout signer/ofd/interop/ofdrw-verify.sh
#
# Needs: a JDK (openjdk-17-jdk-headless) and libbcprov-java libbcpkix-java
# libdom4j-java libjaxen-java libcommons-io-java libcommons-compress-java
# libzip4j-java libslf4j-java. Tested with ofdrw commit
# 7459e35082170061efa6b399a6518dbc219f08ac. Two source edits are made on a
# copy, for Debian's library versions: commons-compress 1.22 has no
# ZipArchiveInputStream.getNextEntry returning ZipArchiveEntry (use
# getNextZipEntry), and jbig2-imageio is not packaged (ImageUtils.readJB2,
# which verification never calls, throws instead).
#
# Exit status: 0 when every expected result holds, 1 otherwise, 2 when a
# prerequisite is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
: "${OFDRW_SRC:?set OFDRW_SRC to an ofdrw/ofdrw checkout}"
command -v javac >/dev/null || { echo "no javac" >&2; exit 2; }
jars=""
for j in bcprov bcpkix bcutil dom4j jaxen commons-io commons-compress zip4j slf4j-api; do
	[ -f "/usr/share/java/$j.jar" ] || { echo "missing /usr/share/java/$j.jar" >&2; exit 2; }
	jars="$jars/usr/share/java/$j.jar:"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sp=""
for m in ofdrw-gv ofdrw-core ofdrw-pkg ofdrw-font ofdrw-gm ofdrw-reader ofdrw-sign; do
	mkdir -p "$work/src/$m"
	cp -r "$OFDRW_SRC/$m/src/main/java" "$work/src/$m/"
	sp="$sp$work/src/$m/java:"
done
r="$work/src/ofdrw-reader/java/org/ofdrw/reader"
sed -i 's/zipFile.getNextEntry()/zipFile.getNextZipEntry()/' "$r/ZipUtil.java"
sed -i '/^import org.apache.pdfbox.jbig2/d' "$r/tools/ImageUtils.java"
# readJB2's body needs jbig2: replace it with a throw.
awk '/public static BufferedImage readJB2\(InputStream in\)/ { print; print "        throw new IOException(\"JBIG2 is not available in this build\");"; skip=1; next }
	skip && /^    }$/ { skip=0 }
	!skip { print }' "$r/tools/ImageUtils.java" > "$work/IU.java"
cp "$work/IU.java" "$r/tools/ImageUtils.java"
mkdir -p "$work/classes" "$work/out"
javac -nowarn -encoding UTF-8 -d "$work/classes" -sourcepath "$sp" -cp "$jars" "$here/VerifyOFD.java" 2>&1 | grep -v '^Note:' || true
[ -f "$work/classes/VerifyOFD.class" ] || { echo "ofdrw did not compile" >&2; exit 2; }
(cd "$repo" && SEALCHAIN_OFD_OUT="$work/out" go test ./signer/ofd/ -run TestWriteForOfdrw -count=1 >/dev/null)
run() { java -cp "$work/classes:$jars" VerifyOFD "$@" 2>/dev/null | grep -E '^(OK|FAIL) ' || true; }
got=$( (run "$work/out"/*.ofd; run "$repo"/signer/ofd/testdata/interop/*.ofd) | sed "s#$work/out/##; s#$repo/signer/ofd/testdata/interop/##" | sed 's/: .*//' | sort)
want=$(sort "$here/ofdrw-expected.txt")
echo "$got"
if [ "$got" != "$want" ]; then
	echo "ofdrw results differ from signer/ofd/interop/ofdrw-expected.txt" >&2
	exit 1
fi
# ofdrw's ContentExtractor reads the text of NewText's pages (signed twice).
text=$(java -cp "$work/classes:$jars" VerifyOFD -text "$work/out/sealchain-two.ofd" 2>/dev/null | grep '^TEXT ' || true)
echo "$text"
if [ "$text" != "$(cat "$here/ofdrw-text-expected.txt")" ]; then
	echo "ofdrw reads other text than signer/ofd/interop/ofdrw-text-expected.txt" >&2
	exit 1
fi
