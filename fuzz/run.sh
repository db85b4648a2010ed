#!/usr/bin/env bash
# run.sh - builds the libFuzzer target fuzz_wasm (clang, ASan+UBSan) in its
# own build directory, gathers a working corpus (our seeds, every module of
# the spec suite, optional extra modules) and fuzzes for SECONDS on one core.
# Crashes land in BUILD/artifacts, the log in BUILD/logs. See README.md.
#
# usage: fuzz/run.sh [SECONDS] [LIBFUZZER_FLAG...]     (default 120 seconds)
#   STRATUS_FUZZ_BUILD      build directory (default: build-fuzz in the repo)
#   STRATUS_WASM_TESTSUITE  the .wast suite (default: ../shared/wasm-testsuite)
#   FUZZ_EXTRA_DIRS         more directories of .wasm for the corpus, separated by
#                           ':' (default: build/bench-engine when it exists)
#   FUZZ_MAX_LEN            longest input in bytes (default 32768)
#   FUZZ_TIMEOUT            seconds one input may take (default 30)
#   JOBS                    parallel compile jobs (default 2)
# Exit status: the fuzzer's (0 when the time ran out with no finding).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${STRATUS_FUZZ_BUILD:-$root/build-fuzz}
suite=${STRATUS_WASM_TESTSUITE:-$root/../shared/wasm-testsuite}
max_len=${FUZZ_MAX_LEN:-32768}
timeout=${FUZZ_TIMEOUT:-30}
jobs=${JOBS:-2}
seconds=120
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
	seconds=$1
	shift
fi
if [ -z "${FUZZ_EXTRA_DIRS+set}" ] && [ -d "$root/build/bench-engine" ]; then
	FUZZ_EXTRA_DIRS=$root/build/bench-engine
fi

note() { printf 'run.sh: %s\n' "$*" >&2; }
for tool in clang cmake wast2json wat2wasm; do
	command -v "$tool" >/dev/null 2>&1 || { note "$tool not found (scripts/deps.sh)"; exit 2; }
done

# ---------------------------------------------------------------- build
mkdir -p "$build"
CC=clang cmake -S "$root" -B "$build" -DSTRATUS_FUZZ=ON \
	-DSTRATUS_SANITIZE=address,undefined >"$build/configure.log" 2>&1 ||
	{ cat "$build/configure.log" >&2; note "configure failed"; exit 2; }
cmake --build "$build" --target fuzz_wasm fuzz_seeds -j "$jobs" >/dev/null ||
	{ note "build failed (cmake --build $build --target fuzz_wasm)"; exit 2; }
fuzzer=$build/bin/fuzz_wasm

# ---------------------------------------------------------------- corpus
# The working corpus keeps what earlier runs found; inputs are re-added
# under stable names, so repeated runs do not duplicate them.
corpus=$build/corpus
artifacts=$build/artifacts
logs=$build/logs
mkdir -p "$corpus" "$artifacts" "$logs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nseeds=0
for f in "$build"/fuzz/seeds/*.wasm; do
	[ -e "$f" ] || continue
	cp "$f" "$corpus/seed-$(basename "$f")"
	nseeds=$((nseeds + 1))
done

nspec=0
shopt -s nullglob
wasts=("$suite"/*.wast)
[ ${#wasts[@]} -gt 0 ] || note "no .wast files in $suite: corpus without the spec suite"
for w in "${wasts[@]}"; do
	name=$(basename "$w" .wast)
	case "$name" in simd_*) continue ;; esac
	mkdir -p "$tmp/$name"
	if ! wast2json "$w" -o "$tmp/$name/$name.json" >/dev/null 2>&1; then
		note "wast2json could not convert $name.wast; skipped"
		continue
	fi
	for m in "$tmp/$name"/*.wasm; do
		cp "$m" "$corpus/spec-$(basename "$m")"
		nspec=$((nspec + 1))
	done
done

nextra=0
IFS=: read -r -a extra_dirs <<<"${FUZZ_EXTRA_DIRS:-}"
for d in "${extra_dirs[@]}"; do
	for m in "$d"/*.wasm; do
		# Longer inputs would be cut at max_len, which only makes them malformed.
		[ "$(stat -c %s "$m")" -le "$max_len" ] || continue
		cp "$m" "$corpus/extra-$(basename "$m")"
		nextra=$((nextra + 1))
	done
done
note "corpus $corpus: $nseeds seeds, $nspec spec modules, $nextra extra, $(find "$corpus" -type f | wc -l) files in all"

# ---------------------------------------------------------------- fuzz
log=$logs/fuzz-$(date +%Y%m%d-%H%M%S).log
note "fuzzing for $seconds s; log $log"
rc=0
"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$max_len" \
	-timeout="$timeout" -artifact_prefix="$artifacts/" -print_final_stats=1 \
	"$@" "$corpus" 2>&1 | tee "$log" || rc=$?
if [ "$rc" -ne 0 ]; then
	note "the fuzzer stopped with status $rc: see $artifacts and $log"
fi
exit "$rc"
