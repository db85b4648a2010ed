#!/usr/bin/env bash
# check-up-to-date.sh - ctest idl.generated_up_to_date: runs stratus-idlgen on
# interfaces/*.smithy into a temporary directory and compares the result
# with the checked-in sdk/c/gen/. Fails with the diff when they differ
# (fix: tools/idlgen/regen.sh PATH/TO/stratus-idlgen, or the idl_regen target).
#
# usage: tests/idl/check-up-to-date.sh PATH/TO/stratus-idlgen
set -euo pipefail
gen=${1:?usage: check-up-to-date.sh PATH/TO/stratus-idlgen}
gen=$(cd "$(dirname "$gen")" && pwd)/$(basename "$gen")
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" -o "$tmp" interfaces/*.smithy
if ! diff -ru sdk/c/gen "$tmp" >"$tmp.diff" 2>&1; then
	sed "s|$tmp|(regenerated)|g" "$tmp.diff" | head -200
	rm -f "$tmp.diff"
	echo "idl: sdk/c/gen is not what stratus-idlgen makes from interfaces/;" \
		"run tools/idlgen/regen.sh $gen"
	exit 1
fi
rm -f "$tmp.diff"
echo "idl: sdk/c/gen is up to date ($(ls "$tmp" | wc -l) files)"
