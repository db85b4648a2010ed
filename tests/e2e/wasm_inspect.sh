#!/usr/bin/env bash
# wasm_inspect.sh - end-to-end checks of `stratus wasm inspect`: a clang-built
# module carrying DWARF custom sections plus an appended "jwt" custom
# section (the way actors carry their claims) loads, lists them, and
# instantiates with stand-in imports.
#
# Real wasmCloud actor binaries (Rust-built, 1-2 MB with DWARF) are not part
# of the project; set STRATUS_ACTOR_FIXTURES to a directory of them to check
# each one as well. Usage: tests/e2e/wasm_inspect.sh [path/to/stratus].
# Exits 0 when every check passed, 1 when one failed, 77 when clang cannot
# build wasm32-wasi programs (skip).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stratus=${1:-${STRATUS:-$root/build/bin/stratus}}
clang=${CLANG:-clang}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-wasm-inspect.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $what"
	else
		failed=$((failed + 1))
		echo "not ok $n - $what"
	fi
}

cat >"$tmp/big.c" <<'C'
#include <stdio.h>
#include <string.h>
struct entry { const char *name; unsigned value; };
static struct entry table[] = { { "alpha", 1 }, { "beta", 2 }, { "gamma", 3 } };
int main(int argc, char **argv)
{
	unsigned sum = 0;
	for (int i = 0; i < argc; i++)
		sum += (unsigned)strlen(argv[i]);
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		sum += table[i].value;
	printf("sum %u\n", sum);
	return 0;
}
C
if ! "$clang" --target=wasm32-wasi -O1 -g -o "$tmp/big.wasm" "$tmp/big.c" 2>"$tmp/cc.err"; then
	echo "wasm_inspect: clang cannot build wasm32-wasi programs; skipping" >&2
	cat "$tmp/cc.err" >&2
	exit 77
fi

# Append a custom section named "jwt" (id 0, size, name length, name, payload).
payload='eyJhbGciOiJFZDI1NTE5In0.e30.c2ln'
size=$((1 + 3 + ${#payload}))
printf "\\x00\\x$(printf %02x $size)\\x03jwt%s" "$payload" >>"$tmp/big.wasm"

"$stratus" wasm inspect --instantiate "$tmp/big.wasm" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "inspect --instantiate exits 0" test "$rc" = 0
check "DWARF section listed" grep -q '^  \.debug_info ' "$tmp/out"
check "jwt section listed with its size" grep -Eq "^  jwt +${#payload} bytes" "$tmp/out"
check "WASI imports listed" grep -q 'wasi_snapshot_preview1\.fd_write' "$tmp/out"
check "instantiated" grep -q '^instantiated with [0-9]* stand-in imports' "$tmp/out"

# A truncated copy is refused with an offset.
head -c 100 "$tmp/big.wasm" >"$tmp/cut.wasm"
"$stratus" wasm inspect "$tmp/cut.wasm" >"$tmp/out2" 2>"$tmp/err2"
rc=$?
check "truncated module refused" test "$rc" = 1
check "error names an offset" grep -q 'offset 0x' "$tmp/err2"

if [ -n "${STRATUS_ACTOR_FIXTURES:-}" ]; then
	for f in "$STRATUS_ACTOR_FIXTURES"/*.wasm; do
		[ -e "$f" ] || continue
		"$stratus" wasm inspect --instantiate "$f" >"$tmp/a.out" 2>"$tmp/a.err"
		check "actor $(basename "$f") loads and instantiates" grep -q '^instantiated' "$tmp/a.out"
		check "actor $(basename "$f") carries a jwt section" grep -q '^  jwt ' "$tmp/a.out"
	done
else
	echo "# real actor fixtures not checked (set STRATUS_ACTOR_FIXTURES to a directory of them)"
fi

echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
