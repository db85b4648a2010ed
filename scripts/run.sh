#!/usr/bin/env bash
# run.sh - the run command (README): installs what is missing, builds
# stratus, and starts it.
#
# usage: scripts/run.sh [ARGS...]
#
# Until the host (`stratus up`) exists, "starting it" means the engine demo:
# examples/wasi/hello.c is compiled to wasm32-wasi with Debian's clang and
# run with `stratus wasm run`; ARGS are passed to the guest program. When the
# host lands, only run_main below changes.
#
# Environment: STRATUS_BUILD_DIR (default build), STRATUS_JOBS (default 2).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

build=${STRATUS_BUILD_DIR:-build}
jobs=${STRATUS_JOBS:-2}

build_stratus()
{
	scripts/deps.sh build
	cmake -S . -B "$build" >/dev/null
	cmake --build "$build" -j "$jobs" --target stratus
}

# Compiles examples/wasi/hello.c into $build/examples/hello.wasm.
build_demo()
{
	local out=$build/examples/hello.wasm src=examples/wasi/hello.c
	mkdir -p "$build/examples"
	if [ ! -f "$out" ] || [ "$src" -nt "$out" ]; then
		clang --target=wasm32-wasi -O2 -Wall -Wextra -o "$out" "$src"
	fi
}

run_main()
{
	build_demo
	[ $# -gt 0 ] || set -- from run.sh
	exec "$build/bin/stratus" wasm run "$build/examples/hello.wasm" "$@"
}

build_stratus
run_main "$@"
