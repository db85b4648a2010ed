#!/usr/bin/env bash
# test.sh - the test command (README, .ci/run): installs what is missing,
# builds, runs every test, and exits nonzero on any failure.
#
# usage: scripts/test.sh [--sanitize | --no-sanitize] [--no-deps]
#
#  1. scripts/deps.sh build test (skipped with --no-deps).
#  2. With CI=true or --sanitize: an AddressSanitizer+UBSan build (clang, or
#     gcc without clang) in <build>-asan that runs the unit and spec tests,
#     and a ThreadSanitizer build in <build>-tsan that runs the unit tests.
#  3. The main build in <build> with -DSTRATUS_WERROR=ON, then
#     `ctest --output-on-failure`: unit tests, the spec suite, and the source
#     checks headers.selfcontained, style.banned (scripts/check-banned.sh)
#     and style.format (scripts/check-format.sh).
# The main ctest run comes last so that its summary is what the script
# prints last; failures of earlier steps are listed just before it. Builds
# keep going past a broken target, so every test that can run does run.
#
# Environment: STRATUS_BUILD_DIR (default build), STRATUS_ASAN_BUILD_DIR
# (default <build>-asan), STRATUS_TSAN_BUILD_DIR (default <build>-tsan),
# STRATUS_JOBS (default 2), STRATUS_WERROR (ON).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

sanitize=0
case "${CI:-}" in
true | TRUE | True | 1 | yes) sanitize=1 ;;
esac
deps=1
for a in "$@"; do
	case "$a" in
	--sanitize) sanitize=1 ;;
	--no-sanitize) sanitize=0 ;;
	--no-deps) deps=0 ;;
	-h | --help)
		sed -n '2,21s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "test.sh: unknown option $a" >&2
		exit 2
		;;
	esac
done

build=${STRATUS_BUILD_DIR:-build}
asan=${STRATUS_ASAN_BUILD_DIR:-$build-asan}
jobs=${STRATUS_JOBS:-2}
werror=${STRATUS_WERROR:-ON}
failed=()

step()
{
	printf '\n==> %s\n' "$*"
}

# build DIR: compiles everything, continuing past failing targets.
build()
{
	local keep=(-k)
	grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja' "$1/CMakeCache.txt" 2>/dev/null && keep=(-k 0)
	cmake --build "$1" -j "$jobs" -- "${keep[@]}"
}

if [ "$deps" = 1 ]; then
	step "dependencies"
	scripts/deps.sh build test
fi

if [ "$sanitize" = 1 ]; then
	step "sanitizer build ($asan): address,undefined"
	cc=clang
	command -v clang >/dev/null 2>&1 || cc=gcc
	# With clang here, warnings are gated by both compilers (gcc in the main build).
	cmake -S . -B "$asan" -DCMAKE_C_COMPILER="$cc" -DSTRATUS_SANITIZE=address,undefined \
		-DSTRATUS_WERROR="$werror"
	build "$asan" || failed+=("sanitizer build")
	step "unit and spec tests under address,undefined"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		ctest --test-dir "$asan" --output-on-failure -j "$jobs" -R '^(unit|spec)\.' ||
		failed+=("unit and spec tests under sanitizers")
fi

if [ "$sanitize" = 1 ]; then
	tsan=${STRATUS_TSAN_BUILD_DIR:-$build-tsan}
	step "thread sanitizer build ($tsan)"
	cmake -S . -B "$tsan" -DCMAKE_C_COMPILER="$cc" -DSTRATUS_SANITIZE=thread -DSTRATUS_WERROR="$werror"
	build "$tsan" || failed+=("thread sanitizer build")
	step "unit tests under thread sanitizer"
	TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
		ctest --test-dir "$tsan" --output-on-failure -j "$jobs" -R '^unit\.' ||
		failed+=("unit tests under thread sanitizer")
fi

step "build ($build)"
cmake -S . -B "$build" -DSTRATUS_WERROR="$werror"
build "$build" || failed+=("build")

step "tests"
if [ ${#failed[@]} -gt 0 ]; then
	for f in "${failed[@]}"; do
		echo "test.sh: FAILED: $f (see above); the tests below run anyway"
	done
fi
rc=0
ctest --test-dir "$build" --output-on-failure -j "$jobs" || rc=$?
if [ ${#failed[@]} -gt 0 ] && [ "$rc" = 0 ]; then
	rc=1
fi
exit "$rc"
