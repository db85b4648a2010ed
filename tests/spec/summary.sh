#!/usr/bin/env bash
# summary.sh - runs the whole spec suite and prints one table: per file the
# passed, failed, known and skipped checks, then the totals. For a quick
# look at the engine's state; ctest (label spec) is the gate.
#
# usage: tests/spec/summary.sh [BUILD_DIR]    (default: build)
#        STRATUS_WASM_TESTSUITE=DIR  the suite (default ../shared/wasm-testsuite)
# BUILD_DIR must hold a built tests/spec_runner. The scripts are converted
# into BUILD_DIR/tests/spec-json/<name>/ (the layout the ctest tests use).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
suite=${STRATUS_WASM_TESTSUITE:-$root/../shared/wasm-testsuite}
runner=$build/tests/spec_runner
out=$build/tests/spec-json

if [ ! -x "$runner" ]; then
	echo "summary.sh: $runner not built (cmake --build $build --target spec_runner)" >&2
	exit 2
fi
if ! command -v wast2json >/dev/null 2>&1; then
	echo "summary.sh: wast2json not found (Debian package wabt)" >&2
	exit 2
fi
shopt -s nullglob
wasts=("$suite"/*.wast)
if [ ${#wasts[@]} -eq 0 ]; then
	echo "summary.sh: no .wast files in $suite" >&2
	exit 2
fi

conv_failed=()
for w in "${wasts[@]}"; do
	name=$(basename "$w" .wast)
	case "$name" in simd_*) continue ;; esac
	rm -rf "${out:?}/$name"
	mkdir -p "$out/$name"
	if ! wast2json "$w" -o "$out/$name/$name.json" >"$out/$name/wast2json.log" 2>&1; then
		conv_failed+=("$name")
		rm -f "$out/$name/$name.json"
	fi
done

rc=0
"$runner" --known "$here/known-failures.txt" --summary "$out" || rc=$?
if [ ${#conv_failed[@]} -gt 0 ]; then
	echo "wast2json ($(wast2json --version)) could not convert ${#conv_failed[@]} files: ${conv_failed[*]}"
	rc=1
fi
exit "$rc"
