#!/usr/bin/env bash
# check-parse-errors.sh - ctest idl.parse_errors: runs stratus-idlgen on each
# fixture tests/idl/bad/*.smithy (together with interfaces/model.smithy,
# which the fixtures may import from) and checks that it exits with status
# 1 and prints exactly one line, `<fixture>:<expected>`, where <expected>
# is the text after `// expect: ` on the fixture's first line.
#
# usage: tests/idl/check-parse-errors.sh PATH/TO/stratus-idlgen
set -euo pipefail
gen=${1:?usage: check-parse-errors.sh PATH/TO/stratus-idlgen}
gen=$(cd "$(dirname "$gen")" && pwd)/$(basename "$gen")
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for f in tests/idl/bad/*.smithy; do
	n=$((n + 1))
	want=$(head -n 1 "$f" | sed -n 's|^// expect: ||p')
	if [ -z "$want" ]; then
		echo "FAIL $f: first line has no '// expect: ' comment"
		fail=$((fail + 1))
		continue
	fi
	want="$f:$want"
	rc=0
	got=$("$gen" -o "$tmp" interfaces/model.smithy "$f" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -ne 1 ] || [ "$got" != "$want" ]; then
		echo "FAIL $f (exit $rc)"
		echo "  want: $want"
		echo "  got:  $got"
		fail=$((fail + 1))
	else
		echo "ok   $f"
	fi
done
echo "idl.parse_errors: $((n - fail)) of $n fixtures report the expected error"
[ "$fail" -eq 0 ]
