#!/usr/bin/env bash
# run.sh - ctest idl.interop_node: MessagePack interop between the generated
# bindings (sdk/c/gen) and a second implementation, Node's @msgpack/msgpack.
#   1. node samples.mjs write: Node encodes the samples (DIR/<name>.node.mp);
#   2. idl_interop: C decodes each with the generated decoders, checks every
#      field, re-encodes with the generated encoders (DIR/<name>.c.mp);
#   3. node samples.mjs check: Node decodes our bytes and compares them with
#      the samples (and byte for byte where the keys were in @n order).
# @msgpack/msgpack is installed with `npm ci` from the checked-in
# package-lock.json into DIR/node (once). Exit 77 (skipped) when node or npm
# is missing or the registry cannot be reached.
#
# usage: tests/idl/interop/run.sh PATH/TO/idl_interop DIR
set -euo pipefail
prog=${1:?usage: run.sh PATH/TO/idl_interop DIR}
work=${2:?usage: run.sh PATH/TO/idl_interop DIR}
src=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "idl.interop_node: node/npm not found: skipped"
	exit 77
fi
mkdir -p "$work/node" "$work/samples"
# Install when missing or when the lock file changed.
if ! cmp -s "$src/package-lock.json" "$work/node/package-lock.json" ||
	[ ! -d "$work/node/node_modules/@msgpack/msgpack" ]; then
	cp "$src/package.json" "$src/package-lock.json" "$work/node/"
	if ! (cd "$work/node" && timeout 300 npm ci --no-audit --no-fund --loglevel=error); then
		rm -f "$work/node/package-lock.json"
		echo "idl.interop_node: npm ci failed (registry unreachable?): skipped"
		exit 77
	fi
fi
cp "$src/samples.mjs" "$work/node/samples.mjs"
rm -f "$work/samples"/*.mp
node "$work/node/samples.mjs" write "$work/samples"
"$prog" "$work/samples"
node "$work/node/samples.mjs" check "$work/samples"
