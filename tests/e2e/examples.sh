#!/usr/bin/env bash
# examples.sh - the example actors (examples/actors, built signed into
# build/examples/<name>_s.wasm) on a real `stratus up`: echo, hello,
# uppercase, randlogger, pinger/ponger over HTTP through the httpserver
# provider (pinger calls ponger by its call alias wasmcloud/ponger);
# kvcounter, todo and sqlapp through `stratus call` (their keyvalue and
# sqldb providers are not built yet: the calls must reach the host and come
# back as the actor's 500 answer naming the contract the host could not
# route). With
# STRATUS_ACTOR_FIXTURES=DIR (wasmCloud's actors, not in the project) it
# also checks that wasmCloud's echo and our echo answer the same bytes, and
# that wasmCloud's pinger gets "Ping pong" from our ponger.
#
# Usage: tests/e2e/examples.sh [path/to/stratus]. Exits 0 when every check
# passed, 1 when one failed, 77 (skip) without the examples, the
# httpserver archive, curl or nats-server.
set -u

here=$(cd "$(dirname "$0")" && pwd)
stratus=${1:-$here/../../build/bin/stratus}
stratus="$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")"
build=$(dirname "$(dirname "$stratus")")
ex=$build/examples
par=$build/par/httpserver.par.gz
for f in echo hello uppercase randlogger pinger ponger kvcounter todo sqlapp; do
	[ -f "$ex/${f}_s.wasm" ] || { echo "skip: no $ex/${f}_s.wasm"; exit 77; }
done
[ -f "$par" ] || { echo "skip: no $par"; exit 77; }
for p in curl nats-server; do
	command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || { echo "skip: no $p"; exit 77; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-examples.XXXXXX")
host_pid=
cleanup() {
	if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
		kill -TERM "$host_pid" 2>/dev/null
		wait "$host_pid" 2>/dev/null
	fi
	pkill -9 -f "$tmp/wasmcloudcache" 2>/dev/null
	if [ -n "${STRATUS_E2E_KEEP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
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
used=" 4222 "
free_port() {
	local p i
	for i in $(seq 1 100); do
		p=$((20000 + (RANDOM * 7 + i) % 12000))
		case "$used" in *" $p "*) continue ;; esac
		port_open "$p" && continue
		used="$used$p "
		echo "$p"
		return 0
	done
	return 1
}
key_of() { "$stratus" claims inspect "$1" 2>/dev/null | grep -o 'M[A-Z2-7]\{55\}' | head -n 1; }

port=$(free_port)
export WASMCLOUD_CTL_PORT=$port WASMCLOUD_RPC_PORT=$port
ctl() { "$stratus" ctl "$@" --ctl-port "$port"; }
"$stratus" up --log-level debug >"$tmp/up.out" 2>"$tmp/up.err" &
host_pid=$!
hosts() { ctl get hosts -o json >"$tmp/hosts.json" 2>/dev/null && grep -q '"N[A-Z2-7]\{55\}"' "$tmp/hosts.json"; }
check "host is up" poll 20 hosts
host_id=$(grep -o 'N[A-Z2-7]\{55\}' "$tmp/hosts.json" | head -n 1)
prov=$(ctl start provider "$par" --host-id "$host_id" 2>/dev/null | grep -o 'V[A-Z2-7]\{55\}' | head -n 1)
check "httpserver provider started" test -n "$prov"

declare -A id http
for a in echo hello uppercase randlogger pinger ponger kvcounter todo sqlapp; do
	id[$a]=$(key_of "$ex/${a}_s.wasm")
	ctl start actor "$ex/${a}_s.wasm" --host-id "$host_id" >"$tmp/start.$a" 2>&1
	check "$a starts" grep -q "${id[$a]}" "$tmp/start.$a"
done
for a in echo hello uppercase randlogger pinger; do
	http[$a]=$(free_port)
	ctl link put "${id[$a]}" "$prov" wasmcloud:httpserver "address=127.0.0.1:${http[$a]}" \
		>/dev/null 2>&1
done
get() { # get ACTOR PATH [curl args]: body in $tmp/body, prints the status
	local a=$1 path=$2
	shift 2
	curl -s -o "$tmp/body" -w '%{http_code}' --max-time 5 "$@" "http://127.0.0.1:${http[$a]}$path"
}
up() { [ "$(get "$1" /)" != 000 ]; }
for a in echo hello uppercase randlogger pinger; do poll 10 up "$a"; done

check "echo: wasmCloud's JSON shape" \
	sh -c "[ \"\$(curl -s --max-time 5 -X POST --data-binary hi 'http://127.0.0.1:${http[echo]}/x/y?a=1')\" = \
'{\"body\":[104,105],\"method\":\"POST\",\"path\":\"/x/y\",\"query_string\":\"a=1\"}' ]"
code=$(get hello "/?name=Ada")
check "hello: Hello, Ada!" sh -c "[ $code = 200 ] && [ \"\$(cat '$tmp/body')\" = 'Hello, Ada!' ]"
code=$(get hello "/")
check "hello: Hello, World! without a name" grep -q "Hello, World!" "$tmp/body"
code=$(get uppercase "/" --data-binary 'make me loud')
check "uppercase: MAKE ME LOUD" sh -c "[ $code = 200 ] && [ \"\$(cat '$tmp/body')\" = 'MAKE ME LOUD' ]"
code=$(get randlogger "/")
check "randlogger: a GUID and numbers" \
	grep -q '^{"guid":"[0-9a-f-]\{36\}","in_range":[0-9]*,"random32":[0-9]*}$' "$tmp/body"
check "randlogger: logged through the logging built-in" \
	grep -q "\[${id[randlogger]}\] {\"guid\":\"$(cut -c10-45 "$tmp/body")" "$tmp/up.err"
code=$(get pinger "/")
check "pinger -> ponger by call alias: Ping pong" \
	sh -c "[ $code = 200 ] && [ \"\$(cat '$tmp/body')\" = 'Ping pong' ]"

# The keyvalue and sqldb examples without their providers: the actor's host
# call fails and the actor answers 500 with the reason (stratus call).
call() { # call ACTOR PATH METHOD: the HttpResponse as JSON in $tmp/call.json
	"$stratus" call "${id[$1]}" HttpServer.HandleRequest --ctl-port "$port" --bin s \
		--data "{\"method\":\"$3\",\"path\":\"$2\",\"queryString\":\"\",\"header\":{},\"body\":\"\"}" \
		>"$tmp/call.json" 2>&1
}
for a in kvcounter:/hits:GET:keyvalue todo:/todos:GET:keyvalue sqlapp:/entries:GET:sqldb; do
	IFS=: read -r name path method contract <<<"$a"
	call "$name" "$path" "$method"
	check "$name runs; without a provider its call fails: 500 naming wasmcloud:$contract" \
		sh -c "grep -q '\"statusCode\": *500' '$tmp/call.json' && grep -q 'wasmcloud:$contract' '$tmp/call.json'"
done
call todo /nowhere GET
check "todo: unknown path 404 (no provider needed)" grep -q '"statusCode": *404' "$tmp/call.json"

# Against wasmCloud's own actors (local only).
fx=${STRATUS_ACTOR_FIXTURES:-}
if [ -n "$fx" ] && [ -f "$fx/echo.wasm" ]; then
	rid=$(key_of "$fx/echo.wasm")
	ctl start actor "$fx/echo.wasm" --host-id "$host_id" >/dev/null 2>&1
	for req in '{"method":"GET","path":"/","queryString":"","header":{},"body":""}' \
		'{"method":"POST","path":"/a/b","queryString":"x=1&y=2","header":{"accept":["*/*"]},"body":"hello"}'; do
		"$stratus" call "$rid" HttpServer.HandleRequest --ctl-port "$port" --raw --data "$req" >"$tmp/theirs" 2>&1
		"$stratus" call "${id[echo]}" HttpServer.HandleRequest --ctl-port "$port" --raw --data "$req" >"$tmp/ours" 2>&1
		check "wasmCloud's echo and ours answer the same bytes ($(printf '%s' "$req" | cut -c1-40)...)" \
			cmp -s "$tmp/theirs" "$tmp/ours"
	done
	if [ -f "$fx/pinger_s.wasm" ]; then
		pid2=$(key_of "$fx/pinger_s.wasm")
		ctl start actor "$fx/pinger_s.wasm" --host-id "$host_id" >/dev/null 2>&1
		"$stratus" call "$pid2" HttpServer.HandleRequest --ctl-port "$port" --bin s \
			--data '{"method":"GET","path":"/","queryString":"","header":{},"body":""}' >"$tmp/rp.json" 2>&1
		check "wasmCloud's pinger gets Ping pong from our ponger" grep -q '"body": *"Ping pong"' "$tmp/rp.json"
	fi
fi

ctl stop host "$host_id" >/dev/null 2>&1
wait "$host_pid"
host_pid=
if [ "$failed" -gt 0 ]; then
	echo "# $failed of $n checks failed"
	tail -n 40 "$tmp/up.err" | sed 's/^/# /'
	exit 1
fi
echo "# all $n checks passed"
