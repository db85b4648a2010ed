#!/usr/bin/env bash
# sdk_install.sh - the provider SDK as a third party uses it: `cmake
# --install` of the build into a temporary prefix, a provider written in a
# page of C (data/tiny_provider.c) compiled with `pkg-config --cflags --libs
# stratus-provider` only, then run for real: `stratus up`, `stratus ctl
# start provider ./tiny --capid test:tiny`, its stdout in the host log, its
# health check passed, and stopped again.
#
# Usage: tests/e2e/sdk_install.sh [path/to/stratus [path/to/evt_record]].
# Exits 0 when every check passed, 1 when one failed, 77 (skip) without a
# C compiler, pkg-config, nats-server or evt_record.
set -u

here=$(cd "$(dirname "$0")" && pwd)
stratus=${1:-$here/../../build/bin/stratus}
stratus="$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")"
build=$(dirname "$(dirname "$stratus")")
recorder=${2:-$(dirname "$stratus")/evt_record}
for p in cc pkg-config nats-server; do
	command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || { echo "skip: no $p"; exit 77; }
done
[ -x "$recorder" ] || { echo "skip: no evt_record"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-sdk.XXXXXX")
host_pid=
rec_pid=
cleanup() {
	if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
		kill -TERM "$host_pid" 2>/dev/null
		wait "$host_pid" 2>/dev/null
	fi
	[ -n "$rec_pid" ] && kill "$rec_pid" 2>/dev/null
	pkill -9 -f "$tmp/wasmcloudcache" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp/home" TMPDIR="$tmp" WASH_KEYS="$tmp/home/keys" USER=e2euser
unset WASMCLOUD_CLUSTER_SEED WASMCLOUD_HOST_SEED WASMCLOUD_LATTICE_PREFIX
mkdir -p "$HOME"

n=0
failed=0
check() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else failed=$((failed + 1)); echo "not ok $n - $what"; fi
}
poll() {
	local tries=$(($1 * 10))
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.out" 2>&1
check "cmake --install into a prefix" test -f "$tmp/prefix/include/stratus/sdk/provider.h"
pc=$(dirname "$(find "$tmp/prefix" -name stratus-provider.pc | head -n 1)")
export PKG_CONFIG_PATH=$pc
# shellcheck disable=SC2046
cc -std=gnu11 -Wall -Wextra -Werror -o "$tmp/tiny" "$here/data/tiny_provider.c" \
	$(pkg-config --cflags --libs stratus-provider) >"$tmp/cc.out" 2>&1
check "a provider builds with pkg-config stratus-provider alone" test -x "$tmp/tiny"
cat "$tmp/cc.out"

echo "not base64" | "$tmp/tiny" >/dev/null 2>"$tmp/bad.err"
check "bad host data: exit 1 with a clear message" grep -q "cannot read the host data" "$tmp/bad.err"

port=
for i in $(seq 1 50); do
	p=$((20000 + (RANDOM * 7 + i) % 12000))
	[ "$p" = 4222 ] && continue
	port_open "$p" && continue
	port=$p
	break
done
export WASMCLOUD_CTL_PORT=$port WASMCLOUD_RPC_PORT=$port
ctl() { "$stratus" ctl "$@" --ctl-port "$port"; }
"$stratus" up >"$tmp/up.out" 2>"$tmp/up.err" &
host_pid=$!
hosts() { ctl get hosts -o json >"$tmp/hosts.json" 2>/dev/null && grep -q '"N[A-Z2-7]\{55\}"' "$tmp/hosts.json"; }
check "host is up" poll 20 hosts
host_id=$(grep -o 'N[A-Z2-7]\{55\}' "$tmp/hosts.json" | head -n 1)
"$recorder" "$port" default "$tmp/events.jsonl" 2>"$tmp/rec.err" &
rec_pid=$!
poll 10 grep -q ready "$tmp/rec.err"

ctl start provider "$tmp/tiny" --capid test:tiny --host-id "$host_id" >"$tmp/start.out" 2>&1
prov_id=$(grep -o 'V[A-Z2-7]\{55\}' "$tmp/start.out" | head -n 1)
check "the third-party provider starts" test -n "$prov_id"
ctl link put MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5 "$prov_id" test:tiny \
	>/dev/null 2>&1
check "its stdout reaches the host log" poll 10 grep -q "\[$prov_id\] tiny: linked to MBCF" "$tmp/up.err"
check "its health check passes" poll 10 grep -q 'lattice.health_check_passed"' "$tmp/events.jsonl"
ctl stop provider "$host_id" "$prov_id" default >/dev/null 2>&1
gone() { ! pgrep -f "$tmp/wasmcloudcache/$prov_id" >/dev/null; }
stopped() { [ -n "$prov_id" ] && poll 10 gone; }
check "it stops on request" stopped

ctl stop host "$host_id" >/dev/null 2>&1
wait "$host_pid"
host_pid=
if [ "$failed" -gt 0 ]; then
	echo "# $failed of $n checks failed"
	tail -n 30 "$tmp/up.err" | sed 's/^/# /'
	exit 1
fi
echo "# all $n checks passed"
