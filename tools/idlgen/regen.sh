#!/usr/bin/env bash
# regen.sh - rewrites the checked-in bindings sdk/c/gen/ from
# interfaces/*.smithy with the given stratus-idlgen (stale files removed).
#
# usage: tools/idlgen/regen.sh PATH/TO/stratus-idlgen
set -euo pipefail
gen=${1:?usage: regen.sh PATH/TO/stratus-idlgen}
gen=$(cd "$(dirname "$gen")" && pwd)/$(basename "$gen")
cd "$(dirname "$0")/../.."
rm -f sdk/c/gen/wc_*.c sdk/c/gen/wc_*.h
"$gen" -o sdk/c/gen interfaces/*.smithy
echo "regen: $(ls sdk/c/gen | wc -l) files in sdk/c/gen"
