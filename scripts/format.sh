#!/usr/bin/env bash
# format.sh - reformat C files in place with clang-format and .clang-format.
#
# usage: scripts/format.sh [DIR-or-FILE...]   (default: src tests fuzz bench providers sdk)
# Uses the same file selection as scripts/check-format.sh (generated and
# third-party files are left alone). A file is left untouched, and reported,
# when clang-format's result is not stable (formatting it again changes it)
# or has absurdly long lines: that happens on X-macro tables, which belong
# between /* clang-format off */ and /* clang-format on */.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

cf=$(clang_format_bin)
files=()
dirs=()
for a in "$@"; do
	if [ -f "$a" ]; then
		files+=("$a")
	else
		dirs+=("$a")
	fi
done
if [ ${#dirs[@]} -gt 0 ] || [ $# -eq 0 ]; then
	mapfile -t -O "${#files[@]}" files < <(c_sources "${dirs[@]}")
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
changed=0
skipped=0
for f in "${files[@]}"; do
	"$cf" --style=file --assume-filename="$f" <"$f" >"$tmp/once"
	"$cf" --style=file --assume-filename="$f" <"$tmp/once" >"$tmp/twice"
	if ! cmp -s "$tmp/once" "$tmp/twice" || awk 'length($0) > 200 { bad = 1 } END { exit !bad }' "$tmp/once"; then
		echo "skipped: $f (clang-format result unstable or over 200 columns;" \
			"wrap macro tables in /* clang-format off */ ... /* clang-format on */)"
		skipped=$((skipped + 1))
		continue
	fi
	if ! cmp -s "$f" "$tmp/once"; then
		cat "$tmp/once" >"$f"
		echo "formatted: $f"
		changed=$((changed + 1))
	fi
done
echo "format: $changed of ${#files[@]} files changed, $skipped skipped"
[ "$skipped" = 0 ]
