#!/usr/bin/env bash
# keyvalue.sh - the wasmcloud:keyvalue provider on Redis with real
# processes: a redis-server on a free port, `stratus up` (embedded
# nats-server), the keyvalue provider from build/par/keyvalue.par.gz, the
# httpserver provider, and the kvcounter and todo examples linked to both
# (`ctl link put ACTOR V_KV wasmcloud:keyvalue URL=redis://127.0.0.1:P`).
# curl drives them: counters go 1, 2, 3, then +5 = 8, and redis-cli sees
# the value; the todo REST API creates, lists, reads and deletes (its link
# uses a lower-case url key and database 1); parallel requests all count; a
# non-integer value gives a 500 naming Redis' error. Redis killed: the
# actor answers 500 with a clear error, the provider keeps running and logs
# it; Redis back: the same link works again. Link delete: the provider
# drops the actor. With STRATUS_ACTOR_FIXTURES=DIR holding wasmCloud's
# kvcounter.wasm, it and our kvcounter get the same requests against the
# same (flushed) Redis and must answer the same statuses and bodies.
#
# Usage: tests/e2e/keyvalue.sh [path/to/stratus]. Exits 0 when every check
# passed, 1 when one failed, 77 (skip) without redis-server, redis-cli,
# curl, nats-server, the archives or the examples. STRATUS_E2E_KEEP=1 keeps
# the temporary directory (logs).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stratus=${1:-${STRATUS:-$root/build/bin/stratus}}
stratus="$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")"
build=$(dirname "$(dirname "$stratus")")
ex=$build/examples
par=$build/par

for f in "$ex/kvcounter_s.wasm" "$ex/todo_s.wasm" "$par/keyvalue.par.gz" "$par/httpserver.par.gz"; do
	[ -f "$f" ] || { echo "skip: no $f"; exit 77; }
done
for p in redis-server redis-cli curl nats-server; do
	command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || { echo "skip: no $p"; exit 77; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-keyvalue.XXXXXX")
host_pid=
redis_pid=
cleanup() {
	if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
		kill -TERM "$host_pid" 2>/dev/null
		wait "$host_pid" 2>/dev/null
	fi
	# No provider may outlive its host: only processes run from this test's cache.
	for p in $(pgrep -f "$tmp/wasmcloudcache" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
		kill -TERM "$redis_pid" 2>/dev/null
		wait "$redis_pid" 2>/dev/null
	fi
	if [ -n "${STRATUS_E2E_KEEP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
export HOME="$tmp/home" TMPDIR="$tmp" WASH_KEYS="$tmp/home/keys" USER=e2euser
unset XDG_STATE_HOME WASMCLOUD_CLUSTER_SEED WASMCLOUD_HOST_SEED WASMCLOUD_LATTICE_PREFIX
unset WASMCLOUD_PROV_RPC_HOST WASMCLOUD_PROV_RPC_PORT
mkdir -p "$HOME"

n=0
failed=0
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else failed=$((failed + 1)); echo "not ok $n - $what"; fi
}
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
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
used=" 4222 6379 "
free_port() { # below Linux's ephemeral range (32768+), where outgoing connections take ports
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
is() { [ "$1" = "$2" ] || { echo "#   want: $2"; echo "#   got:  $1"; return 1; }; }

# Redis on a port of its own (another one if that port turns out to be taken).
rcli() { redis-cli -h 127.0.0.1 -p "$rport" "$@"; }
redis_start() { # starts redis-server on $rport; fails when it exits or does not answer in 10 s
	local i
	redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
		--dir "$tmp" >>"$tmp/redis.log" 2>&1 &
	redis_pid=$!
	for i in $(seq 1 100); do
		[ "$(rcli ping 2>/dev/null)" = PONG ] && return 0
		if ! kill -0 "$redis_pid" 2>/dev/null; then
			wait "$redis_pid" 2>/dev/null
			redis_pid=
			return 1
		fi
		sleep 0.1
	done
	kill -9 "$redis_pid" 2>/dev/null
	wait "$redis_pid" 2>/dev/null
	redis_pid=
	return 1
}
for try in 1 2 3 4 5; do
	rport=$(free_port) || { echo "no free port"; exit 1; }
	redis_start && break
done
check "redis-server answers on 127.0.0.1:$rport" test -n "$redis_pid"
[ -n "$redis_pid" ] || { tail -n 5 "$tmp/redis.log" | sed 's/^/# /'; exit 1; }
redis_url="redis://127.0.0.1:$rport"

port=$(free_port)
export WASMCLOUD_CTL_PORT=$port WASMCLOUD_RPC_PORT=$port
ctl() { "$stratus" ctl "$@" --ctl-port "$port"; }
"$stratus" up --log-level debug >"$tmp/up.out" 2>"$tmp/up.err" &
host_pid=$!
hosts() { ctl get hosts -o json >"$tmp/hosts.json" 2>/dev/null && grep -q '"N[A-Z2-7]\{55\}"' "$tmp/hosts.json"; }
check "host is up" poll 20 hosts
host_id=$(grep -o 'N[A-Z2-7]\{55\}' "$tmp/hosts.json" | head -n 1)

hs=$(ctl start provider "$par/httpserver.par.gz" --host-id "$host_id" 2>/dev/null |
	grep -o 'V[A-Z2-7]\{55\}' | head -n 1)
check "httpserver provider started" test -n "$hs"
ctl start provider "$par/keyvalue.par.gz" --host-id "$host_id" >"$tmp/kv.out" 2>&1
kv=$(grep -o 'V[A-Z2-7]\{55\}' "$tmp/kv.out" | head -n 1)
check "keyvalue provider started from keyvalue.par.gz" test -n "$kv"
kv_pid() { pgrep -f "$tmp/wasmcloudcache/$kv" | head -n 1; }
check "keyvalue provider process runs" poll 5 test -n "$(kv_pid)"
kvpid=$(kv_pid)
ctl get claims -o json >"$tmp/claims.json" 2>&1
check "its claims name wasmcloud:keyvalue" grep -q '"contract_id": *"wasmcloud:keyvalue"' "$tmp/claims.json"

declare -A id http
for a in kvcounter todo; do
	id[$a]=$(key_of "$ex/${a}_s.wasm")
	ctl start actor "$ex/${a}_s.wasm" --host-id "$host_id" >"$tmp/start.$a" 2>&1
	check "$a starts" grep -q "${id[$a]}" "$tmp/start.$a"
	http[$a]=$(free_port)
	ctl link put "${id[$a]}" "$hs" wasmcloud:httpserver "address=127.0.0.1:${http[$a]}" \
		>/dev/null 2>&1
done
ctl link put "${id[kvcounter]}" "$kv" wasmcloud:keyvalue "URL=$redis_url" >"$tmp/link.out" 2>&1
check "link put kvcounter -> keyvalue (URL=$redis_url)" grep -qi "published\|success\|put" "$tmp/link.out"
# The key in any case, and a database: todo's data goes to Redis database 1.
ctl link put "${id[todo]}" "$kv" wasmcloud:keyvalue "url=$redis_url/1" >/dev/null 2>&1
check "provider logs the kvcounter link's connection" \
	poll 10 grep -q "keyvalue: actor ${id[kvcounter]} linked to $redis_url" "$tmp/up.err"
check "provider logs the todo link's connection (lower-case url key, /1)" \
	poll 10 grep -q "keyvalue: actor ${id[todo]} linked to $redis_url/1" "$tmp/up.err"

req() { # req ACTOR METHOD PATH [curl args]: body in $tmp/body, prints the status
	local a=$1 m=$2 path=$3
	shift 3
	curl -s -o "$tmp/body" -w '%{http_code}' --max-time 10 -X "$m" "$@" \
		"http://127.0.0.1:${http[$a]}$path"
}
body() { cat "$tmp/body"; }
up() { [ "$(req "$1" GET /nowhere)" != 000 ]; }
poll 10 up kvcounter
poll 10 up todo

# kvcounter: wasmCloud's key scheme counter:<path with / as :>.
for i in 1 2 3; do
	code=$(req kvcounter GET /hits)
	check "GET /hits #$i -> 200 {\"counter\":$i}" is "$code $(body)" "200 {\"counter\":$i}"
done
code=$(req kvcounter GET "/hits?amount=5")
check "GET /hits?amount=5 -> {\"counter\":8}" is "$code $(body)" '200 {"counter":8}'
check "redis-cli: counter::hits is 8" is "$(rcli get counter::hits)" 8
code=$(req kvcounter GET "/a/b?amount=-4")
check "GET /a/b?amount=-4 -> {\"counter\":-4} (key counter::a:b)" \
	is "$code $(body) $(rcli get counter::a:b)" '200 {"counter":-4} -4'

# Parallel requests: every increment counts once.
curls=()
for i in $(seq 1 20); do
	curl -s -o /dev/null --max-time 10 "http://127.0.0.1:${http[kvcounter]}/par" &
	curls+=($!)
done
wait "${curls[@]}"
check "20 parallel requests: counter::par is 20" is "$(rcli get counter::par)" 20

# A value that is not an integer: Redis' error reaches the actor.
rcli set counter::word hello >/dev/null
code=$(req kvcounter GET /word)
check "non-integer value: 500 with Redis' error" \
	sh -c "[ $code = 500 ] && grep -q 'redis error: ERR value is not an integer or out of range' '$tmp/body'"
echo "# body: $(body)"

# todo: the REST API on Redis database 1.
code=$(req todo POST /todos --data-binary 'buy milk')
check "POST /todos -> 201 {\"id\":\"1\",\"title\":\"buy milk\"}" \
	is "$code $(body)" '201 {"id":"1","title":"buy milk"}'
code=$(req todo POST /todos --data-binary 'walk the dog')
check "POST /todos again -> id 2" is "$code $(body)" '201 {"id":"2","title":"walk the dog"}'
code=$(req todo GET /todos)
check "GET /todos lists both" sh -c "[ $code = 200 ] &&
	grep -q '{\"id\":\"1\",\"title\":\"buy milk\"}' '$tmp/body' &&
	grep -q '{\"id\":\"2\",\"title\":\"walk the dog\"}' '$tmp/body'"
code=$(req todo GET /todos/1)
check "GET /todos/1 -> 200" is "$code $(body)" '200 {"id":"1","title":"buy milk"}'
code=$(req todo DELETE /todos/1)
check "DELETE /todos/1 -> 204" is "$code" 204
code=$(req todo GET /todos/1)
check "GET /todos/1 after the delete -> 404" is "$code" 404
code=$(req todo GET /todos)
check "GET /todos -> only id 2" is "$code $(body)" '200 [{"id":"2","title":"walk the dog"}]'
check "redis-cli -n 1: todo:next 2, todos {2}, todo:2" \
	is "$(rcli -n 1 get todo:next) $(rcli -n 1 smembers todos) $(rcli -n 1 get todo:2)" \
	"2 2 walk the dog"
check "database 0 has no todo keys" is "$(rcli -n 0 exists todo:next todos todo:2)" 0

# Redis goes away: clear errors, the provider keeps serving.
kill -9 "$redis_pid"
wait "$redis_pid" 2>/dev/null
redis_pid=
code=$(req kvcounter GET /hits)
check "Redis killed: kvcounter answers 500" is "$code" 500
check "  ... with the provider's reason" \
	grep -q "redis error: cannot connect to $redis_url/\?: Connection refused" "$tmp/body"
echo "# body: $(body)"
code=$(req todo GET /todos)
check "  ... todo too" sh -c "[ $code = 500 ] && grep -q 'redis error: cannot connect' '$tmp/body'"
check "  ... the provider process is still the same" is "$(kv_pid)" "$kvpid"
check "  ... and logs that Redis is down" poll 5 grep -q \
	"keyvalue: actor ${id[kvcounter]}: redis error: cannot connect.*calls fail until Redis answers again" \
	"$tmp/up.err"
check "Redis back on the same port" redis_start
code=$(req kvcounter GET /hits)
check "Redis back: the same link works again (data was not saved: counter 1)" \
	is "$code $(body)" '200 {"counter":1}'
check "  ... logged" poll 5 grep -q "keyvalue: actor ${id[kvcounter]}: connected to $redis_url again" \
	"$tmp/up.err"
code=$(req todo POST /todos --data-binary 'again')
check "  ... todo too" is "$code $(body)" '201 {"id":"1","title":"again"}'

# Against wasmCloud's kvcounter (local only): same requests, same Redis.
fx=${STRATUS_ACTOR_FIXTURES:-}
if [ -n "$fx" ] && [ -f "$fx/kvcounter.wasm" ]; then
	id[theirs]=$(key_of "$fx/kvcounter.wasm")
	http[theirs]=$(free_port)
	ctl start actor "$fx/kvcounter.wasm" --host-id "$host_id" >/dev/null 2>&1
	ctl link put "${id[theirs]}" "$hs" wasmcloud:httpserver "address=127.0.0.1:${http[theirs]}" \
		>/dev/null 2>&1
	ctl link put "${id[theirs]}" "$kv" wasmcloud:keyvalue "URL=$redis_url" >/dev/null 2>&1
	poll 10 up theirs
	run_seq() { # run_seq ACTOR PATH...: status and body of each request, one line each
		local a=$1 p code
		shift
		for p in "$@"; do
			code=$(req "$a" GET "$p")
			echo "$p $code $(body)"
		done
	}
	compare() { # compare NAME PATH...: the same requests on a flushed Redis for each
		local name=$1
		shift
		rcli flushdb >/dev/null
		run_seq kvcounter "$@" >"$tmp/$name.ours"
		rcli flushdb >/dev/null
		run_seq theirs "$@" >"$tmp/$name.theirs"
		sed 's/^/#   ours: /' "$tmp/$name.ours"
		diff "$tmp/$name.theirs" "$tmp/$name.ours" | sed 's/^/#   diff theirs ours: /'
		cmp -s "$tmp/$name.theirs" "$tmp/$name.ours"
	}
	check "wasmCloud's kvcounter and ours: same statuses and bodies for the same requests" \
		compare seq /cmp /cmp "/cmp?amount=5" /cmp/a/b "/cmp?amount=-2" "/cmp?amount=abc" \
		"/cmp?x=1&amount=3" /
	# Query parsing is the example actor's, not the provider's: wasmCloud's parses
	# amount as an i32 after %-decoding (an unparsable amount counts 1).
	check "  ... amount beyond i32 and a %-encoded amount" \
		compare edge "/cmp?amount=3000000000" "/cmp?amount=%2D1"
	rcli set counter::word hello >/dev/null
	code_o=$(req kvcounter GET /word)
	body_o=$(body)
	code_t=$(req theirs GET /word)
	body_t=$(body)
	echo "#   ours:   $code_o $body_o"
	echo "#   theirs: $code_t $body_t"
	check "  ... both answer 500 naming Redis' error for a non-integer value" \
		sh -c "[ $code_o = 500 ] && [ $code_t = 500 ] &&
		echo '$body_o' | grep -q 'redis error: ERR value is not an integer' &&
		echo '$body_t' | grep -q 'redis error: ERR value is not an integer'"
	# Rust actors render a failed host call as "Host send error <text>" (interfaces.md §14).
	check "  ... with the same body" is "$body_o" "$body_t"
fi

# Link delete: the provider drops the actor's connections.
ctl link del "${id[kvcounter]}" wasmcloud:keyvalue >/dev/null 2>&1
check "link del reaches the provider" \
	poll 10 grep -q "keyvalue: actor ${id[kvcounter]} unlinked from $redis_url" "$tmp/up.err"
code=$(req kvcounter GET /hits)
check "  ... kvcounter's calls fail without the link" is "$code" 500
code=$(req todo GET /todos/1)
check "  ... todo keeps working" is "$code" 200

ctl stop host "$host_id" >/dev/null 2>&1
rc=0
wait "$host_pid" || rc=$?
host_pid=
check "host exits 0" is "$rc" 0
no_providers() { ! pgrep -f "$tmp/wasmcloudcache" >/dev/null; }
check "no provider process outlives the host" poll 5 no_providers
if [ "$failed" -gt 0 ]; then
	echo "# $failed of $n checks failed"
	grep -i "keyvalue" "$tmp/up.err" | tail -n 40 | sed 's/^/# /'
	exit 1
fi
echo "# all $n checks passed"
