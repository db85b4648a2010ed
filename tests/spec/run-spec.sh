#!/usr/bin/env bash
# run-spec.sh - one spec test (ctest spec.<name>): converts <name>.wast with
# wast2json into OUTDIR, then runs spec_runner on the result.
#
# usage: run-spec.sh SPEC_RUNNER WAST2JSON FILE.wast OUTDIR KNOWN_FAILURES
#
# A wast2json failure fails the test, unless known-failures.txt lists the
# whole file as `<name>.wast:0  reason` (e.g. a script too new for our
# wabt); such an entry fails the test once the file converts again.
set -uo pipefail

if [ $# -ne 5 ]; then
	sed -n '5p' "$0" | sed 's/^# //' >&2
	exit 2
fi
runner=$1 wast2json=$2 wast=$3 out=$4 known=$5
base=$(basename "$wast")
name=${base%.wast}

# whole_file_entry: prints the reason of a `<name>.wast:0` entry, if any.
whole_file_entry()
{
	grep -E "^[[:space:]]*${base//./\\.}:0[[:space:]]" "$known" 2>/dev/null |
		sed -E 's/^[^[:space:]]+[[:space:]]+//' | head -n 1
}

rm -rf "$out"
mkdir -p "$out" || exit 1
reason=$(whole_file_entry)
if ! "$wast2json" "$wast" -o "$out/$name.json" >"$out/wast2json.log" 2>&1; then
	sed -n '1,20p' "$out/wast2json.log"
	if [ -n "$reason" ]; then
		echo "KNOWN $base:0: wast2json cannot convert this file [$reason]"
		echo "$name: 1 of the failures are known (see known-failures.txt)"
		echo "$name: 0 passed, 1 failed, 0 skipped"
		exit 0
	fi
	echo "FAIL $base:0: wast2json ($("$wast2json" --version 2>/dev/null || echo missing)) failed to convert the file"
	echo "$name: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
if [ -n "$reason" ]; then
	echo "FIXED $base:0: wast2json converts the file now, remove it from known-failures.txt [$reason]"
	exit 1
fi
exec "$runner" --known "$known" "$out/$name.json"
