#!/usr/bin/env bash
# wasm32-compile.sh - ctest idl.wasm32_compile: compiles every generated
# sdk/c/gen/*.c, tests/idl/example_actor.c (an actor written against the
# generated headers and wasmbus glue macros) and, given the generator, the
# bindings of tests/idl/good/features.smithy, with
#   clang --target=wasm32 -ffreestanding -nostdlib -fno-builtin -O2
# and the project's warnings as errors (no libc headers but stddef, stdint,
# stdbool). Exit 77 (skipped) when clang cannot target wasm32.
#
# usage: tests/idl/wasm32-compile.sh CLANG [PATH/TO/stratus-idlgen]
set -euo pipefail
cc=${1:-clang}
gen=${2:-}
[ -z "$gen" ] || gen=$(cd "$(dirname "$gen")" && pwd)/$(basename "$gen")
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo 'int probe(void); int probe(void) { return 0; }' >"$tmp/probe.c"
if ! "$cc" --target=wasm32 -ffreestanding -nostdlib -c "$tmp/probe.c" -o "$tmp/probe.o" 2>/dev/null; then
	echo "idl: $cc cannot compile for wasm32: skipped"
	exit 77
fi
flags=(--target=wasm32 -ffreestanding -nostdlib -fno-builtin -O2 -std=c11
	-Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wvla
	-Wwrite-strings -Wshadow -Wformat=2 -Wpointer-arith -fno-common -Werror
	-Isrc -Isdk/c)
extra=()
if [ -n "$gen" ]; then
	mkdir "$tmp/features"
	"$gen" -o "$tmp/features" interfaces/model.smithy tests/idl/good/features.smithy
	extra=("$tmp/features/wc_features.c")
fi
n=0
for f in sdk/c/gen/*.c tests/idl/example_actor.c "${extra[@]}"; do
	"$cc" "${flags[@]}" -c "$f" -o "$tmp/$(basename "$f" .c).o"
	n=$((n + 1))
done
echo "idl: $n files compile for wasm32 (freestanding)"
