#!/usr/bin/env bash
# run.sh - the run command (README): installs what is missing, builds
# stratus, and runs the main job: a host serving the echo demo actor.
#
# usage: scripts/run.sh [stratus up options...]
#
# Starts a host (`stratus up`) on embedded defaults: when no NATS server
# answers at 127.0.0.1:4222 the host starts Debian's nats-server there with
# JetStream as its own child. It then starts the echo demo actor (the C test
# actor tests/actors/echo.c, signed with `stratus claims sign`) and the
# httpserver capability provider (build/par/httpserver.par.gz), links them on
# 127.0.0.1:$STRATUS_HTTP_PORT (default 8080), so `curl 127.0.0.1:8080/echo`
# answers, and stays in the foreground; Ctrl-C stops the host, its provider
# and the nats-server it started.
#
# Environment: STRATUS_BUILD_DIR (default build), STRATUS_JOBS (default 2),
# STRATUS_HTTP_PORT (default 8080).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

build=${STRATUS_BUILD_DIR:-build}
jobs=${STRATUS_JOBS:-2}

build_stratus()
{
	scripts/deps.sh build
	cmake -S . -B "$build" >/dev/null
	cmake --build "$build" -j "$jobs" --target stratus test_actors provider_archives
}

# run_main [stratus up options]: a host on embedded defaults (it starts its own
# nats-server on 127.0.0.1:4222 when none answers there) serving the echo demo
# actor; stays in the foreground until Ctrl-C.
run_main()
{
	local demo=$build/demo stratus=$build/bin/stratus host id i prov
	local port=${STRATUS_HTTP_PORT:-8080}
	mkdir -p "$demo"
	# The demo actor is signed with keys kept beside it, not in ~/.wash/keys.
	WASH_KEYS=$demo/keys "$stratus" claims sign "$build/tests/actors/echo.wasm" \
		--name echo --cap wasmcloud:httpserver --ver 0.1.0 --rev 1 \
		-o "$demo/echo_s.wasm" >/dev/null 2>&1
	"$stratus" up "$@" &
	host=$!
	trap 'kill -TERM "$host" 2>/dev/null' INT TERM
	for i in $(seq 1 300); do
		"$stratus" ctl get hosts -o json 2>/dev/null | grep -q '"N[A-Z2-7]\{55\}"' && break
		kill -0 "$host" 2>/dev/null || break
		sleep 0.1
	done
	"$stratus" ctl start actor "$demo/echo_s.wasm"
	id=$("$stratus" claims inspect "$demo/echo_s.wasm" -o json |
		sed -n 's/.*"module": *"\(M[A-Z2-7]*\)".*/\1/p')
	prov=$("$stratus" ctl start provider "$build/par/httpserver.par.gz" -o json |
		sed -n 's/.*"provider_id": *"\(V[A-Z2-7]*\)".*/\1/p')
	"$stratus" ctl link put "$id" "$prov" wasmcloud:httpserver "address=127.0.0.1:$port"
	cat <<EOF

The host serves the echo actor $id over HTTP through the httpserver
provider $prov. Try:
  curl -s 127.0.0.1:$port/echo
  $stratus ctl get inventory
  $stratus call $id HttpServer.HandleRequest --bin s \\
      --data '{"method":"GET","path":"/echo","queryString":"","header":{},"body":""}'
Ctrl-C stops the host, its provider and the nats-server it started.
EOF
	wait "$host"
}

build_stratus
run_main "$@"
