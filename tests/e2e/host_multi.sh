#!/usr/bin/env bash
# host_multi.sh - end-to-end checks of the issuer allow-list and of two hosts
# in one lattice, against real processes: a nats-server started here on a
# free loopback port and two `stratus up --no-embedded-nats` hosts (own HOMEs,
# same cluster seed). A malformed allow-list stops `stratus up` (exit 2);
# host A (--allowed-issuers) and host B (STRATUS_ALLOWED_ISSUERS) refuse an
# actor another account signed and accept the listed account's; `ctl get
# hosts` lists both; the hostcall actor on A calls the echo actor, which runs
# on B only, by its key and by its call alias, across hosts over wasmbus.rpc.
#
# Usage: tests/e2e/host_multi.sh [path/to/stratus]. Exits 0 when every check
# passed, 1 when one failed, 77 when nats-server or the test actors are
# missing (skip).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stratus=${1:-${STRATUS:-$root/build/bin/stratus}}
stratus="$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")"
actors=${STRATUS_TEST_ACTORS:-$(dirname "$(dirname "$stratus")")/tests/actors}
nats_server=${NATS_SERVER:-$(command -v nats-server || true)}
[ -x "$nats_server" ] || nats_server=/usr/sbin/nats-server
if [ ! -x "$nats_server" ]; then
	echo "skip: nats-server is not installed"
	exit 77
fi
for f in echo hostcall; do
	if [ ! -f "$actors/$f.wasm" ]; then
		echo "skip: no test actor $actors/$f.wasm"
		exit 77
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-multi.XXXXXX")
nats_pid=
a_pid=
b_pid=
stop_pid() { # stop_pid PID: SIGTERM and reap one process this script started
	if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1" 2>/dev/null
		wait "$1" 2>/dev/null
	fi
}
cleanup() {
	stop_pid "$a_pid"
	stop_pid "$b_pid"
	stop_pid "$nats_pid"
	[ -n "${KEEP_TMP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp/home"
export WASH_KEYS="$tmp/home/keys"
export XDG_STATE_HOME="$tmp/state"
export USER=e2euser
unset WASMCLOUD_CLUSTER_SEED WASMCLOUD_HOST_SEED WASMCLOUD_LATTICE_PREFIX WASMCLOUD_CLUSTER_ISSUERS
unset WASMCLOUD_CTL_HOST WASMCLOUD_RPC_HOST WASH_ISSUER_KEY WASH_SUBJECT_KEY
unset STRATUS_ALLOWED_ISSUERS
mkdir -p "$HOME" "$XDG_STATE_HOME"

n=0
failed=0
last=none
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
			[ -s "$f" ] && sed 's/^/#   /' "$f" | head -n 10
		done
	fi
}
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
wait_for() { # wait_for SECONDS COMMAND...: polls COMMAND every tenth of a second
	local t=$(($1 * 10))
	shift
	while [ "$t" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		t=$((t - 1))
	done
	return 1
}
start_nats() { # starts nats-server on a free port chosen per run; sets port and nats_pid
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
	echo "host_multi: cannot start nats-server" >&2
	cat "$tmp/nats.log" >&2
	exit 1
}

start_nats
export WASMCLOUD_CTL_PORT=$port WASMCLOUD_RPC_PORT=$port WASMCLOUD_PROV_RPC_PORT=$port
export WASMCLOUD_CLUSTER_SEED=SCAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYO7Q
export WASMCLOUD_ALLOW_FILE_LOAD=true

# ---- keys and signed modules ------------------------------------------------------
run acct keys gen account -o json
allowed_pub=$(json_field "$tmp/acct.out" public_key)
allowed_seed=$(json_field "$tmp/acct.out" seed)
run acct2 keys gen account -o json
other_seed=$(json_field "$tmp/acct2.out" seed)
check "two account keys generated" test "${allowed_pub:0:1}" = A -a "${other_seed:0:2}" = SA
run sgo claims sign "$actors/echo.wasm" --name echo --issuer "$other_seed" -d "$tmp/echo_other.wasm"
run sga claims sign "$actors/echo.wasm" --name echo --issuer "$allowed_seed" \
	--call-alias e2e/echo -d "$tmp/echo_ok.wasm"
run sgh claims sign "$actors/hostcall.wasm" --name hostcall --issuer "$allowed_seed" \
	-d "$tmp/hc.wasm"
check "echo (both accounts) and hostcall signed" \
	test -s "$tmp/echo_other.wasm" -a -s "$tmp/echo_ok.wasm" -a -s "$tmp/hc.wasm"
run inspe claims inspect "$tmp/echo_ok.wasm"
echo_id=$(grep -o 'M[A-Z2-7]\{55\}' "$tmp/inspe.out" | head -n 1)
run insph claims inspect "$tmp/hc.wasm"
hc_id=$(grep -o 'M[A-Z2-7]\{55\}' "$tmp/insph.out" | head -n 1)
check "the actors' keys are known" test "${#echo_id}" = 56 -a "${#hc_id}" = 56

# ---- a malformed allow-list stops stratus up -----------------------------------------
run badflag up --no-embedded-nats --allowed-issuers "$allowed_pub,MNOTANACCOUNT"
check "--allowed-issuers with a malformed key exits 2" test "$rc" = 2
check "  naming the key" grep -q "'MNOTANACCOUNT' is not an account public key" "$tmp/badflag.err"
run badenv up --no-embedded-nats --allowed-issuers "$hc_id"
check "--allowed-issuers with a module key exits 2" test "$rc" = 2
STRATUS_ALLOWED_ISSUERS="x$allowed_pub" run badenv up --no-embedded-nats
check "STRATUS_ALLOWED_ISSUERS with a malformed key exits 2" test "$rc" = 2
check "  naming the variable" grep -q "^stratus up: STRATUS_ALLOWED_ISSUERS: " "$tmp/badenv.err"

# ---- two hosts, one lattice -----------------------------------------------------------
run ka keys gen server -o json
a_id=$(json_field "$tmp/ka.out" public_key)
a_seed=$(json_field "$tmp/ka.out" seed)
run kb keys gen server -o json
b_id=$(json_field "$tmp/kb.out" public_key)
b_seed=$(json_field "$tmp/kb.out" seed)
mkdir -p "$tmp/a" "$tmp/b"
HOME="$tmp/a" XDG_STATE_HOME="$tmp/a/state" WASMCLOUD_HOST_SEED=$a_seed HOST_role=a \
	"$stratus" up --no-embedded-nats --allowed-issuers "$allowed_pub" \
	>"$tmp/a.log" 2>&1 &
a_pid=$!
HOME="$tmp/b" XDG_STATE_HOME="$tmp/b/state" WASMCLOUD_HOST_SEED=$b_seed HOST_role=b \
	STRATUS_ALLOWED_ISSUERS=$allowed_pub "$stratus" up --no-embedded-nats \
	>"$tmp/b.log" 2>&1 &
b_pid=$!
both_listed() {
	"$stratus" ctl get hosts -o json --timeout-ms 500 >"$tmp/hosts.out" 2>"$tmp/hosts.err" &&
		grep -q "\"id\": \"$a_id\"" "$tmp/hosts.out" &&
		grep -q "\"id\": \"$b_id\"" "$tmp/hosts.out"
}
last=hosts
check "ctl get hosts lists both hosts" wait_for 20 both_listed

# ---- the allow-list ---------------------------------------------------------------------
run refa ctl start actor "$tmp/echo_other.wasm" --host-id "$a_id"
check "host A (--allowed-issuers) refuses an actor another account signed" test "$rc" = 1
check "  with the claims check's reason" \
	grep -q "is not among the allowed issuers" "$tmp/refa.out" "$tmp/refa.err"
run refb ctl start actor "$tmp/echo_other.wasm" --host-id "$b_id"
check "host B (STRATUS_ALLOWED_ISSUERS) refuses it too" test "$rc" = 1
check "  with the claims check's reason" \
	grep -q "is not among the allowed issuers" "$tmp/refb.out" "$tmp/refb.err"
run sb ctl start actor "$tmp/echo_ok.wasm" --host-id "$b_id" -o json
check "host B accepts echo signed by the listed account" test "$rc" = 0
run sa ctl start actor "$tmp/hc.wasm" --host-id "$a_id" -o json
check "host A accepts hostcall signed by the listed account" test "$rc" = 0

runs_on() { # runs_on HOST ACTOR: the host's inventory lists the actor
	"$stratus" ctl get inventory "$1" -o json >"$tmp/inv.out" 2>"$tmp/inv.err" &&
		grep -q "\"id\": \"$2\"" "$tmp/inv.out"
}
last=inv
check "echo runs on host B" wait_for 10 runs_on "$b_id" "$echo_id"
check "hostcall runs on host A" wait_for 10 runs_on "$a_id" "$hc_id"
check "echo does not run on host A" sh -c "! grep -q '$echo_id' '$tmp/inv.out'"

# ---- actor-to-actor calls across hosts ----------------------------------------------------
# The hostcall actor's payload is binding NUL namespace NUL operation NUL
# message; sent as a JSON string, the binding is the msgpack str header
# (no link matches it). Echo's Actor.HealthRequest answers {healthy: true}.
healthy=$(printf '\201\247healthy\303' | od -An -tx1 | tr -d ' \n')
hcall() { # hcall NAME NAMESPACE OPERATION: calls the host through the hostcall actor
	last=$1
	"$stratus" call "$hc_id" Call "\"\\u0000$2\\u0000$3\\u0000\"" --raw \
		>"$tmp/$1.out" 2>"$tmp/$1.err"
	rc=$?
}
hcall bykey "$echo_id" Actor.HealthRequest
check "hostcall on A calls echo on B by its key" test "$rc" = 0
check "  and returns echo's answer" test "$(od -An -tx1 "$tmp/bykey.out" | tr -d ' \n')" = "$healthy"
hcall byalias e2e/echo Actor.HealthRequest
check "hostcall on A calls echo on B by its call alias" test "$rc" = 0
check "  and returns echo's answer" \
	test "$(od -An -tx1 "$tmp/byalias.out" | tr -d ' \n')" = "$healthy"
hcall guesterr "$echo_id" HttpServer.HandleRequest
check "echo's guest error crosses back to A" \
	grep -q "Host error: Guest call failed for method HttpServer.HandleRequest" \
	"$tmp/guesterr.out" "$tmp/guesterr.err"
hcall noalias e2e/nobody Actor.HealthRequest
check "an unknown alias is still 'Call alias not found'" \
	grep -q "Host error: Call alias not found: e2e/nobody on default" \
	"$tmp/noalias.out" "$tmp/noalias.err"

# ---- both hosts stop ------------------------------------------------------------------------
run stopa ctl stop host "$a_id"
check "stop host A is acknowledged" test "$rc" = 0
run stopb ctl stop host "$b_id"
check "stop host B is acknowledged" test "$rc" = 0
rc=0
wait "$a_pid" || rc=$?
a_pid=
check "host A exits 0" test "$rc" = 0
rc=0
wait "$b_pid" || rc=$?
b_pid=
check "host B exits 0" test "$rc" = 0

echo "1..$n"
if [ "$failed" -gt 0 ]; then
	echo "# $failed of $n checks failed; host logs:"
	tail -n 20 "$tmp/a.log" | sed 's/^/# A: /'
	tail -n 20 "$tmp/b.log" | sed 's/^/# B: /'
	exit 1
fi
echo "# all $n checks passed"
exit 0
