#!/usr/bin/env bash
# host_lifecycle.sh - end-to-end checks of a host's life against real
# processes: a nats-server started here on a free loopback port, an event
# recorder (evt_record) subscribed to wasmbus.evt.default before `stratus up`
# starts, then: a trapping actor is replaced and keeps serving, an infinite
# loop is cut off by the deadline while the echo actor answers, unsigned and
# tampered modules are refused with the spec's reasons, scale and live update
# publish per-instance events, a link and the refmaps survive a host restart
# (lattice cache), and every state change was seen as a CloudEvent.
#
# Usage: tests/e2e/host_lifecycle.sh [path/to/stratus [path/to/evt_record]].
# Exits 0 when every check passed, 1 when one failed, 77 when nats-server,
# the test actors or evt_record are missing (skip).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stratus=${1:-${STRATUS:-$root/build/bin/stratus}}
stratus="$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")"
recorder=${2:-$(dirname "$stratus")/evt_record}
actors=${STRATUS_TEST_ACTORS:-$(dirname "$(dirname "$stratus")")/tests/actors}
nats_server=${NATS_SERVER:-$(command -v nats-server || true)}
[ -x "$nats_server" ] || nats_server=/usr/sbin/nats-server
if [ ! -x "$nats_server" ]; then
	echo "skip: nats-server is not installed"
	exit 77
fi
for f in echo trap loop version1 version2; do
	if [ ! -f "$actors/$f.wasm" ]; then
		echo "skip: no test actor $actors/$f.wasm"
		exit 77
	fi
done
if [ ! -x "$recorder" ]; then
	echo "skip: no evt_record at $recorder"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-lifecycle.XXXXXX")
nats_pid=
rec_pid=
host_pid=
loop_pid=
stop_pid() { # stop_pid PID: SIGTERM and reap one process this script started
	if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1" 2>/dev/null
		wait "$1" 2>/dev/null
	fi
}
cleanup() {
	stop_pid "$loop_pid"
	stop_pid "$host_pid"
	stop_pid "$rec_pid"
	stop_pid "$nats_pid"
	[ -n "${KEEP_TMP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp/home"
export WASH_KEYS="$tmp/home/keys"
export XDG_STATE_HOME="$tmp/state"
export USER=e2euser
unset WASMCLOUD_CLUSTER_SEED WASMCLOUD_HOST_SEED WASMCLOUD_LATTICE_PREFIX
unset WASMCLOUD_CTL_HOST WASMCLOUD_RPC_HOST WASH_ISSUER_KEY WASH_SUBJECT_KEY
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
run() { # run NAME ARGS...: runs stratus, output in $tmp/NAME.{out,err}, status in rc
	last=$1
	shift
	"$stratus" "$@" >"$tmp/$last.out" 2>"$tmp/$last.err"
	rc=$?
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
poll() { # poll SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds
	local tries=$(($1 * 10))
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}
key_of() { # key_of FILE: the module key of a signed actor
	"$stratus" claims inspect "$1" 2>/dev/null | grep -o 'M[A-Z2-7]\{55\}' | head -n 1
}

# ---- nats-server on a free port (never 4222) --------------------------------
port=
for i in $(seq 1 20); do
	p=$((20000 + (RANDOM * 7 + i) % 12000))
	[ "$p" = 4222 ] && continue
	port_open "$p" && continue
	"$nats_server" -a 127.0.0.1 -p "$p" -js -sd "$tmp/js" >"$tmp/nats.log" 2>&1 &
	nats_pid=$!
	if poll 5 port_open "$p"; then
		port=$p
		break
	fi
	stop_pid "$nats_pid"
	nats_pid=
done
[ -n "$port" ] || { echo "cannot start nats-server"; exit 1; }
export WASMCLOUD_CTL_PORT=$port WASMCLOUD_RPC_PORT=$port WASMCLOUD_PROV_RPC_PORT=$port

# ---- the event recorder, subscribed before the host starts ------------------
"$recorder" "$port" default "$tmp/events.jsonl" 2>"$tmp/rec.err" &
rec_pid=$!
rec_ready() { grep -q '^ready$' "$tmp/rec.err"; }
check "event recorder subscribed" poll 10 rec_ready

# ---- the host ---------------------------------------------------------------------
start_host() { # start_host LOG: starts `stratus up`, waits until it answers; sets host_id
	"$stratus" up --heartbeat-ms 500 --invocation-timeout-ms 2000 --log-level debug \
		>"$tmp/$1.out" 2>"$tmp/$1.err" &
	host_pid=$!
	host_listed() {
		"$stratus" ctl get hosts -o json --timeout-ms 300 >"$tmp/hosts.json" 2>/dev/null &&
			grep -q '"id": *"N[A-Z2-7]\{55\}"' "$tmp/hosts.json"
	}
	poll 20 host_listed || return 1
	host_id=$(grep -o '"id": *"N[A-Z2-7]\{55\}"' "$tmp/hosts.json" | grep -o 'N[A-Z2-7]\{55\}' |
		head -n 1)
	test -n "$host_id"
}
stop_host() { # stop_host: ctl stop host, then waits for the process to exit 0
	local code=0
	"$stratus" ctl stop host "$host_id" >"$tmp/stoph.out" 2>"$tmp/stoph.err" || return 1
	wait "$host_pid" || code=$?
	host_pid=
	test "$code" = 0
}
check "stratus up answers get hosts" start_host up1
host1=$host_id

# ---- sign the test actors ------------------------------------------------------
for a in echo trap loop; do
	"$stratus" claims sign "$actors/$a.wasm" --name "$a" -d "$tmp/${a}_s.wasm" >/dev/null 2>&1
done
echo_id=$(key_of "$tmp/echo_s.wasm")
trap_id=$(key_of "$tmp/trap_s.wasm")
loop_id=$(key_of "$tmp/loop_s.wasm")
check "echo, trap and loop actors signed" test -n "$echo_id" -a -n "$trap_id" -a -n "$loop_id"
for a in echo trap loop; do
	run "start_$a" ctl start actor "$tmp/${a}_s.wasm" --host-id "$host_id"
	check "$a actor started" test "$rc" = 0
done

# ---- a trapping instance is replaced ------------------------------------------
run echo1 call "$trap_id" Echo --data '"abc"'
check "trap actor answers Echo" test "$rc" = 0 -a "$(cat "$tmp/echo1.out")" = '"abc"'
run trap1 call "$trap_id" Trap --data '"x"'
check "a call that traps fails" test "$rc" != 0 -a -s "$tmp/trap1.err"
run echo2 call "$trap_id" Echo --data '"after"'
check "the next call succeeds (instance replaced)" test "$rc" = 0 -a "$(cat "$tmp/echo2.out")" = '"after"'
run trap2 call "$trap_id" Oob --data '"x"'
check "an out-of-bounds load fails too" test "$rc" != 0
run echo3 call "$trap_id" Echo --data '"again"'
check "  and the actor still answers" test "$rc" = 0 -a "$(cat "$tmp/echo3.out")" = '"again"'
inv_trap_one() {
	"$stratus" ctl get inventory "$host_id" -o json >"$tmp/inv.json" 2>/dev/null &&
		[ "$(grep -c '"instance_id"' "$tmp/inv.json")" = 3 ]
}
check "the inventory still has one instance per actor" inv_trap_one

# ---- an infinite loop is cut off by the deadline --------------------------------
req='{"method":"GET","path":"/x","queryString":"","header":{},"body":"hi"}'
start_ns=$(date +%s%N)
"$stratus" call "$loop_id" Loop --data '"x"' --timeout-ms 20000 >"$tmp/loop.out" 2>"$tmp/loop.err" &
loop_pid=$!
# While the loop runs, the echo actor keeps answering.
run during call "$echo_id" HttpServer.HandleRequest --data "$req" --timeout-ms 1000 --bin s
check "echo answers while the loop runs" test "$rc" = 0 -a -n "$(grep '/x' "$tmp/during.out")"
check "  (the looping call is still in flight)" kill -0 "$loop_pid"
loop_rc=0
wait "$loop_pid" || loop_rc=$?
loop_pid=
elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
last=loop
check "the looping call returns an error" test "$loop_rc" != 0 -a -s "$tmp/loop.err"
# The host's per-invocation deadline is 2 s (--invocation-timeout-ms); the client waits 20 s.
check "  from the host's 2 s deadline, not the client timeout (${elapsed_ms} ms)" \
	test "$elapsed_ms" -ge 1900 -a "$elapsed_ms" -lt 8000 -a \
	-z "$(grep 'no reply from actor' "$tmp/loop.err")"
run lecho call "$loop_id" Echo --data '"alive"'
check "the loop actor answers again afterwards" test "$rc" = 0 -a "$(cat "$tmp/lecho.out")" = '"alive"'

# ---- scale and live update publish one event per instance (§5.10, §5.11) ------
evcount() { # evcount TYPE TEXT: events of TYPE recorded so far whose line holds TEXT
	grep "\"type\": *\"com.wasmcloud.lattice.$1\"" "$tmp/events.jsonl" | grep -c -- "$2"
}
evcount_is() { [ "$(evcount "$1" "$2")" = "$3" ]; }
started0=$(evcount actor_started "$echo_id")
run scale3 ctl scale actor "$host_id" "$echo_id" "$tmp/echo_s.wasm" --count 3
check "scale echo 1 -> 3 is acknowledged" test "$rc" = 0
check "  two more actor_started events for echo (had $started0)" \
	poll 10 evcount_is actor_started "$echo_id" $((started0 + 2))
run scale1 ctl scale actor "$host_id" "$echo_id" "$tmp/echo_s.wasm" --count 1
check "scale echo 3 -> 1 is acknowledged" test "$rc" = 0
check "  two actor_stopped events for echo" poll 10 evcount_is actor_stopped "$echo_id" 2
check "  and no further actor_started" evcount_is actor_started "$echo_id" $((started0 + 2))
vseed=$("$stratus" keys gen module -o json | grep -o 'SM[A-Z2-7]\{56\}')
"$stratus" claims sign "$actors/version1.wasm" --name version --rev 1 --subject "$vseed" \
	-d "$tmp/v1_s.wasm" >/dev/null 2>&1
"$stratus" claims sign "$actors/version2.wasm" --name version --rev 2 --subject "$vseed" \
	-d "$tmp/v2_s.wasm" >/dev/null 2>&1
vid=$(key_of "$tmp/v1_s.wasm")
check "revisions 1 and 2 of one actor signed with one module key" \
	test -n "$vid" -a "$vid" = "$(key_of "$tmp/v2_s.wasm")"
run startv ctl start actor "$tmp/v1_s.wasm" --host-id "$host_id" --count 2
check "version actor started with 2 instances" test "$rc" = 0
check "  two actor_started events for it" poll 10 evcount_is actor_started "$vid" 2
actors_started2() { # one actors_started (0.63+) for the version actor, count 2
	[ "$(grep '"com.wasmcloud.lattice.actors_started"' "$tmp/events.jsonl" | grep -- "$vid" |
		grep -c '"count": *2[,}]')" = 1 ]
}
check "  and one actors_started with count 2" poll 10 actors_started2
run updv ctl update actor "$host_id" "$vid" "$tmp/v2_s.wasm"
check "update to revision 2 is acknowledged" test "$rc" = 0
upd_rev2() { # two actor_updated events for the version actor, revision 2, distinct instances
	[ "$(grep '"com.wasmcloud.lattice.actor_updated"' "$tmp/events.jsonl" | grep -- "$vid" |
		grep '"revision": *2[,}]' | grep -o '"instance_id": *"[^"]*"' | sort -u | wc -l)" = 2 ]
}
check "  one actor_updated (revision 2) per instance" poll 10 upd_rev2
# The actor replies the raw byte '2' (0x32), which `call` reads as msgpack: 50.
run vcall call "$vid" Version
check "  and the actor answers with the new module" test "$rc" = 0 -a "$(cat "$tmp/vcall.out")" = 50
run updold ctl update actor "$host_id" "$vid" "$tmp/v1_s.wasm"
check "update back to revision 1 is refused" test "$rc" != 0
check "  with actor_update_failed per instance" poll 10 evcount_is actor_update_failed "$vid" 2
run stopv ctl stop actor "$host_id" "$vid" --count 0
check "the version actor stops" test "$rc" = 0

# ---- unsigned and tampered modules are refused -----------------------------------
cp "$actors/trap.wasm" "$tmp/unsigned.wasm"
run unsigned ctl start actor "$tmp/unsigned.wasm" --host-id "$host_id"
check "an unsigned module is refused" test "$rc" != 0
check "  with 'No claims found in source module'" \
	grep -q "No claims found in source module" "$tmp/unsigned.out" "$tmp/unsigned.err"
# Flip one byte in the middle of the code section (id 10) of the signed module.
code_offset() { # code_offset FILE: prints the offset of a byte inside the code section
	local -a b
	local i=8 id size shift byte
	mapfile -t b < <(od -An -v -tu1 -w1 "$1" | tr -d ' ')
	while [ "$i" -lt "${#b[@]}" ]; do
		id=${b[$i]}
		i=$((i + 1))
		size=0 shift=0
		while :; do
			byte=${b[$i]}
			i=$((i + 1))
			size=$((size | (byte & 127) << shift))
			shift=$((shift + 7))
			[ "$byte" -lt 128 ] && break
		done
		if [ "$id" = 10 ]; then
			echo $((i + size / 2))
			return 0
		fi
		i=$((i + size))
	done
	return 1
}
cp "$tmp/echo_s.wasm" "$tmp/tampered.wasm"
off=$(code_offset "$tmp/tampered.wasm")
if [ -n "$off" ]; then
	old=$(od -An -tu1 -j "$off" -N 1 "$tmp/tampered.wasm" | tr -d ' ')
	printf "$(printf '\\%03o' $((old ^ 1)))" |
		dd of="$tmp/tampered.wasm" bs=1 seek="$off" conv=notrunc status=none
fi
check "tampered copy differs from the signed module by one byte" \
	test "$(cmp -l "$tmp/echo_s.wasm" "$tmp/tampered.wasm" | wc -l)" = 1
run tampered ctl start actor "$tmp/tampered.wasm" --host-id "$host_id"
check "a tampered module is refused" test "$rc" != 0
check "  with the module hash reason" grep -qi "module hash" "$tmp/tampered.out" "$tmp/tampered.err"

# ---- actor stop, links --------------------------------------------------------------
run stopa ctl stop actor "$host_id" "$trap_id" --count 0
check "stop actor succeeds" test "$rc" = 0
prov=VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE
run lput ctl link put "$echo_id" "$prov" wasmcloud:httpserver PORT=8080
check "link put succeeds" test "$rc" = 0
run ldel ctl link del "$echo_id" wasmcloud:httpserver
check "link del succeeds" test "$rc" = 0
run lput2 ctl link put "$echo_id" "$prov" wasmcloud:httpserver PORT=9090
check "link put again succeeds" test "$rc" = 0
# Let a heartbeat (500 ms) come by before the host stops.
hb_seen() { grep -q '"type": *"com.wasmcloud.lattice.host_heartbeat"' "$tmp/events.jsonl"; }
poll 5 hb_seen

# ---- restart: the link lives in the lattice cache ------------------------------
last=stoph
check "stop host: the host exits 0" stop_host
check "a new host starts with the same HOME and state dir" start_host up2
host2=$host_id
run links ctl get links -o json
check "get links still shows the link after the restart" \
	grep -q '"PORT": *"9090"' "$tmp/links.out"
check "  with its actor" grep -q "\"actor_id\": *\"$echo_id\"" "$tmp/links.out"
# Refmaps (lattice.md §7.1): the first host wrote REFMAP_{b64(ref)} (the CLI sends
# file://PATH); the new one reads them back from the KV bucket (its debug log names
# each refmap it caches).
check "the restarted host read the echo actor's refmap from the lattice cache" \
	grep -q "refmap cached: file://$tmp/echo_s.wasm -> $echo_id" "$tmp/up2.err"
check "  and the version actor's refmap of revision 2" \
	grep -q "refmap cached: file://$tmp/v2_s.wasm -> $vid" "$tmp/up2.err"
last=stoph
check "the second host stops cleanly" stop_host

# ---- events ------------------------------------------------------------------------
rec_rc=0
kill -TERM "$rec_pid"
wait "$rec_pid" || rec_rc=$?
rec_pid=
last=rec
check "the event recorder exits 0 on SIGTERM" test "$rec_rc" = 0
ev() { # ev TYPE SOURCE: an event of TYPE from SOURCE with a data object was seen
	grep "\"type\": *\"com.wasmcloud.lattice.$1\"" "$tmp/events.jsonl" |
		grep "\"source\": *\"$2\"" | grep -q '"data": *{'
}
last=none
for t in host_started actor_started actor_stopped host_heartbeat host_stopped; do
	check "event $t from the host, with data" ev "$t" "$host1"
done
# lattice.md §14: linkdef events carry the literal source "n/a" in 0.6x.
for t in linkdef_set linkdef_deleted; do
	check "event $t (source n/a), with data" ev "$t" "n/a"
done
check "the restarted host's host_started and host_stopped were seen" \
	sh -c "grep host_started '$tmp/events.jsonl' | grep -q '$host2' &&
		grep host_stopped '$tmp/events.jsonl' | grep -q '$host2'"
check "actor_started for each actor" sh -c "for a in $echo_id $trap_id $loop_id; do
	grep actor_started '$tmp/events.jsonl' | grep -q \$a || exit 1; done"
check "actor_stopped names the trap actor" \
	sh -c "grep actor_stopped '$tmp/events.jsonl' | grep -q '$trap_id'"
refmap_ev() { # refmap_ev REF KEY: a refmap_set event from host1 for REF -> KEY
	grep '"com.wasmcloud.lattice.refmap_set"' "$tmp/events.jsonl" | grep -- "$host1" |
		grep -- "\"oci_url\": *\"$1\"" | grep -q -- "\"public_key\": *\"$2\""
}
check "refmap_set for the echo actor's file reference" refmap_ev "file://$tmp/echo_s.wasm" "$echo_id"
check "refmap_set for revision 2 after the live update" refmap_ev "file://$tmp/v2_s.wasm" "$vid"
check "linkdef_set carries the link's values" \
	sh -c "grep linkdef_set '$tmp/events.jsonl' | grep -q '\"PORT\": *\"9090\"'"

if [ "$failed" -gt 0 ]; then
	echo "# $failed of $n checks failed; host log:"
	tail -n 30 "$tmp/up1.err" | sed 's/^/# /'
	echo "# events:"
	cut -c1-200 "$tmp/events.jsonl" | sed 's/^/# /'
	exit 1
fi
echo "# all $n checks passed"
exit 0
