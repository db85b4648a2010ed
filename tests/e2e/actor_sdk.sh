#!/usr/bin/env bash
# actor_sdk.sh - the C actor SDK and its tooling as a user meets them:
# `stratus new actor hello` makes a project, `stratus build` compiles and
# signs it (the caps of actor.conf show in `stratus claims inspect`), a real
# host (`stratus up` on a per-run port) runs it and `stratus call` gets the
# template's greeting, which the actor also logged through the host. Then
# `cmake --install` of the build into a temporary prefix: a small actor
# exercising the SDK's helpers is compiled with `pkg-config --cflags --libs
# stratus-actor` only (and with stratus-actor-wasi against wasi-libc), both
# validate and answer on the host, and `stratus build` finds the installed
# SDK through pkg-config. Error paths: an existing project, a bad name, no
# project file, a missing compiler, a compile error.
#
# Usage: tests/e2e/actor_sdk.sh [path/to/stratus]. Exits 0 when every check
# passed, 1 when one failed, 77 (skip) without clang, llvm-ar, wasm-ld,
# pkg-config, nats-server or the SDK in the build tree.
set -u

here=$(cd "$(dirname "$0")" && pwd)
stratus=${1:-$here/../../build/bin/stratus}
stratus="$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")"
build=$(dirname "$(dirname "$stratus")")
for p in clang llvm-ar wasm-ld pkg-config nats-server; do
	command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || { echo "skip: no $p"; exit 77; }
done
if [ ! -f "$build/sdk/wasm32/libstratus-actor.a" ]; then
	echo "skip: the actor SDK is not built in $build/sdk"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-actor-sdk.XXXXXX")
host_pid=
cleanup() {
	if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
		kill -TERM "$host_pid" 2>/dev/null
		wait "$host_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp/home" TMPDIR="$tmp" WASH_KEYS="$tmp/home/keys" USER=e2euser
unset WASMCLOUD_CLUSTER_SEED WASMCLOUD_HOST_SEED WASMCLOUD_LATTICE_PREFIX XDG_STATE_HOME
unset PKG_CONFIG_PATH STRATUS_ACTOR_SDK STRATUS_CLANG
mkdir -p "$HOME"

n=0
failed=0
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else failed=$((failed + 1)); echo "not ok $n - $what"; fi
}
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
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
status_is() { # status_is WANT COMMAND...: COMMAND exits with WANT (output in $tmp/last.*)
	local want=$1 rc=0
	shift
	"$@" >"$tmp/last.out" 2>"$tmp/last.err" || rc=$?
	[ "$rc" = "$want" ] || { echo "# exit $rc, want $want:"; sed 's/^/#   /' "$tmp/last.out" "$tmp/last.err"; return 1; }
}
actor_key() { "$stratus" claims inspect "$1" 2>/dev/null | grep -o 'M[A-Z2-7]\{55\}' | head -n 1; }

# ---- stratus new ------------------------------------------------------
mkdir -p "$tmp/work"
cd "$tmp/work" || exit 1
check "new actor hello" status_is 0 "$stratus" new actor hello
check "project has actor.c, actor.conf, README.md" \
	test -f hello/actor.c -a -f hello/actor.conf -a -f hello/README.md
check "template names the actor" grep -q '^name = hello$' hello/actor.conf
check "existing directory refused (exit 1)" status_is 1 "$stratus" new actor hello
check "the refusal says why" grep -q "already exists" "$tmp/last.err"
check "bad name is bad usage (exit 2)" status_is 2 "$stratus" new actor "no/slash"
check "missing name is bad usage (exit 2)" status_is 2 "$stratus" new actor
mkdir -p "$tmp/else"
check "--dir DIR creates DIR/NAME" status_is 0 "$stratus" new actor other --dir "$tmp/else"
check "--dir honoured" test -f "$tmp/else/other/actor.conf"

# ---- stratus build ----------------------------------------------------
cd "$tmp/work/hello" || exit 1
check "build in the project" status_is 0 "$stratus" build
cp "$tmp/last.out" "$tmp/build.out"
check "build used the build tree's SDK" grep -q "actor SDK: the stratus build tree" "$tmp/build.out"
check "build/hello.wasm and build/hello_s.wasm written" \
	test -s build/hello.wasm -a -s build/hello_s.wasm
"$stratus" claims inspect build/hello_s.wasm >"$tmp/inspect.out" 2>&1
check "claims inspect: valid, name hello" grep -q "hello - Module" "$tmp/inspect.out"
check "claims inspect shows wasmcloud:httpserver" grep -q "^ *wasmcloud:httpserver$" "$tmp/inspect.out"
check "claims inspect shows wasmcloud:builtin:logging" \
	grep -q "^ *wasmcloud:builtin:logging$" "$tmp/inspect.out"
check "claims inspect shows version and revision" grep -q "0.1.0 (1)" "$tmp/inspect.out"
check "the module validates" status_is 0 "$stratus" wasm validate build/hello_s.wasm
hello_id=$(actor_key build/hello_s.wasm)
check "module key read" test -n "$hello_id"
"$stratus" build >/dev/null 2>&1
check "a rebuild keeps the module key (keys directory)" test "$(actor_key build/hello_s.wasm)" = "$hello_id"

cd "$tmp/work" || exit 1
check "no project file: exit 1" status_is 1 "$stratus" build "$tmp/work/sub-missing"
check "no project file: clear message" grep -q "no actor.conf" "$tmp/last.err"
check "missing compiler: exit 1" status_is 1 "$stratus" build "$tmp/else/other" --cc "$tmp/no-such-clang"
check "missing compiler: clear message" grep -q "not found" "$tmp/last.err"
printf 'int broken(void) { return nope; }\n' >>"$tmp/else/other/actor.c"
check "compile error: exit 1" status_is 1 "$stratus" build "$tmp/else/other"
check "compile error: clang's diagnostic passed through" grep -q "nope" "$tmp/last.err"
check "compile error: stratus says so" grep -q "compilation failed" "$tmp/last.err"
check "compile error: nothing signed" test ! -e "$tmp/else/other/build/other_s.wasm"
printf 'name = other\nbogus = 1\n' >"$tmp/else/other/actor.conf"
check "unknown key in actor.conf: exit 1" status_is 1 "$stratus" build "$tmp/else/other"
check "unknown key: line reported" grep -q "actor.conf:2: unknown key 'bogus'" "$tmp/last.err"
check "bad option is bad usage (exit 2)" status_is 2 "$stratus" build --no-such-option

# ---- install, pkg-config ----------------------------------------------
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.out" 2>&1
inc="$tmp/prefix/include/stratus-actor"
check "cmake --install: headers" test -f "$inc/wasmbus.h" -a -f "$inc/wc_rt.h" -a -f "$inc/wc_str.h" \
	-a -f "$inc/codec/msgpack.h" -a -f "$inc/core/err.h"
check "cmake --install: libraries" test -f "$tmp/prefix/lib/wasm32/libstratus-actor.a" \
	-a -f "$tmp/prefix/lib/wasm32-wasi/libstratus-actor.a"
check "cmake --install: stratus-actor.pc" test -f "$tmp/prefix/lib/pkgconfig/stratus-actor.pc"
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
check "pkg-config knows stratus-actor" pkg-config --exists stratus-actor

cat >"$tmp/tiny.c" <<'C'
/* tiny.c - exercises the SDK helpers; built with pkg-config only. */
#include "codec/msgpack.h"
#include "wasmbus.h"
#include "wc_reply.h"
#include "wc_rt.h"
#include "wc_str.h"

/* Numbers: the payload is a msgpack str holding a decimal i64. */
static int numbers(const uint8_t *msg, size_t len)
{
	mp_reader r;
	mp_writer w;
	const char *s;
	size_t n;
	int64_t v;
	uint64_t u;
	wc_buf b;
	char dec[WC_DEC_MAX];
	int rc;

	mp_reader_init(&r, msg, len);
	rc = mp_read_str(&r, &s, &n);
	if (rc != 0)
		return wc_fail_decode("a number", &r, rc);
	if (!wc_parse_i64(wc_str_make(s, n), &v))
		return wc_fail_with("not an i64", s, n);
	wc_buf_init(&b);
	wc_buf_adds(&b, "i64=");
	wc_buf_add_i64(&b, v);
	wc_buf_adds(&b, " u64=");
	wc_buf_add_u64(&b, (uint64_t)v);
	wc_buf_adds(&b, " max=");
	wc_buf_add(&b, dec, wc_fmt_u64(dec, UINT64_MAX));
	wc_buf_adds(&b, " eq42=");
	wc_buf_addc(&b, wc_str_eq(wc_str_make(s, n), "42") ? 'y' : 'n');
	wc_buf_adds(&b, " neg=");
	wc_buf_addc(&b, wc_str_starts_with(wc_str_make(s, n), "-") ? 'y' : 'n');
	wc_buf_adds(&b, " u64ok=");
	wc_buf_addc(&b, wc_parse_u64(wc_str_make(s, n), &u) ? 'y' : 'n');
	if (!wc_buf_str(&b))
		return wc_fail("out of memory");
	wc_writer_init(&w, 4096);
	mp_write_str(&w, b.p, b.n);
	return wc_reply_writer(&w);
}

/*
 * Writes 50000 integers through an arena writer, allocating other memory
 * every `every` items (0: never, so the writer always grows in place), and
 * reads them back. Returns the bytes written, 0 after failing.
 */
static size_t write_many(unsigned every, int *status)
{
	mp_writer w;
	mp_reader r;
	uint32_t count;
	int rc;

	wc_writer_init(&w, 1u << 20);
	mp_write_array(&w, 50000);
	for (uint64_t i = 0; i < 50000; i++) {
		mp_write_uint(&w, i * 1000);
		if (every && i % every == 0 && !wc_alloc(100)) {
			*status = wc_fail("out of memory");
			return 0;
		}
	}
	rc = mp_writer_status(&w);
	if (rc != 0) {
		*status = wc_fail_with("writer", wc_err_text(rc), strlen(wc_err_text(rc)));
		return 0;
	}
	mp_reader_init(&r, w.p, w.n);
	rc = mp_read_array(&r, &count);
	for (uint64_t i = 0; rc == 0 && i < count; i++) {
		uint64_t v;

		rc = mp_read_uint(&r, &v);
		if (rc == 0 && v != i * 1000) {
			*status = wc_fail("writer lost bytes");
			return 0;
		}
	}
	if (rc != 0) {
		*status = wc_fail_decode("the written array", &r, rc);
		return 0;
	}
	return w.n;
}

/* Grow: "grew <in place> <with copies> bytes". */
static int grow(const uint8_t *msg, size_t len)
{
	mp_writer w;
	wc_buf b;
	size_t a, c;
	int status = WASMBUS_FAIL;

	(void)msg;
	(void)len;
	a = write_many(0, &status);
	if (!a)
		return status;
	c = write_many(4096, &status);
	if (!c)
		return status;
	wc_buf_init(&b);
	wc_buf_adds(&b, "grew ");
	wc_buf_add_u64(&b, a);
	wc_buf_addc(&b, ' ');
	wc_buf_add_u64(&b, c);
	wc_buf_adds(&b, " bytes");
	wc_writer_init(&w, 64);
	mp_write_str(&w, b.p, b.n);
	return wc_reply_writer(&w);
}

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#include <stdio.h>
#include <stdlib.h>

/* Libc (wasi-libc flavour only): malloc and snprintf beside the arena. */
static int libc(const uint8_t *msg, size_t len)
{
	char *heap = malloc(100000), text[64];
	char *arena = wc_alloc(100000);
	mp_writer w;
	int n;

	(void)msg;
	(void)len;
	if (!heap || !arena)
		return wc_fail("out of memory");
	memset(heap, 'h', 100000);
	memset(arena, 'a', 100000);
	n = snprintf(text, sizeof(text), "libc %d %c%c", 42, heap[99999], arena[99999]);
	free(heap);
	wc_writer_init(&w, 64);
	mp_write_str(&w, text, (size_t)n);
	return wc_reply_writer(&w);
}
#endif

const wasmbus_op wasmbus_ops[] = {
	{ "Tiny.Numbers", numbers },
	{ "Tiny.Grow", grow },
#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
	{ "Tiny.Libc", libc },
#endif
	{ NULL, NULL },
};
C
# shellcheck disable=SC2046
clang $(pkg-config --cflags --libs stratus-actor) -O2 -o "$tmp/tiny.wasm" "$tmp/tiny.c" \
	>"$tmp/cc.out" 2>&1
check "a tiny actor builds with pkg-config stratus-actor alone" test -s "$tmp/tiny.wasm"
sed 's/^/# /' "$tmp/cc.out"
check "it validates" status_is 0 "$stratus" wasm validate "$tmp/tiny.wasm"
only_wasmbus() { # only_wasmbus FILE: imports from wasmbus, nothing from WASI
	"$stratus" wasm inspect "$1" >"$tmp/imports.out" 2>&1 &&
		grep -q "function wasmbus.__guest_request" "$tmp/imports.out" &&
		! grep -q "wasi_snapshot_preview1" "$tmp/imports.out"
}
check "it imports from wasmbus only (freestanding)" only_wasmbus "$tmp/tiny.wasm"
# shellcheck disable=SC2046
clang $(pkg-config --cflags --libs stratus-actor-wasi) -O2 -o "$tmp/tiny_wasi.wasm" "$tmp/tiny.c" \
	>"$tmp/cc.out" 2>&1
check "the same actor builds against wasi-libc (stratus-actor-wasi)" test -s "$tmp/tiny_wasi.wasm"
sed 's/^/# /' "$tmp/cc.out"
check "the wasi flavour validates" status_is 0 "$stratus" wasm validate "$tmp/tiny_wasi.wasm"
"$stratus" wasm inspect "$tmp/tiny_wasi.wasm" >"$tmp/inspect_wasi.out" 2>&1
check "the wasi flavour is a WASI reactor (exports _initialize)" \
	grep -q "function _initialize" "$tmp/inspect_wasi.out"
"$stratus" claims sign "$tmp/tiny.wasm" --name tiny >/dev/null 2>&1
"$stratus" claims sign "$tmp/tiny_wasi.wasm" --name tiny_wasi >/dev/null 2>&1
tiny_id=$(actor_key "$tmp/tiny_s.wasm")
tiny_wasi_id=$(actor_key "$tmp/tiny_wasi_s.wasm")

cd "$tmp/work" || exit 1
"$stratus" new actor hello2 >/dev/null 2>&1
sed -i 's/^target = .*/target = wasm32-wasi/' hello2/actor.conf
check "build with target wasm32-wasi" status_is 0 "$stratus" build hello2
check "build found the installed SDK through pkg-config" \
	grep -q "actor SDK: pkg-config stratus-actor" "$tmp/last.out"
hello2_id=$(actor_key hello2/build/hello2_s.wasm)
check "hello2 signed" test -n "$hello2_id"
check "--sdk PREFIX" status_is 0 "$stratus" build hello2 --sdk "$tmp/prefix"
check "--sdk PREFIX used" grep -q "actor SDK: $tmp/prefix" "$tmp/last.out"
check "--sdk without an SDK: exit 1" status_is 1 "$stratus" build hello2 --sdk "$tmp/nowhere"

# ---- run on a host ----------------------------------------------------
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
"$stratus" up >"$tmp/up.out" 2>"$tmp/up.err" &
host_pid=$!
hosts() { ctl get hosts -o json >"$tmp/hosts.json" 2>/dev/null && grep -q '"N[A-Z2-7]\{55\}"' "$tmp/hosts.json"; }
check "host is up" poll 20 hosts
host_id=$(grep -o 'N[A-Z2-7]\{55\}' "$tmp/hosts.json" | head -n 1)

for f in "$tmp/work/hello/build/hello_s.wasm" "$tmp/work/hello2/build/hello2_s.wasm" \
	"$tmp/tiny_s.wasm" "$tmp/tiny_wasi_s.wasm"; do
	ctl start actor "$f" --host-id "$host_id" >"$tmp/start.out" 2>&1
	check "started $(basename "$f")" grep -q "$(actor_key "$f")" "$tmp/start.out"
done

req='{"method":"GET","path":"/","queryString":"","header":{},"body":""}'
call() { "$stratus" call "$@" --ctl-port "$port" >"$tmp/call.out" 2>&1; }
call "$hello_id" HttpServer.HandleRequest --bin s --data "$req"
check "hello answers the template's greeting" \
	grep -q 'Hello from hello! You asked for GET /' "$tmp/call.out"
check "with status 200" grep -q '"statusCode": *200' "$tmp/call.out"
check "the actor logged the request through the host" \
	poll 5 grep -q "\[$hello_id\] GET /" "$tmp/up.err"
call "$hello2_id" HttpServer.HandleRequest --bin s \
	--data '{"method":"POST","path":"/x","queryString":"","header":{},"body":""}'
check "hello2 (wasm32-wasi) answers" grep -q 'Hello from hello2! You asked for POST /x' "$tmp/call.out"
call "$hello_id" Actor.HealthRequest --data '{}'
check "HealthRequest answers healthy" grep -q '"healthy": *true' "$tmp/call.out"
call "$hello_id" Nope.Nope
check "an unknown operation fails with the SDK's message" \
	grep -q 'No handler registered for function \\\?"Nope.Nope' "$tmp/call.out"
call "$hello_id" HttpServer.HandleRequest --data '[1]'
check "a bad request fails with the generated decoder's message" \
	grep -q 'HttpServer.HandleRequest: cannot decode the request: ' "$tmp/call.out"

want='i64=-9223372036854775808 u64=9223372036854775808 max=18446744073709551615 eq42=n neg=y u64ok=n'
for id in "$tiny_id" "$tiny_wasi_id"; do
	call "$id" Tiny.Numbers '"-9223372036854775808"'
	check "numbers formatted and parsed ($id)" grep -qF "\"$want\"" "$tmp/call.out"
	call "$id" Tiny.Numbers '"42"'
	check "wc_str_eq and wc_parse_u64 ($id)" \
		grep -qF '"i64=42 u64=42 max=18446744073709551615 eq42=y neg=n u64ok=y"' "$tmp/call.out"
	call "$id" Tiny.Numbers '"9223372036854775808"'
	check "an out-of-range i64 fails ($id)" grep -q 'not an i64: 9223372036854775808' "$tmp/call.out"
	call "$id" Tiny.Numbers '7'
	check "a non-string fails to decode ($id)" grep -q 'cannot decode a number: ' "$tmp/call.out"
	call "$id" Tiny.Grow
	check "an arena writer grows to 244 KiB intact ($id)" grep -q '"grew 249869 249869 bytes"' "$tmp/call.out"
done

for i in 1 2 3; do
	call "$tiny_wasi_id" Tiny.Libc
	check "wasi-libc's malloc and snprintf work beside the arena (call $i)" \
		grep -q '"libc 42 ha"' "$tmp/call.out"
done
call "$tiny_id" Tiny.Libc
check "the freestanding flavour has no Tiny.Libc" grep -q 'No handler registered' "$tmp/call.out"

ctl stop host "$host_id" >/dev/null 2>&1
wait "$host_pid"
host_pid=
if [ "$failed" -gt 0 ]; then
	echo "# $failed of $n checks failed"
	tail -n 30 "$tmp/up.err" | sed 's/^/# /'
	exit 1
fi
echo "# all $n checks passed"
