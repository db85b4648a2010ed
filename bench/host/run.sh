#!/usr/bin/env bash
# run.sh - builds hostbench.c against the static libraries of a stratus build
# and prints a markdown table of (a) one instance's echo latency, (b) pool
# throughput, (c) the time to add one instance when scaling, and (d) echo
# calls through NATS to a real `stratus up` (embedded nats-server on a free
# loopback port, HOME in a temporary directory). See README.md for the
# environment variables. Exit status: 0 when every run succeeded, 1 otherwise.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

STRATUS_BUILD=${STRATUS_BUILD:-$repo/build}
STRATUS_BUILD=$(cd "$STRATUS_BUILD" && pwd) || exit 1
STRATUS=${STRATUS:-$STRATUS_BUILD/bin/stratus}
ECHO_WASM=${ECHO_WASM:-$STRATUS_BUILD/tests/actors/echo.wasm}
LOAD_FIXTURE=${LOAD_FIXTURE:-}
OUT=${OUT:-$STRATUS_BUILD/bench-host}
ITERS=${ITERS:-200000}
POOL_CALLS=${POOL_CALLS:-200000}
SCALES=${SCALES:-100}
NATS_SEQ=${NATS_SEQ:-2000}
NATS_THREADS=${NATS_THREADS:-8}
NATS_CONC=${NATS_CONC:-4000}
TIMEOUT=${TIMEOUT:-60}
NATS=${NATS:-1}

status=0
note() { printf '%s\n' "$*" >&2; }
fail() { note "run.sh: $*"; status=1; }

mkdir -p "$OUT" || exit 1
log=$OUT/run.log
: >"$log"

# ---------------------------------------------------------------- build
libs=
for l in host lattice codec security wasm core; do
	f=$STRATUS_BUILD/src/$l/libst_$l.a
	[ -f "$f" ] || { note "run.sh: no $f (build stratus first, or set STRATUS_BUILD)"; exit 1; }
	libs="$libs $f"
done
# shellcheck disable=SC2086
if ! cc -O2 -Wall -Wextra -Wshadow -Wvla -Wmissing-prototypes -I"$repo/src" -o "$OUT/hostbench" "$here/hostbench.c" $libs \
	$(pkg-config --libs libnats libuv jansson libsodium) -lm -lpthread >>"$log" 2>&1; then
	note "run.sh: hostbench does not build (see $log)"
	exit 1
fi

# get KEY FILE: the value of a "key value" line.
get() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }

# local NAME FILE: the in-process runs on one module; output in $OUT/local.NAME.
local_run() {
	timeout "$TIMEOUT" "$OUT/hostbench" local "$2" "$ITERS" "$POOL_CALLS" "$SCALES" \
		>"$OUT/local.$1" 2>>"$log" || { fail "hostbench local $2 failed (see $log)"; return 1; }
}

[ -f "$ECHO_WASM" ] || { note "run.sh: no echo test actor at $ECHO_WASM"; exit 1; }
local_run c "$ECHO_WASM"
mods=c
if [ -n "$LOAD_FIXTURE" ]; then
	if [ -f "$LOAD_FIXTURE" ]; then
		local_run fixture "$LOAD_FIXTURE" && mods="c fixture"
	else
		fail "LOAD_FIXTURE=$LOAD_FIXTURE is not a file"
	fi
fi

# ---------------------------------------------------------------- NATS
nats_ok=0
if [ "$NATS" = 1 ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-hostbench.XXXXXX")
	host_pid=
	cleanup() {
		if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
			kill -TERM "$host_pid" 2>/dev/null
			wait "$host_pid" 2>/dev/null
		fi
		rm -rf "$tmp"
	}
	trap cleanup EXIT
	port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
	poll() { # poll SECONDS COMMAND...
		local tries=$(($1 * 10))
		shift
		while [ "$tries" -gt 0 ]; do
			"$@" && return 0
			sleep 0.1
			tries=$((tries - 1))
		done
		return 1
	}
	port=
	for i in $(seq 1 50); do
		p=$((20000 + (RANDOM * 7 + i) % 12000))
		[ "$p" = 4222 ] && continue
		port_open "$p" && continue
		port=$p
		break
	done
	(
		export HOME="$tmp/home" WASH_KEYS="$tmp/home/keys"
		unset XDG_STATE_HOME WASMCLOUD_CLUSTER_SEED WASMCLOUD_HOST_SEED WASMCLOUD_LATTICE_PREFIX
		mkdir -p "$HOME"
		export WASMCLOUD_CTL_PORT=$port WASMCLOUD_RPC_PORT=$port
		exec "$STRATUS" up --log-level warn \
			>"$tmp/up.out" 2>"$tmp/up.err"
	) &
	host_pid=$!
	ctl() { HOME="$tmp/home" "$STRATUS" ctl "$@" --ctl-port "$port"; }
	hosts() { ctl get hosts -o json >"$tmp/hosts.json" 2>/dev/null &&
		grep -q '"N[A-Z2-7]\{55\}"' "$tmp/hosts.json"; }
	if [ -z "$port" ]; then
		fail "no free port"
	elif ! poll 20 hosts; then
		fail "stratus up did not answer (log: $tmp/up.err)"
		cat "$tmp/up.err" >>"$log"
	else
		host_id=$(grep -o 'N[A-Z2-7]\{55\}' "$tmp/hosts.json" | head -n 1)
		HOME="$tmp/home" WASH_KEYS="$tmp/home/keys" "$STRATUS" claims sign "$ECHO_WASM" --name echo -q \
			-d "$tmp/echo_s.wasm" >>"$log" 2>&1
		actor_id=$(HOME="$tmp/home" "$STRATUS" claims inspect "$tmp/echo_s.wasm" 2>/dev/null |
			grep -o 'M[A-Z2-7]\{55\}' | head -n 1)
		seed=$(grep -o '"cluster_seed": *"SC[A-Z2-7]*"' "$tmp/home/.wash/host_config.json" |
			grep -o 'SC[A-Z2-7]*')
		if [ -z "$actor_id" ] || [ -z "$seed" ]; then
			fail "could not sign the echo actor or read the cluster seed"
		elif ! ctl start actor "$tmp/echo_s.wasm" --host-id "$host_id" >>"$log" 2>&1; then
			fail "could not start the echo actor"
		elif WASMCLOUD_CLUSTER_SEED=$seed timeout "$TIMEOUT" "$OUT/hostbench" nats "$port" \
			"$actor_id" "$NATS_SEQ" "$NATS_THREADS" "$NATS_CONC" >"$OUT/nats" 2>>"$log"; then
			nats_ok=1
		else
			fail "hostbench nats failed (see $log)"
		fi
	fi
	cleanup
	host_pid=
	trap - EXIT
fi

# ---------------------------------------------------------------- report
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$repo" status --porcelain -- src 2>/dev/null | head -n 1)
echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}; $(date -u '+%Y-%m-%d %H:%M UTC');" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)."
echo "Commit: $commit${dirty:+ (src/ modified)}; hostbench built with cc -O2 against $(basename "$STRATUS_BUILD")."
echo
for m in $mods; do
	f=$OUT/local.$m
	[ -s "$f" ] || continue
	if [ "$m" = c ]; then
		echo "### In-process, C echo test actor ($(get module_bytes "$f") bytes)"
	else
		echo "### In-process, wasmCloud echo fixture ($(get module_bytes "$f") bytes)"
	fi
	echo
	echo "| measurement | p50 µs | p99 µs | mean µs | rate |"
	echo "|---|---:|---:|---:|---:|"
	echo "| (a) actor_instance_invoke, 1 instance, 1 thread | $(get single_p50_us "$f") |" \
		"$(get single_p99_us "$f") | $(get single_mean_us "$f") | $(get single_calls_per_s "$f") calls/s |"
	echo "| (b) pool: submit → callback, sequential ($(get pool_replicas "$f") instances) |" \
		"$(get pool_rt_p50_us "$f") | $(get pool_rt_p99_us "$f") | $(get pool_rt_mean_us "$f") | – |"
	echo "| (b) pool throughput, $(get pool_replicas "$f") instances on $(get workers "$f") workers | – | – | – |" \
		"$(get pool_calls_per_s "$f") calls/s |"
	echo "| (c) pool_scale k → k+1 until the new instance is idle (k = 1..$(get scale_add_n "$f")) |" \
		"$(get scale_add_p50_us "$f") | $(get scale_add_p99_us "$f") | $(get scale_add_mean_us "$f") | – |"
	echo "| (c) raw actor_instance_new (instantiate + wasmbus init) | $(get actor_instance_new_p50_us "$f") |" \
		"$(get actor_instance_new_p99_us "$f") | $(get actor_instance_new_mean_us "$f") | – |"
	echo "| (c) raw wm_instance_new (stand-in imports, no init) | $(get wm_instance_new_p50_us "$f") |" \
		"$(get wm_instance_new_p99_us "$f") | $(get wm_instance_new_mean_us "$f") | – |"
	echo
done
if [ "$nats_ok" = 1 ]; then
	f=$OUT/nats
	echo "### Through NATS (stratus up, embedded nats-server, 1 echo instance)"
	echo
	echo "| measurement | p50 µs | p99 µs | mean µs | rate |"
	echo "|---|---:|---:|---:|---:|"
	echo "| (d) signed Invocation request → InvocationResponse, sequential | $(get nats_seq_p50_us "$f") |" \
		"$(get nats_seq_p99_us "$f") | $(get nats_seq_mean_us "$f") | – |"
	echo "| (d) client-side build + sign of one Invocation (not in the row above) | – | – |" \
		"$(get nats_client_sign_mean_us "$f") | – |"
	echo "| (d) concurrent: $(get nats_conc_threads "$f") client threads, one connection | – | – | – |" \
		"$(get nats_conc_calls_per_s "$f") calls/s |"
	echo
fi
[ "$status" -eq 0 ] || note "run.sh: some runs failed (details in $log)"
exit "$status"
