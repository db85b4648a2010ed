#!/usr/bin/env bash
# run.sh - HTTP benchmark, all in one run on this machine: wrk against
#   (a) nginx answering a static 200 (the ceiling),
#   (b) the echo test actor behind the external httpserver provider
#       (HTTP -> provider -> NATS -> host -> actor and back),
#   (c) the same actor behind the host's in-process HTTP fast path
#       (a link with fastpath=true: HTTP -> host -> actor, no NATS hop).
# Prints a markdown table (req/s, latency p50/p90/p99, ratio to nginx) on
# stdout; logs go to $OUT/run.log. Not part of CI (see README.md).
#
# Environment: STRATUS_BUILD (default build/), OUT (default
# $STRATUS_BUILD/bench-http), DURATION seconds per run (10), CONNS (64),
# THREADS (2), RUNS per target (3; the median run is reported), LATENCY_CONNS
# (1: a second table at one connection).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
STRATUS_BUILD=${STRATUS_BUILD:-$repo/build}
STRATUS_BUILD=$(cd "$STRATUS_BUILD" && pwd) || exit 1
STRATUS=${STRATUS:-$STRATUS_BUILD/bin/stratus}
ECHO_WASM=${ECHO_WASM:-$STRATUS_BUILD/tests/actors/echo.wasm}
PAR=${PAR:-$STRATUS_BUILD/par/httpserver.par.gz}
OUT=${OUT:-$STRATUS_BUILD/bench-http}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
RUNS=${RUNS:-3}
LATENCY_CONNS=${LATENCY_CONNS:-1}

note() { printf '%s\n' "$*" >&2; }
for f in "$STRATUS" "$ECHO_WASM" "$PAR"; do
	[ -e "$f" ] || { note "run.sh: missing $f (build first)"; exit 1; }
done
command -v wrk >/dev/null || { note "run.sh: wrk is not installed (scripts/deps.sh bench)"; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { note "run.sh: nginx is not installed (scripts/deps.sh bench)"; exit 1; }
mkdir -p "$OUT" || exit 1
log=$OUT/run.log
: >"$log"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-bench-http.XXXXXX")
host_pid=
nginx_pid=
cleanup() {
	[ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null
	if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
		kill -TERM "$host_pid" 2>/dev/null
		wait "$host_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
export HOME=$tmp/home TMPDIR=$tmp WASH_KEYS=$tmp/home/keys USER=bench
unset WASMCLOUD_CLUSTER_SEED WASMCLOUD_HOST_SEED WASMCLOUD_LATTICE_PREFIX
mkdir -p "$HOME"

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
wait_for() { # wait_for SECONDS COMMAND...
	local t=$(($1 * 10))
	shift
	while [ $t -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		t=$((t - 1))
	done
	return 1
}
nats=$(free_port)
p_nginx=$(free_port)
p_ext=$(free_port)
p_fast=$(free_port)

# (a) nginx, two workers like DEPENDENCIES.md's measurement.
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$p_nginx;
		location / { default_type text/plain; return 200 "hello"; }
	}
}
EOF
"$nginx" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" >>"$log" 2>&1 &
nginx_pid=$!

# (b), (c): a host, the echo actor, the provider, two links.
export WASMCLOUD_CTL_PORT=$nats WASMCLOUD_RPC_PORT=$nats
"$STRATUS" claims sign "$ECHO_WASM" --name echo -q -r 1 -d "$tmp/echo_s.wasm" >>"$log" 2>&1
echo_id=$("$STRATUS" claims inspect "$tmp/echo_s.wasm" | grep -o 'M[A-Z2-7]\{55\}' | head -n 1)
"$STRATUS" up --log-level warn >>"$log" 2>&1 &
host_pid=$!
ctl() { "$STRATUS" ctl "$@" --ctl-port "$nats"; }
hosts() { ctl get hosts -o json 2>/dev/null | grep -o 'N[A-Z2-7]\{55\}' | head -n 1; }
host_up() { [ -n "$(hosts)" ]; }
wait_for 20 host_up || { note "run.sh: the host did not come up (see $log)"; exit 1; }
host_id=$(hosts)
ctl start actor "$tmp/echo_s.wasm" --host-id "$host_id" >>"$log" 2>&1
prov_id=$(ctl start provider "$PAR" --host-id "$host_id" 2>>"$log" | grep -o 'V[A-Z2-7]\{55\}' | head -n 1)
[ -n "$prov_id" ] || { note "run.sh: the provider did not start (see $log)"; exit 1; }
ctl link put "$echo_id" "$prov_id" wasmcloud:httpserver "address=127.0.0.1:$p_ext" >>"$log" 2>&1
ctl link put "$echo_id" "$prov_id" wasmcloud:httpserver --link-name fast fastpath=true \
	"address=127.0.0.1:$p_fast" >>"$log" 2>&1
ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1")" = 200 ]; }

# run NAME URL CONNS THREADS: the median of RUNS wrk runs as one table row.
row() {
	local name=$1 url=$2 c=$3 t=$4 i f rps
	if ! wait_for 10 ok "$url"; then
		printf '| %s | n/a | | | | |\n' "$name"
		return
	fi
	: >"$tmp/runs"
	for i in $(seq 1 "$RUNS"); do
		f=$tmp/wrk.$i
		wrk -t"$t" -c"$c" -d"${DURATION}s" --latency "$url" >"$f" 2>&1
		cat "$f" >>"$log"
		rps=$(awk '/^Requests\/sec/ { print $2 }' "$f")
		echo "${rps:-0} $f" >>"$tmp/runs"
	done
	f=$(sort -n "$tmp/runs" | awk -v m=$(((RUNS + 1) / 2)) 'NR == m { print $2 }')
	rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$f")
	[ "$name" = nginx ] && base=$rps
	lat() { awk -v p="$1" '$1 == p { print $2 }' "$f"; }
	printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$(lat 50%)" "$(lat 90%)" \
		"$(lat 99%)" "$(awk -v a="$rps" -v b="${base:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
}

table() { # table CONNS THREADS
	echo
	echo "wrk -t$2 -c$1 -d${DURATION}s --latency, median of $RUNS runs ($(date -u +%Y-%m-%d), $(nproc) cores)"
	echo
	echo "| server | req/s | p50 | p90 | p99 | / nginx |"
	echo "|---|---|---|---|---|---|"
	base=
	row nginx "http://127.0.0.1:$p_nginx/" "$1" "$2"
	row "echo, external provider" "http://127.0.0.1:$p_ext/echo" "$1" "$2"
	row "echo, in-host fast path" "http://127.0.0.1:$p_fast/echo" "$1" "$2"
}

table "$CONNS" "$THREADS"
[ "$LATENCY_CONNS" -gt 0 ] && table "$LATENCY_CONNS" 1
exit 0
