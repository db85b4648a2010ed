# shellcheck shell=bash
# common.sh - shared helpers for the scripts in scripts/ (sourced, not run).
#
# Sets ROOT to the repository root (found from this file's location) and
# provides c_sources, which lists the C files the formatter owns.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Prints the clang-format to use: clang-format-14 (the version .clang-format
# is written for) when installed, else clang-format.
clang_format_bin()
{
	if command -v clang-format-14 >/dev/null 2>&1; then
		echo clang-format-14
	elif command -v clang-format >/dev/null 2>&1; then
		echo clang-format
	else
		echo "clang-format not found: run scripts/deps.sh build" >&2
		return 1
	fi
}

# Lists, relative to ROOT and sorted, the .c/.h files under the given
# directories (default: src tests fuzz bench providers sdk). Skipped: third-party code (third_party/,
# vendor/ folders) and generated files (a "DO NOT EDIT" marker in their first
# 5 lines, or a name ending in .gen.c/.gen.h).
c_sources()
{
	local dirs=("$@") d f
	[ ${#dirs[@]} -gt 0 ] || dirs=(src tests fuzz bench providers sdk)
	for d in "${dirs[@]}"; do
		[ -e "$ROOT/$d" ] || continue
		(cd "$ROOT" && find "$d" \( -name third_party -o -name vendor \) -prune -o \
			-type f \( -name '*.c' -o -name '*.h' \) ! -name '*.gen.[ch]' ! -name '.*' -print)
	done | sort -u | while IFS= read -r f; do
		head -n 5 "$ROOT/$f" | grep -q 'DO NOT EDIT' || printf '%s\n' "$f"
	done
}
