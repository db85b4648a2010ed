#!/usr/bin/env bash
# provider_http.sh - the HTTP walkthrough with real processes: `stratus up`
# (embedded nats-server), the signed echo test actor, the httpserver
# provider started from build/par/httpserver.par.gz with `stratus ctl start
# provider`, `stratus ctl link put ... wasmcloud:httpserver
# address=127.0.0.1:PORT`, then curl gets the echo actor's JSON (HTTP/1.1
# keep-alive and HTTP/2). Then: bad input (malformed HTTP, an oversized
# body, a link on a busy port, an actor that traps) gets clean errors while
# the provider keeps serving; an actor calls out through the httpclient
# provider; kill -9 of the httpserver provider is followed by a restart
# with the links re-applied (events and log); stop provider and stop host
# publish provider_stopped and leave no provider process behind.
#
# Usage: tests/e2e/provider_http.sh [path/to/stratus [path/to/evt_record]].
# Exits 0 when every check passed, 1 when one failed, 77 when something it
# needs is missing (skip): nats-server, curl, the test actors, the archives.
# STRATUS_E2E_KEEP=1 keeps the temporary directory (logs, events).
# STRATUS_ACTOR_FIXTURES=DIR also runs the walkthrough with DIR/echo.wasm
# (wasmCloud's signed echo fixture), which is not in the project.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stratus=${1:-${STRATUS:-$root/build/bin/stratus}}
stratus="$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")"
build=$(dirname "$(dirname "$stratus")")
recorder=${2:-$(dirname "$stratus")/evt_record}
actors=${STRATUS_TEST_ACTORS:-$build/tests/actors}
par=$build/par

for f in "$actors/echo.wasm" "$actors/trap.wasm" "$actors/fetch.wasm" \
	"$par/httpserver.par.gz" "$par/httpclient.par.gz" "$recorder"; do
	if [ ! -e "$f" ]; then
		echo "skip: $f is missing"
		exit 77
	fi
done
for p in curl nats-server openssl; do
	if ! command -v $p >/dev/null 2>&1 && [ ! -x /usr/sbin/$p ]; then
		echo "skip: $p is not installed"
		exit 77
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-provider-http.XXXXXX")
host_pid=
rec_pid=
cleanup() {
	if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
		kill -TERM "$host_pid" 2>/dev/null
		wait "$host_pid" 2>/dev/null
	fi
	[ -n "$rec_pid" ] && kill "$rec_pid" 2>/dev/null
	# No provider may outlive its host.
	pkill -9 -f "$tmp/wasmcloudcache" 2>/dev/null
	if [ -n "${STRATUS_E2E_KEEP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
export HOME="$tmp/home" TMPDIR="$tmp"
export WASH_KEYS="$tmp/home/keys"
export USER=e2euser
unset XDG_STATE_HOME WASMCLOUD_CLUSTER_SEED WASMCLOUD_HOST_SEED WASMCLOUD_LATTICE_PREFIX
unset WASMCLOUD_PROV_RPC_HOST WASMCLOUD_PROV_RPC_PORT
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
poll() { # poll SECONDS COMMAND...: retries COMMAND every 0.1 s
	local tries=$(($1 * 10))
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}
used_ports=" 4222 "
free_port() {
	local p i
	for i in $(seq 1 100); do
		p=$((20000 + (RANDOM * 7 + i) % 12000))
		case "$used_ports" in *" $p "*) continue ;; esac
		port_open "$p" && continue
		used_ports="$used_ports$p "
		echo "$p"
		return 0
	done
	return 1
}

port=$(free_port) || { echo "no free port"; exit 1; }
http=$(free_port) || { echo "no free port"; exit 1; }
http2=$(free_port) || { echo "no free port"; exit 1; }
http3=$(free_port) || { echo "no free port"; exit 1; }
export WASMCLOUD_CTL_PORT=$port WASMCLOUD_RPC_PORT=$port
ctl() { "$stratus" ctl "$@" --ctl-port "$port"; }
key_of() { "$stratus" claims inspect "$1" 2>/dev/null | grep -o 'M[A-Z2-7]\{55\}' | head -n 1; }

"$stratus" claims sign "$actors/echo.wasm" --name echo -q -r 1 -d "$tmp/echo_s.wasm" \
	>/dev/null 2>&1
"$stratus" claims sign "$actors/trap.wasm" --name trap -q -r 1 -d "$tmp/trap_s.wasm" \
	>/dev/null 2>&1
"$stratus" claims sign "$actors/fetch.wasm" --name fetch -q -c wasmcloud:httpclient -r 1 \
	-d "$tmp/fetch_s.wasm" >/dev/null 2>&1
echo_id=$(key_of "$tmp/echo_s.wasm")
trap_id=$(key_of "$tmp/trap_s.wasm")
fetch_id=$(key_of "$tmp/fetch_s.wasm")
check "test actors signed" test -n "$echo_id" -a -n "$trap_id" -a -n "$fetch_id"

"$stratus" up --log-level debug >"$tmp/up.out" 2>"$tmp/up.err" &
host_pid=$!
hosts_json() { ctl get hosts -o json >"$tmp/hosts.json" 2>/dev/null && grep -q '"N[A-Z2-7]\{55\}"' "$tmp/hosts.json"; }
check "host is up" poll 20 hosts_json
host_id=$(grep -o '"id": *"N[A-Z2-7]\{55\}"' "$tmp/hosts.json" | grep -o 'N[A-Z2-7]\{55\}' | head -n 1)

"$recorder" "$port" default "$tmp/events.jsonl" 2>"$tmp/rec.err" &
rec_pid=$!
check "event recorder ready" poll 10 grep -q ready "$tmp/rec.err"

ctl start actor "$tmp/echo_s.wasm" --host-id "$host_id" >"$tmp/start.out" 2>&1
check "echo actor started" grep -q "$echo_id" "$tmp/start.out"

# The walkthrough: start the httpserver provider from its archive.
ctl start provider "$par/httpserver.par.gz" --link-name default >"$tmp/prov.out" 2>&1
prov_id=$(grep -o 'V[A-Z2-7]\{55\}' "$tmp/prov.out" | head -n 1)
check "httpserver provider started (provider_started seen)" test -n "$prov_id"
prov_pid() { pgrep -f "$tmp/wasmcloudcache/$prov_id" | head -n 1; }
check "provider runs from the cache directory" poll 5 test -n "$(prov_pid)"
ctl get inventory "$host_id" -o json >"$tmp/inv.json" 2>&1
check "inventory lists the provider" grep -q "$prov_id" "$tmp/inv.json"
ctl get claims -o json >"$tmp/claims.json" 2>&1
check "provider claims cached with contract_id" grep -q '"contract_id": *"wasmcloud:httpserver"' "$tmp/claims.json"

ctl link put "$echo_id" "$prov_id" wasmcloud:httpserver "address=127.0.0.1:$http" \
	>"$tmp/link.out" 2>&1
check "link put acknowledged" grep -qi "published\|success\|put" "$tmp/link.out"
get() { curl -s -o "$tmp/body" -w '%{http_code}' --max-time 5 "$@"; }
echo_ok() { [ "$(get "http://127.0.0.1:$http/echo?x=1")" = 200 ]; }
check "curl 127.0.0.1:PORT/echo answers 200" poll 10 echo_ok
check "body is the echo actor's JSON" \
	grep -q '"method":"GET","path":"/echo","query_string":"x=1"' "$tmp/body"
code=$(get -X POST --data-binary 'hello' "http://127.0.0.1:$http/post")
check "POST body reaches the actor" \
	sh -c "[ $code = 200 ] && grep -q '\"body\":\[104,101,108,108,111\]' '$tmp/body'"
curl -s --max-time 5 -o /dev/null -o /dev/null -w '%{num_connects}\n' \
	"http://127.0.0.1:$http/a" "http://127.0.0.1:$http/b" >"$tmp/ka.out" 2>&1
check "keep-alive: two requests, one connection" test "$(tr -d '\n' <"$tmp/ka.out")" = 10
code=$(curl -s -o "$tmp/body" -w '%{http_code} %{http_version}' --max-time 5 \
	--http2-prior-knowledge "http://127.0.0.1:$http/h2")
check "HTTP/2 (prior knowledge) answers 200" test "$code" = "200 2"

# The in-host fast path: a link with fastpath=true is served by the host
# itself (no provider process involved), the provider ignores it.
http_fast=$(free_port)
ctl link put "$echo_id" "$prov_id" wasmcloud:httpserver --link-name fast fastpath=true \
	"address=127.0.0.1:$http_fast" >/dev/null 2>&1
fast_ok() { [ "$(get "http://127.0.0.1:$http_fast/fast?f=1")" = 200 ]; }
check "fast path: curl answers 200" poll 10 fast_ok
check "fast path: body is the echo actor's JSON" \
	grep -q '"method":"GET","path":"/fast","query_string":"f=1"' "$tmp/body"
check "fast path: served by the host" grep -q "fast path: serving $echo_id on http://127.0.0.1:$http_fast" "$tmp/up.err"
code=$(curl -s -o /dev/null -w '%{http_code} %{http_version}' --max-time 5 \
	--http2-prior-knowledge "http://127.0.0.1:$http_fast/h2")
check "fast path: HTTP/2 answers 200" test "$code" = "200 2"
ctl link del "$echo_id" wasmcloud:httpserver --link-name fast >/dev/null 2>&1
fast_gone() { ! port_open "$http_fast"; }
check "fast path: link del closes the listener" poll 10 fast_gone

# Bad input.
printf 'GARBAGE \001\002 NOT HTTP\r\n\r\n' >"$tmp/garbage"
(exec 3<>"/dev/tcp/127.0.0.1/$http" && cat "$tmp/garbage" >&3 && timeout 3 cat <&3) \
	>"$tmp/garbage.out" 2>/dev/null
check "malformed HTTP gets 400" grep -q "^HTTP/1.1 400" "$tmp/garbage.out"
check "still serving after malformed HTTP" echo_ok
head -c 12000000 /dev/zero >"$tmp/big"
code=$(get -X POST --data-binary @"$tmp/big" "http://127.0.0.1:$http/big")
check "oversized body gets 413" test "$code" = 413
check "still serving after an oversized body" echo_ok

ctl start actor "$tmp/trap_s.wasm" --host-id "$host_id" >/dev/null 2>&1
ctl link put "$trap_id" "$prov_id" wasmcloud:httpserver "address=127.0.0.1:$http" \
	>/dev/null 2>&1
check "link on a busy port: a clear log line" \
	poll 10 grep -q "127.0.0.1:$http.*in use\|in use.*127.0.0.1:$http" "$tmp/up.err"
check "still serving after the busy-port link" echo_ok
ctl link del "$trap_id" wasmcloud:httpserver >/dev/null 2>&1
ctl link put "$trap_id" "$prov_id" wasmcloud:httpserver "address=127.0.0.1:$http2" \
	>/dev/null 2>&1
trap_500() { [ "$(get "http://127.0.0.1:$http2/")" = 500 ]; }
check "an actor that traps: 500" poll 10 trap_500
check "the 500 has an empty body" test ! -s "$tmp/body"

# An actor calls out through the httpclient provider (to the echo actor's
# listener, served by the httpserver provider).
ctl start provider "$par/httpclient.par.gz" --link-name default >"$tmp/hc.out" 2>&1
hc_id=$(grep -o 'V[A-Z2-7]\{55\}' "$tmp/hc.out" | head -n 1)
check "httpclient provider started" test -n "$hc_id"
ctl start actor "$tmp/fetch_s.wasm" --host-id "$host_id" >/dev/null 2>&1
ctl link put "$fetch_id" "$hc_id" wasmcloud:httpclient >/dev/null 2>&1
ctl link put "$fetch_id" "$prov_id" wasmcloud:httpserver "address=127.0.0.1:$http3" \
	>/dev/null 2>&1
fetch_ok() {
	[ "$(get "http://127.0.0.1:$http3/?url=http://127.0.0.1:$http/upstream")" = 200 ] &&
		grep -q '^200 .*"path":"/upstream"' "$tmp/body"
}
check "actor -> httpclient -> local server -> back" poll 10 fetch_ok
closed=$(free_port)
code=$(get "http://127.0.0.1:$http3/?url=http://127.0.0.1:$closed/")
check "httpclient error (connection refused) reaches the actor" \
	sh -c "[ $code = 502 ] && grep -q 'sending request' '$tmp/body'"

# TLS verification is on: a self-signed HTTPS server is refused.
tls=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
	-keyout "$tmp/tls.key" -out "$tmp/tls.crt" >/dev/null 2>&1
openssl s_server -quiet -www -accept "127.0.0.1:$tls" -key "$tmp/tls.key" -cert "$tmp/tls.crt" \
	>/dev/null 2>&1 &
tls_pid=$!
tls_up() { port_open "$tls"; }
poll 5 tls_up
code=$(get "http://127.0.0.1:$http3/?url=https://127.0.0.1:$tls/")
check "httpclient refuses a self-signed certificate (verification on)" \
	sh -c "[ $code = 502 ] && grep -qi 'certificate' '$tmp/body'"
kill "$tls_pid" 2>/dev/null

# A bare executable: wrapped into an archive signed with the user's keys.
ctl start provider "$(dirname "$stratus")/stratus-httpclient" --link-name exe >"$tmp/exe.out" 2>&1
check "an executable without --capid is refused" grep -q "needs --capid" "$tmp/exe.out"
ctl start provider "$(dirname "$stratus")/stratus-httpclient" --capid wasmcloud:httpclient \
	--link-name exe >"$tmp/exe.out" 2>&1
exe_id=$(grep -o 'V[A-Z2-7]\{55\}' "$tmp/exe.out" | head -n 1)
check "an executable starts as a provider (--capid)" test -n "$exe_id"
check "  ... signed with a service key of the keys directory" test -s "$WASH_KEYS/stratus-httpclient_service.nk"
ctl stop provider "$host_id" "$exe_id" exe >/dev/null 2>&1
exe_gone() { ! pgrep -f "$tmp/wasmcloudcache/$exe_id" >/dev/null; }
check "  ... and stops" poll 10 exe_gone

# kill -9: the host restarts the provider with its links.
old_pid=$(prov_pid)
kill -9 "$old_pid"
new_pid() { p=$(prov_pid); [ -n "$p" ] && [ "$p" != "$old_pid" ]; }
check "killed provider comes back" poll 10 new_pid
check "the exit is logged" grep -q "provider $prov_id (default) killed by signal 9" "$tmp/up.err"
check "provider_stopped with the reason" \
	grep -q 'lattice.provider_stopped".*killed by signal 9' "$tmp/events.jsonl"
check "provider_started again" \
	test "$(grep -c 'lattice.provider_started".*'"$prov_id" "$tmp/events.jsonl")" -ge 2
check "links re-applied: next curl succeeds" poll 10 echo_ok
check "  ... on every listener" poll 10 fetch_ok

# Health checks pass (the first comes 5 s after a start).
check "health_check_passed published" poll 10 grep -q 'lattice.health_check_passed"' "$tmp/events.jsonl"

# Link delete reaches the provider: the listener of that link closes.
ctl link del "$fetch_id" wasmcloud:httpserver >/dev/null 2>&1
fetch_closed() { ! port_open "$http3"; }
check "link del closes the provider's listener" poll 10 fetch_closed
check "  ... the others keep serving" echo_ok

# Stop provider: provider_stopped (normal), the listener closes.
ctl stop provider "$host_id" "$hc_id" default wasmcloud:httpclient >"$tmp/sp.out" 2>&1
check "stop provider acknowledged" grep -q "stopping" "$tmp/sp.out"
hc_gone() { ! pgrep -f "$tmp/wasmcloudcache/$hc_id" >/dev/null; }
check "httpclient provider process is gone" poll 10 hc_gone
check "provider_stopped (normal)" \
	poll 5 grep -q 'lattice.provider_stopped".*"reason":"normal"' "$tmp/events.jsonl"
ctl stop provider "$host_id" "$hc_id" default >"$tmp/sp2.out" 2>&1
check "stopping it again is refused" grep -q "not running" "$tmp/sp2.out"

# Optional: wasmCloud's own echo actor through the same provider.
if [ -n "${STRATUS_ACTOR_FIXTURES:-}" ] && [ -f "$STRATUS_ACTOR_FIXTURES/echo.wasm" ]; then
	real_id=$(key_of "$STRATUS_ACTOR_FIXTURES/echo.wasm")
	http4=$(free_port)
	ctl start actor "$STRATUS_ACTOR_FIXTURES/echo.wasm" --host-id "$host_id" >/dev/null 2>&1
	ctl link put "$real_id" "$prov_id" wasmcloud:httpserver "address=127.0.0.1:$http4" \
		>/dev/null 2>&1
	real_ok() { [ "$(get "http://127.0.0.1:$http4/echo?y=2")" = 200 ] && grep -q '"path":"/echo"' "$tmp/body"; }
	check "wasmCloud's echo fixture answers through the provider" poll 10 real_ok
fi

ctl stop host "$host_id" >/dev/null 2>&1
rc=0
wait "$host_pid" || rc=$?
host_pid=
check "host exits 0" test "$rc" = 0
no_providers() { ! pgrep -f "$tmp/wasmcloudcache" >/dev/null; }
check "no provider process outlives the host" poll 5 no_providers
check "provider_stopped on host stop" \
	test "$(grep -c 'lattice.provider_stopped".*"reason":"normal"' "$tmp/events.jsonl")" -ge 2

if [ "$failed" -gt 0 ]; then
	echo "# $failed of $n checks failed; host log:"
	tail -n 60 "$tmp/up.err" | sed 's/^/# /'
	exit 1
fi
echo "# all $n checks passed"
exit 0
