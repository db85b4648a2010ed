#!/usr/bin/env bash
# host_up.sh - end-to-end check of `stratus up`: a host started with no NATS
# at its (free, per-run) address starts nats-server there itself, answers
# `stratus ctl get hosts`, writes host_config.json, starts the signed echo
# test actor from a file, answers `stratus call ... HttpServer.HandleRequest`
# with the exact bytes of actor-abi.md §12, scales to 10 instances and back,
# refuses an unsigned module with an actor_start_failed event, keeps links
# in the lattice cache, and on `stratus ctl stop host` exits 0 and stops
# its nats-server. Real processes only.
#
# Usage: tests/e2e/host_up.sh [path/to/stratus]. Exits 0 when every check
# passed, 1 when one failed, 77 when nats-server or the test actors are
# missing (skip).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stratus=${1:-${STRATUS:-$root/build/bin/stratus}}
stratus="$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")"
actors=${STRATUS_TEST_ACTORS:-$(dirname "$(dirname "$stratus")")/tests/actors}

if [ ! -f "$actors/echo.wasm" ]; then
	echo "skip: no test actors in $actors"
	exit 77
fi
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
	echo "skip: nats-server is not installed"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-host-up.XXXXXX")
host_pid=
cleanup() {
	if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
		kill -TERM "$host_pid" 2>/dev/null
		wait "$host_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp/home"
export WASH_KEYS="$tmp/home/keys"
export USER=e2euser
unset XDG_STATE_HOME WASMCLOUD_CLUSTER_SEED WASMCLOUD_HOST_SEED WASMCLOUD_LATTICE_PREFIX
mkdir -p "$HOME"

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
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
hex() { od -An -tx1 -v | tr -d ' \n'; }
# poll SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds or time runs out.
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

# A free port, never 4222; the host finds nothing there and starts nats-server on it.
port=
for i in $(seq 1 50); do
	p=$((20000 + (RANDOM * 7 + i) % 12000))
	[ "$p" = 4222 ] && continue
	port_open "$p" && continue
	port=$p
	break
done
[ -n "$port" ] || { echo "no free port"; exit 1; }
export WASMCLOUD_CTL_PORT=$port WASMCLOUD_RPC_PORT=$port
ctl() { "$stratus" ctl "$@" --ctl-port "$port"; }

# Sign the echo actor (and keep an unsigned copy).
"$stratus" claims sign "$actors/echo.wasm" --name echo -q -l -r 1 \
	-d "$tmp/echo_s.wasm" >"$tmp/sign.out" 2>&1
check "echo actor signed" test -s "$tmp/echo_s.wasm"
actor_id=$("$stratus" claims inspect "$tmp/echo_s.wasm" 2>/dev/null | grep -o 'M[A-Z2-7]\{55\}' | head -n 1)
check "actor key read" test -n "$actor_id"

"$stratus" up --log-level debug --heartbeat-ms 500 >"$tmp/up.out" 2>"$tmp/up.err" &
host_pid=$!

hosts_json() { ctl get hosts -o json >"$tmp/hosts.json" 2>/dev/null && grep -q '"N[A-Z2-7]\{55\}"' "$tmp/hosts.json"; }
check "host answers ping.hosts on the embedded nats-server" poll 20 hosts_json
host_id=$(grep -o '"id": *"N[A-Z2-7]\{55\}"' "$tmp/hosts.json" | grep -o 'N[A-Z2-7]\{55\}' | head -n 1)
check "host id read" test -n "$host_id"
nats_pid=$(sed -n 's/.*nats-server running (pid \([0-9]*\).*/\1/p' "$tmp/up.err" | head -n 1)
check "embedded nats-server started" test -n "$nats_pid"
check "host_config.json written with the lattice port" \
	grep -q "\"ctl_port\":$port" "$HOME/.wash/host_config.json"
check "host_config.json is private" test "$(stat -c %a "$HOME/.wash/host_config.json")" = 600

# `stratus ctl start actor` waits for the actor_started (or actor_start_failed)
# event itself, so its output proves the event was published.
ctl start actor "$tmp/echo_s.wasm" --host-id "$host_id" >"$tmp/start.out" 2>&1
check "echo actor started (actor_started seen)" grep -q "$actor_id" "$tmp/start.out"

inv_count() { # inv_count N: the inventory lists N instances of the actor
	ctl get inventory "$host_id" -o json >"$tmp/inv.json" 2>/dev/null || return 1
	[ "$(grep -c '"instance_id"' "$tmp/inv.json")" = "$1" ]
}
check "inventory lists 1 instance" poll 5 inv_count 1

# HttpServer.HandleRequest with GET /foo/bar, accept */*, body "hello".
req='{"method":"GET","path":"/foo/bar","queryString":"","header":{"accept":["*/*"]},"body":"hello"}'
"$stratus" call "$actor_id" HttpServer.HandleRequest "$req" --ctl-port "$port" --raw \
	>"$tmp/call.bin" 2>"$tmp/call.err"
body='{"body":[104,101,108,108,111],"method":"GET","path":"/foo/bar","query_string":""}'
want="83aa737461747573436f6465ccc8a668656164657280a4626f6479c451$(printf '%s' "$body" | hex)"
got=$(hex <"$tmp/call.bin")
check "HandleRequest answers the exact 110 bytes" test "$got" = "$want"

ctl scale actor "$host_id" "$actor_id" "$tmp/echo_s.wasm" --count 10 >/dev/null 2>&1
check "scaled to 10 instances" poll 10 inv_count 10
"$stratus" call "$actor_id" HttpServer.HandleRequest "$req" --ctl-port "$port" --raw \
	>"$tmp/call2.bin" 2>/dev/null
check "answers at 10 instances" test "$(hex <"$tmp/call2.bin")" = "$want"
ctl scale actor "$host_id" "$actor_id" "$tmp/echo_s.wasm" --count 1 >/dev/null 2>&1
check "scaled back to 1 instance" poll 10 inv_count 1

# An unsigned module is refused with the reason.
cp "$actors/echo.wasm" "$tmp/unsigned.wasm"
ctl start actor "$tmp/unsigned.wasm" --host-id "$host_id" >"$tmp/unsigned.out" 2>&1
check "unsigned module refused" grep -q "No claims found in source module" "$tmp/unsigned.out"
ctl start actor "$tmp/missing.wasm" --host-id "$host_id" >"$tmp/missing.out" 2>&1
check "missing file refused" grep -q "Failed to read actor file" "$tmp/missing.out"

# Host calls from the hostcall test actor (payload: binding NUL namespace NUL
# operation NUL message; sent as a JSON string, so the binding is the msgpack
# str header, which built-ins and actor targets ignore). Its claims have
# numbergen but not logging.
"$stratus" claims sign "$actors/hostcall.wasm" --name hostcall -c wasmcloud:builtin:numbergen \
	-d "$tmp/hc_s.wasm" >/dev/null 2>&1
hc_id=$("$stratus" claims inspect "$tmp/hc_s.wasm" 2>/dev/null | grep -o 'M[A-Z2-7]\{55\}' | head -n 1)
ctl start actor "$tmp/hc_s.wasm" --host-id "$host_id" >"$tmp/hc.out" 2>&1
check "hostcall actor started" grep -q "$hc_id" "$tmp/hc.out"
hcall() { # hcall NAMESPACE OPERATION: calls the host through the hostcall actor
	"$stratus" call "$hc_id" Call "\"\\u0000$1\\u0000$2\\u0000\"" --ctl-port "$port" --raw \
		>"$tmp/hcall.out" 2>&1
}
hcall wasmcloud:builtin:numbergen NumberGen.GenerateGuid
check "numbergen GenerateGuid answers a msgpack uuid" \
	grep -q "$(printf '\331\044')[0-9a-f]\{8\}-[0-9a-f]\{4\}-4" "$tmp/hcall.out"
hcall wasmcloud:builtin:logging Logging.WriteLog
check "logging without the claim: authorization error" grep -q \
	"Host error: Invocation not authorized: missing capability claim for wasmcloud:builtin:logging" \
	"$tmp/hcall.out"
hcall wasmcloud/nobody Pingpong.Ping
check "unknown alias: Call alias not found" \
	grep -q "Host error: Call alias not found: wasmcloud/nobody on default" "$tmp/hcall.out"
hcall "$actor_id" HttpServer.HandleRequest
check "local actor called in-process (its guest error passed through)" \
	grep -q "Host error: Guest call failed for method HttpServer.HandleRequest" "$tmp/hcall.out"
hcall MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP Pingpong.Ping
check "absent remote actor: request timeout" \
	grep -q "Host error: Failed to perform RPC call: request timeout" "$tmp/hcall.out"

# Links and claims.
ctl link put "$actor_id" VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE \
	wasmcloud:httpserver PORT=8080 >/dev/null 2>&1
ctl get links -o json >"$tmp/links.json" 2>&1
check "link listed with its values" grep -q '"PORT": *"8080"' "$tmp/links.json"
ctl get claims -o json >"$tmp/claims.json" 2>&1
check "claims listed" grep -q "$actor_id" "$tmp/claims.json"

ctl stop host "$host_id" >"$tmp/stop.out" 2>&1
check "stop host acknowledged" grep -q "acknowledged" "$tmp/stop.out"
rc=0
wait "$host_pid" || rc=$?
host_pid=
check "host exits 0" test "$rc" = 0
check "embedded nats-server is gone" sh -c "! kill -0 $nats_pid 2>/dev/null"
check "host logged its clean stop" grep -q "host stopped" "$tmp/up.err"

if [ "$failed" -gt 0 ]; then
	echo "# $failed of $n checks failed; host log:"
	tail -n 40 "$tmp/up.err" | sed 's/^/# /'
	exit 1
fi
echo "# all $n checks passed"
exit 0
