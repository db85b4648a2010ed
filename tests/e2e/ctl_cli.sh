#!/usr/bin/env bash
# ctl_cli.sh - end-to-end checks of the control-interface clients `stratus
# ctl` and `stratus call` against real processes: a nats-server started here
# on a free loopback port (never 4222), with no host (empty host list, no
# responders, usage errors, a dead server), then, when `stratus up` exists,
# a real host: get hosts/inventory/claims, start the signed echo test actor
# from a file, call it, scale it to 10 and back, links, stop actor and host.
#
# Usage: tests/e2e/ctl_cli.sh [path/to/stratus]. Exits 0 when every check
# passed, 1 when one failed, 77 when nats-server is missing (skip).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stratus=${1:-${STRATUS:-$root/build/bin/stratus}}
stratus="$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")"
actors_dir=${STRATUS_TEST_ACTORS_DIR:-$(dirname "$(dirname "$stratus")")/tests/actors}
nats_server=${NATS_SERVER:-$(command -v nats-server || true)}
[ -x "$nats_server" ] || nats_server=/usr/sbin/nats-server
if [ ! -x "$nats_server" ]; then
	echo "ctl_cli: nats-server not found; skipping" >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-ctl-cli.XXXXXX")
nats_pid=
host_pid=
cleanup() {
	[ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null
	[ -n "$nats_pid" ] && kill "$nats_pid" 2>/dev/null && wait "$nats_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp/home"
export WASH_KEYS="$tmp/home/keys"
export USER=e2euser
mkdir -p "$HOME"
unset WASMCLOUD_CTL_HOST WASMCLOUD_CTL_PORT WASMCLOUD_LATTICE_PREFIX WASMCLOUD_CLUSTER_SEED
unset WASMCLOUD_RPC_HOST WASMCLOUD_RPC_PORT WASMCLOUD_HOST_SEED WASH_ISSUER_KEY WASH_SUBJECT_KEY

# The deterministic cluster seed of lattice.md §0.
seed=SCAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYO7Q

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
		for f in "$tmp/$last.out" "$tmp/$last.err"; do
			[ -s "$f" ] && sed 's/^/#   /' "$f" | head -n 20
		done
	fi
}
last=none
run() { # run NAME ARGS...: runs stratus, keeping stdout/stderr in $tmp/NAME.{out,err}, status in rc
	last=$1
	shift
	"$stratus" "$@" >"$tmp/$last.out" 2>"$tmp/$last.err"
	rc=$?
}
json_field() { # json_field FILE KEY: the first string value of "KEY": "..." in pretty JSON
	sed -n "s/^ *\"$2\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" "$1" | head -n 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Starts nats-server on a free port chosen per run; sets port and nats_pid.
start_nats() {
	local i
	for i in $(seq 1 20); do
		port=$((20000 + (RANDOM * 7 + i) % 12000))
		[ "$port" = 4222 ] && continue
		port_open "$port" && continue
		"$nats_server" -a 127.0.0.1 -p "$port" -js -sd "$tmp/js" >"$tmp/nats.log" 2>&1 &
		nats_pid=$!
		for _ in $(seq 1 100); do
			port_open "$port" && return 0
			kill -0 "$nats_pid" 2>/dev/null || break
			sleep 0.05
		done
		kill "$nats_pid" 2>/dev/null
		wait "$nats_pid" 2>/dev/null
		nats_pid=
	done
	echo "ctl_cli: cannot start nats-server" >&2
	cat "$tmp/nats.log" >&2
	exit 1
}
# Polls COMMAND until it succeeds, for up to SECONDS (tenths of a second steps).
wait_for() { # wait_for SECONDS COMMAND...
	local t=$(($1 * 10))
	shift
	while [ "$t" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		t=$((t - 1))
	done
	return 1
}

start_nats
c=(--ctl-port "$port")

# ---- usage ---------------------------------------------------------------------
run help ctl --help
check "ctl --help exits 0 and lists the commands" test "$rc" = 0 -a -s "$tmp/help.out"
run bad ctl get nothing "${c[@]}"
check "an unknown ctl command is a usage error" test "$rc" = 2
run bad ctl scale actor NHOST MACTOR ref "${c[@]}"
check "scale actor without --count is a usage error" test "$rc" = 2
run bad ctl start actor "${c[@]}"
check "start actor without a ref is a usage error" test "$rc" = 2
run bad ctl get hosts --ctl-port 70000
check "a port out of range is a usage error" test "$rc" = 2
run bad call MACTOR
check "call without an operation is a usage error" test "$rc" = 2
run bad ctl link put MACTOR VPROV wasmcloud:httpserver NOEQUALS "${c[@]}"
check "link put values must be KEY=VALUE" test "$rc" = 2

# ---- a lattice with no host ------------------------------------------------------
run hosts ctl get hosts "${c[@]}"
check "get hosts with no host succeeds" test "$rc" = 0
check "get hosts says no hosts were found" grep -q 'No hosts found' "$tmp/hosts.out"
run hosts ctl get hosts "${c[@]}" -o json
check "get hosts -o json gives an empty list" \
	test "$rc" = 0 -a "$(tr -d ' \n' <"$tmp/hosts.out")" = '{"hosts":[],"success":true}'
WASMCLOUD_CTL_PORT=$port run hosts ctl get hosts -o json
check "WASMCLOUD_CTL_PORT selects the server" test "$rc" = 0
run inv ctl get inventory "${c[@]}"
check "get inventory of every host, with no host, succeeds" test "$rc" = 0
run inv ctl get inventory NNOSUCHHOST "${c[@]}"
check "get inventory of an unknown host fails" test "$rc" = 1
check "  and says nobody answers" grep -q 'nobody answers on wasmbus.ctl.default.get.NNOSUCHHOST.inv' \
	"$tmp/inv.err"
run links ctl get links "${c[@]}" -o json
check "get links with no host fails (no responders)" test "$rc" = 1
check "  with a JSON error on stderr" grep -q '"success": false' "$tmp/links.err"
run start ctl start actor "$tmp/none.wasm" "${c[@]}" --auction-timeout-ms 300
check "start actor with no host fails the auction" test "$rc" = 1
check "  and says so" grep -q 'no host answered the auction' "$tmp/start.err"
run stop ctl stop host NNOSUCHHOST "${c[@]}"
check "stop host of an unknown host fails" test "$rc" = 1
run call call MNOSUCHACTOR Actor.HealthRequest "${c[@]}"
check "call without any cluster seed fails" test "$rc" = 1
check "  and says where a seed comes from" grep -q 'no cluster seed' "$tmp/call.err"
run call call MNOSUCHACTOR Actor.HealthRequest "${c[@]}" --cluster-seed SBADSEED
check "call with a malformed seed fails" test "$rc" = 1
run call call MNOSUCHACTOR Actor.HealthRequest "${c[@]}" --cluster-seed "$seed" --data '{'
check "call with invalid JSON data fails" test "$rc" = 1 -a -n "$(grep 'not valid JSON' "$tmp/call.err")"
WASMCLOUD_CLUSTER_SEED=$seed run call call MNOSUCHACTOR Actor.HealthRequest "${c[@]}" \
	--timeout-ms 500
check "call of an actor nobody runs fails" test "$rc" = 1
check "  saying no reply came" grep -q 'no reply from actor MNOSUCHACTOR' "$tmp/call.err"
run pfx ctl get hosts "${c[@]}" --lattice-prefix other -o json
check "another lattice prefix is a separate (empty) lattice" test "$rc" = 0

# ---- a real host ------------------------------------------------------------------
if "$stratus" up --help >/dev/null 2>&1; then
	export WASMCLOUD_CTL_PORT=$port WASMCLOUD_RPC_PORT=$port WASMCLOUD_PROV_RPC_PORT=$port
	export WASMCLOUD_CLUSTER_SEED=$seed WASMCLOUD_ALLOW_FILE_LOAD=true HOST_e2e=yes
	"$stratus" up >"$tmp/host.log" 2>&1 &
	host_pid=$!
	host_listed() {
		"$stratus" ctl get hosts -o json --timeout-ms 300 >"$tmp/hosts.out" 2>/dev/null &&
			grep -q '"id": "N' "$tmp/hosts.out"
	}
	check "stratus up appears in ctl get hosts" wait_for 15 host_listed
	host_id=$(json_field "$tmp/hosts.out" id)
	run hosts ctl get hosts --timeout-ms 500
	check "get hosts prints a table with the host" grep -q "^  $host_id " "$tmp/hosts.out"
	run inv ctl get inventory "$host_id" -o json
	check "get inventory HOST succeeds" test "$rc" = 0
	check "  and shows the HOST_ label" grep -q '"e2e": "yes"' "$tmp/inv.out"
	check "  and the built-in labels" grep -q '"hostcore.os": "linux"' "$tmp/inv.out"
	run inv ctl get inventory --timeout-ms 500
	check "get inventory of every host prints the host's table" \
		grep -q "Host Inventory ($host_id)" "$tmp/inv.out"

	echo_wasm="$actors_dir/echo.wasm"
	if [ -f "$echo_wasm" ]; then
		run sign claims sign "$echo_wasm" --name echo --cap wasmcloud:httpserver \
			-d "$tmp/echo_s.wasm"
		check "the echo test actor is signed" test "$rc" = 0 -a -s "$tmp/echo_s.wasm"
		(cd "$tmp" && "$stratus" ctl start actor echo_s.wasm -o json >"$tmp/start.out" \
			2>"$tmp/start.err")
		rc=$?
		last=start
		check "start actor from a relative file path (auctioned) succeeds" test "$rc" = 0
		actor=$(json_field "$tmp/start.out" actor_id)
		ref=$(json_field "$tmp/start.out" actor_ref)
		check "  reporting the actor's key" test "${#actor}" = 56 -a "${actor:0:1}" = M
		check "  sent as a file:// URL of the absolute path" test "$ref" = "file://$tmp/echo_s.wasm"
		run inv ctl get inventory "$host_id" -o json
		check "the inventory lists the actor" grep -q "\"id\": \"$actor\"" "$tmp/inv.out"

		data='{"method":"GET","path":"/echo","queryString":"a=1","header":{},"body":"hi"}'
		run call call "$actor" HttpServer.HandleRequest --data "$data" --bin s
		check "call HttpServer.HandleRequest succeeds" test "$rc" = 0
		want='{"statusCode":200,"header":{},"body":"{\"body\":[104,105],\"method\":\"GET\",\"path\":\"/echo\",\"query_string\":\"a=1\"}"}'
		check "  and returns the echo response" test "$(cat "$tmp/call.out")" = "$want"
		run callraw call "$actor" HttpServer.HandleRequest --data "$data" --raw
		check "call --raw prints the msgpack reply" \
			test "$rc" = 0 -a "$(head -c 1 "$tmp/callraw.out" | od -An -tx1 | tr -d ' ')" = 83
		run callbad call "$actor" HttpServer.HandleRequest --data '[1,2]'
		check "a call the actor rejects fails with its error text" \
			test "$rc" = 1 -a -n "$(grep 'deserialization' "$tmp/callbad.err")"

		count_is() { # count_is N: the actor has N instances on the host
			"$stratus" ctl get inventory "$host_id" >"$tmp/cnt.out" 2>/dev/null &&
				grep -Eq "^  $actor .* $1\$" "$tmp/cnt.out"
		}
		run scale ctl scale actor "$host_id" "$actor" "$ref" --count 10
		check "scale actor to 10 is accepted" test "$rc" = 0
		check "  and the inventory reaches 10 instances" wait_for 10 count_is 10
		run call call "$actor" HttpServer.HandleRequest --data "$data" --bin s
		check "  and calls still answer" test "$rc" = 0 -a "$(cat "$tmp/call.out")" = "$want"
		run scale ctl scale actor "$host_id" "$actor" "$ref" --count 1
		check "scale actor back to 1 is accepted" test "$rc" = 0
		check "  and the inventory goes back to 1 instance" wait_for 10 count_is 1

		run failst ctl start actor "$tmp/none.wasm" --host-id "$host_id"
		check "start actor of a missing file reports actor_start_failed's error" \
			test "$rc" = 1 -a -n "$(grep 'failed to start on host' "$tmp/failst.err")"
		run cons ctl start actor "$tmp/echo_s.wasm" --constraint hostcore.os=plan9 \
			--auction-timeout-ms 300
		check "an auction no host matches fails" test "$rc" = 1
		run cons ctl start actor "$tmp/echo_s.wasm" --constraint e2e=yes --count 2
		check "an auction on a HOST_ label matches and starts 2 more" test "$rc" = 0
		check "  reaching 3 instances" wait_for 10 count_is 3

		run claims ctl get claims -o json
		check "get claims lists the actor" grep -q "\"sub\": \"$actor\"" "$tmp/claims.out"

		prov=VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE
		run lput ctl link put "$actor" "$prov" wasmcloud:httpserver PORT=8080 -o json
		check "link put succeeds" test "$rc" = 0
		run lq ctl link query -o json
		check "link query lists the link" grep -q "\"provider_id\": \"$prov\"" "$tmp/lq.out"
		check "  with its values" grep -q '"PORT": "8080"' "$tmp/lq.out"
		run lq ctl get links
		check "get links prints it as a table" grep -q "^  $actor .*wasmcloud:httpserver" "$tmp/lq.out"
		run ldel ctl link del "$actor" wasmcloud:httpserver
		check "link del succeeds" test "$rc" = 0
		run lq ctl link query
		check "link query no longer lists it" grep -q 'No links found' "$tmp/lq.out"

		# The host wrote ~/.wash/host_config.json: call finds the seed there, like wash.
		check "the host wrote ~/.wash/host_config.json" test -s "$HOME/.wash/host_config.json"
		(unset WASMCLOUD_CLUSTER_SEED
		 "$stratus" call "$actor" HttpServer.HandleRequest --data "$data" --bin s \
			>"$tmp/cfgcall.out" 2>"$tmp/cfgcall.err")
		rc=$?
		last=cfgcall
		check "call takes the cluster seed from host_config.json" \
			test "$rc" = 0 -a "$(cat "$tmp/cfgcall.out")" = "$want"
		run gen keys gen cluster -o json
		other=$(json_field "$tmp/gen.out" seed)
		run badseed call "$actor" HttpServer.HandleRequest --data "$data" --cluster-seed "$other"
		check "an invocation signed by a foreign cluster key is refused" \
			test "$rc" = 1 -a -n "$(grep -i 'issuer' "$tmp/badseed.err")"

		run stopa ctl stop actor "$host_id" "$actor" --count 0
		check "stop actor (all instances) succeeds" test "$rc" = 0
		no_actor() {
			"$stratus" ctl get inventory "$host_id" >"$tmp/cnt.out" 2>/dev/null &&
				grep -q 'No actors found' "$tmp/cnt.out"
		}
		check "  and the inventory has no actor left" wait_for 10 no_actor
		run call call "$actor" HttpServer.HandleRequest --data "$data" --timeout-ms 500
		check "  and a call no longer succeeds" test "$rc" = 1
	else
		echo "# $echo_wasm not built: actor checks skipped"
	fi

	v1="$actors_dir/version1.wasm"
	v2="$actors_dir/version2.wasm"
	if [ -f "$v1" ] && [ -f "$v2" ]; then
		run sv1 claims sign "$v1" --name version --rev 1 -d "$tmp/v1.wasm"
		run sv2 claims sign "$v2" --name version --rev 2 -d "$tmp/v2.wasm" \
			-s "$WASH_KEYS/version1_module.nk"
		check "two revisions of one actor are signed" test -s "$tmp/v1.wasm" -a -s "$tmp/v2.wasm"
		run sta ctl start actor "$tmp/v1.wasm" --host-id "$host_id" -o json
		check "start actor --host-id (no auction) succeeds" test "$rc" = 0
		vact=$(json_field "$tmp/sta.out" actor_id)
		run v call "$vact" Version
		ver1=$(cat "$tmp/v.out")
		run upd ctl update actor "$host_id" "$vact" "$tmp/v2.wasm"
		check "update actor to revision 2 succeeds" test "$rc" = 0
		run v call "$vact" Version
		check "  and the actor answers with the new module" \
			test "$rc" = 0 -a -n "$ver1" -a "$(cat "$tmp/v.out")" != "$ver1"
		run upd ctl update actor "$host_id" "$vact" "$tmp/v1.wasm"
		check "update actor to an older revision is refused (accepted=false)" \
			test "$rc" = 1 -a -n "$(grep 'refused the request' "$tmp/upd.err")"
	fi

	run stoph ctl stop host "$host_id"
	check "stop host is acknowledged" test "$rc" = 0
	host_gone() { ! kill -0 "$host_pid" 2>/dev/null; }
	check "  and the host process exits" wait_for 10 host_gone
	wait "$host_pid" 2>/dev/null
	host_pid=
	run hosts ctl get hosts --timeout-ms 300
	check "  and get hosts no longer lists it" grep -q 'No hosts found' "$tmp/hosts.out"
	unset WASMCLOUD_CTL_PORT
else
	echo "# stratus up is not available: host checks skipped"
fi

# ---- a dead server ----------------------------------------------------------------
kill "$nats_pid"
wait "$nats_pid" 2>/dev/null
nats_pid=
run dead ctl get hosts "${c[@]}"
check "get hosts against a dead server fails" test "$rc" = 1
check "  with 'cannot connect to NATS at HOST:PORT'" \
	grep -q "cannot connect to NATS at 127.0.0.1:$port" "$tmp/dead.err"
run dead ctl get hosts "${c[@]}" -o json
check "  also as JSON" grep -q "\"error\": \"cannot connect to NATS at 127.0.0.1:$port\"" "$tmp/dead.err"
run dead call MNOSUCHACTOR Actor.HealthRequest "${c[@]}" --cluster-seed "$seed"
check "call against a dead server fails the same way" \
	test "$rc" = 1 -a -n "$(grep "cannot connect to NATS at 127.0.0.1:$port" "$tmp/dead.err")"

echo "1..$n"
[ "$failed" = 0 ] || echo "# $failed of $n checks failed" >&2
[ "$failed" = 0 ]
