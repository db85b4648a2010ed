#!/usr/bin/env bash
# check-banned.sh - every .c under src/, fuzz/, bench/ and providers/ must include core/banned.h, and no
# system header may follow it (banned.h redefines names such as strcpy that
# system headers declare). Prints each offending file and why.
#
# usage: scripts/check-banned.sh [DIR...]   (default: src fuzz bench providers)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(src fuzz bench providers)
mapfile -t files < <(find "${dirs[@]}" \( -name third_party -o -name vendor \) -prune -o \
	-type f -name '*.c' ! -name '.*' -print | sort)
bad=0
for f in "${files[@]}"; do
	# Line of the banned.h include, and of the last system include.
	at=$(grep -n -m1 -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*/)?banned\.h"' "$f" |
		cut -d: -f1 || true)
	if [ -z "$at" ]; then
		echo "$f: does not include \"core/banned.h\""
		bad=$((bad + 1))
		continue
	fi
	late=$(awk -v at="$at" 'NR > at && /^[ \t]*#[ \t]*include[ \t]*</ { print NR ": " $0; exit }' "$f")
	if [ -n "$late" ]; then
		echo "$f:$late: system header after banned.h (line $at); include banned.h last"
		bad=$((bad + 1))
	fi
done
if [ "$bad" -gt 0 ]; then
	echo "check-banned: $bad of ${#files[@]} files break the banned.h rule"
	exit 1
fi
echo "check-banned: ${#files[@]} files include banned.h last"
