#!/usr/bin/env bash
# check-format.sh - fail when a C file under src/, tests/, fuzz/ or bench/ is not formatted
# as .clang-format says. Prints each offending file with the start of its
# diff; scripts/format.sh fixes them.
#
# usage: scripts/check-format.sh [DIR...]     (default: src tests fuzz bench providers sdk)
#        STRATUS_FORMAT_DIFF_LINES=N  diff lines shown per file (default 12, 0 = none)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

cf=$(clang_format_bin)
show=${STRATUS_FORMAT_DIFF_LINES:-12}
mapfile -t files < <(c_sources "$@")
bad=()
for f in "${files[@]}"; do
	if ! "$cf" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
		bad+=("$f")
		echo "not formatted: $f"
		if [ "$show" -gt 0 ]; then
			"$cf" --style=file "$f" | diff -u "$f" - | sed -n "3,$((show + 2))p" | cut -c1-160 |
				sed 's/^/    /' || true
		fi
	fi
done
if [ ${#bad[@]} -gt 0 ]; then
	echo "check-format: ${#bad[@]} of ${#files[@]} files need formatting; run scripts/format.sh"
	exit 1
fi
echo "check-format: ${#files[@]} files formatted ($cf)"
