#!/usr/bin/env bash
# run.sh - size and speed of the C example actors (examples/actors): prints
# the size of every built example (build/examples/<name>.wasm, unsigned, and
# <name>_s.wasm, signed), then runs bench/host/run.sh in-process (no NATS)
# on the echo example and, when LOAD_FIXTURE names wasmCloud's Rust echo
# actor, on it too, for the per-invocation comparison. Not part of CI.
#
# Environment: STRATUS_BUILD (default build/), LOAD_FIXTURE (optional),
# ITERS / POOL_CALLS / SCALES as bench/host/run.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
STRATUS_BUILD=${STRATUS_BUILD:-$repo/build}
ex=$STRATUS_BUILD/examples
[ -f "$ex/echo.wasm" ] || { echo "run.sh: no $ex/echo.wasm (build first)" >&2; exit 1; }

echo "| example | .wasm bytes | signed bytes |"
echo "|---|---:|---:|"
for f in "$ex"/*_s.wasm; do
	name=$(basename "$f" _s.wasm)
	printf '| %s | %s | %s |\n' "$name" "$(stat -c %s "$ex/$name.wasm")" "$(stat -c %s "$f")"
done
if [ -n "${LOAD_FIXTURE:-}" ]; then
	printf '| wasmCloud %s (Rust) | – | %s |\n' "$(basename "$LOAD_FIXTURE")" "$(stat -c %s "$LOAD_FIXTURE")"
fi
echo
ECHO_WASM=$ex/echo.wasm NATS=0 STRATUS_BUILD=$STRATUS_BUILD exec bash "$repo/bench/host/run.sh"
