#!/usr/bin/env bash
# wasm_cli.sh - end-to-end checks of `stratus wasm run|validate|invoke`.
#
# Builds small C programs with clang (wasm32-wasi, and a freestanding wasm32
# module for invoke) in a temporary directory and checks the real binary's
# output and exit statuses. Usage: tests/e2e/wasm_cli.sh [path/to/stratus]
# (default: build/bin/stratus beside this checkout; STRATUS and CLANG may
# also be set in the environment). Exits 0 when every check passed, 1 when
# one failed, 77 when clang cannot build wasm32-wasi programs (skip).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stratus=${1:-${STRATUS:-$root/build/bin/stratus}}
clang=${CLANG:-clang}

if [ ! -x "$stratus" ]; then
	echo "wasm_cli: no stratus executable at $stratus" >&2
	exit 1
fi
stratus=$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-wasm-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
}

# run_case NAME STDIN -- CMD...: runs CMD with STDIN, records out, err, rc.
run() {
	local input=$1
	shift
	printf '%s' "$input" | "$@" >out.txt 2>err.txt
	rc=$?
	out=$(cat out.txt)
	err=$(cat err.txt)
}

# expect DESC WANT_RC WANT_OUT [WANT_ERR_SUBSTRING]
expect() {
	local desc=$1 want_rc=$2 want_out=$3 want_err=${4:-}
	if [ "$rc" != "$want_rc" ]; then
		fail "$desc" "exit status: want $want_rc, got $rc" "stdout: $out" "stderr: $err"
	elif [ "$want_out" != "*" ] && [ "$out" != "$want_out" ]; then
		fail "$desc" "stdout: want '$want_out'" "stdout: got  '$out'" "stderr: $err"
	elif [ -n "$want_err" ] && [[ "$err" != *"$want_err"* ]]; then
		fail "$desc" "stderr lacks '$want_err'" "stderr: $err"
	else
		pass "$desc"
	fi
}

wasi_cc() { "$clang" --target=wasm32-wasi -O2 -o "$1" "$2"; }

cat >probe.c <<'C'
int main(void) { return 0; }
C
if ! wasi_cc probe.wasm probe.c 2>/dev/null; then
	echo "1..0 # SKIP $clang cannot build wasm32-wasi programs"
	exit 77
fi

# ---------------------------------------------------------------- programs
cat >hello.c <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
	const char *g = getenv("GREETING");
	printf("argc=%d argv0=%s\n", argc, argv[0]);
	for (int i = 1; i < argc; i++)
		printf("arg%d=%s\n", i, argv[i]);
	printf("%s\n", g ? g : "no greeting");
	return 0;
}
C
cat >exitcode.c <<'C'
#include <stdlib.h>
int main(int argc, char **argv)
{
	long code = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	if (argc > 2)
		exit((int)code); /* through proc_exit from inside a call chain */
	return (int)code;
}
C
cat >upper.c <<'C'
#include <ctype.h>
#include <stdio.h>
int main(void)
{
	int c;
	long n = 0;
	while ((c = getchar()) != EOF) {
		putchar(toupper(c));
		n++;
	}
	fprintf(stderr, "read %ld bytes\n", n);
	return 0;
}
C
cat >sys.c <<'C'
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(void)
{
	struct timespec a, b, r, s = { 0, 2000000 };
	unsigned char buf[32];
	int nonzero = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	nanosleep(&s, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	clock_gettime(CLOCK_REALTIME, &r);
	if (getentropy(buf, sizeof(buf)) != 0)
		return 3;
	for (size_t i = 0; i < sizeof(buf); i++)
		nonzero += buf[i] != 0;
	printf("monotonic %s\n", (b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec)) ? "ok" : "backwards");
	printf("slept %s\n", (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) >= 2000000 ? "ok" : "short");
	printf("realtime %s\n", r.tv_sec > 1577836800 ? "ok" : "wrong");
	printf("random %s\n", nonzero ? "ok" : "zero");
	printf("fopen %s\n", fopen("/etc/passwd", "r") ? "opened" : "refused");
	return 0;
}
C
cat >big.c <<'C'
#include <stdio.h>
int main(void)
{
	for (int i = 0; i < 100000; i++)
		printf("line %06d of output to stress partial writes\n", i);
	return 0;
}
C
cat >trap.c <<'C'
int main(void)
{
	__builtin_trap();
}
C
cat >spin.c <<'C'
int main(void)
{
	volatile unsigned x = 0;
	for (;;)
		x++;
}
C
cat >nap.c <<'C'
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	volatile unsigned x = 0;
	sleep(30); /* poll_oneoff must not sleep past the --timeout-ms deadline */
	while (x < 100000000)
		x++;
	puts("woke");
	return 0;
}
C
cat >math.c <<'C'
#define EXPORT(n) __attribute__((export_name(n)))
EXPORT("add") int add(int a, int b) { return a + b; }
EXPORT("div") int divi(int a, int b) { return a / b; }
EXPORT("mul64") long long mul64(long long a, long long b) { return a * b; }
EXPORT("fdiv") double fdiv(double a, double b) { return a / b; }
EXPORT("half") float half(float a) { return a / 2; }
EXPORT("answer") int answer(void) { return 42; }
C

for p in hello exitcode upper sys big trap spin nap; do
	if ! wasi_cc $p.wasm $p.c; then
		fail "build $p.wasm with $clang"
	fi
done
"$clang" --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o math.wasm math.c ||
	fail "build math.wasm with $clang"

# ---------------------------------------------------------------- top level
run "" "$stratus" --version
expect "stratus --version" 0 "*" ""
[[ "$out" == stratus* ]] || fail "--version prints the name" "got '$out'"
run "" "$stratus"
expect "stratus without a command is a usage error" 2 "" "usage: stratus"
run "" "$stratus" frobnicate
expect "an unknown command is a usage error" 2 "" "'frobnicate' is not a stratus command"
run "" "$stratus" wasm run --help
expect "wasm run --help" 0 "*" ""

# ---------------------------------------------------------------- run
run "" "$stratus" wasm run hello.wasm one "two words"
expect "run passes argv (argv[0] is the file)" 0 "argc=3 argv0=hello.wasm
arg1=one
arg2=two words
no greeting"
run "" "$stratus" wasm run --env GREETING=hi hello.wasm
expect "run --env sets the guest environment" 0 "argc=1 argv0=hello.wasm
hi"
run "" env GREETING=inherited "$stratus" wasm run --inherit-env hello.wasm
expect "run --inherit-env passes the host environment" 0 "argc=1 argv0=hello.wasm
inherited"
run "" "$stratus" wasm run exitcode.wasm 7
expect "return from main passes the exit code" 7 ""
run "" "$stratus" wasm run exitcode.wasm 3 via-exit
expect "exit() passes the exit code" 3 ""
run "" "$stratus" wasm run exitcode.wasm 0
expect "exit code 0" 0 ""
run "hello, stdin" "$stratus" wasm run upper.wasm
expect "stdin and stdout pass through" 0 "HELLO, STDIN" "read 12 bytes"
run "" "$stratus" wasm run sys.wasm
expect "clocks, sleep, random, no preopens" 0 "monotonic ok
slept ok
realtime ok
random ok
fopen refused"
"$stratus" wasm run big.wasm | cat >big.txt
rc=$?
lines=$(wc -l <big.txt)
if [ "$rc" = 0 ] && [ "$lines" = 100000 ] && [ "$(tail -n 1 big.txt)" = "line 099999 of output to stress partial writes" ]; then
	pass "large output through a pipe arrives whole"
else
	fail "large output through a pipe arrives whole" "rc=$rc lines=$lines"
fi
run "" "$stratus" wasm run trap.wasm
expect "a trap exits 134 with its message" 134 "" "stratus: trap: unreachable"
run "" "$stratus" wasm run --fuel 100000 spin.wasm
expect "run --fuel stops a runaway guest" 134 "" "stratus: trap:"
run "" "$stratus" wasm run --timeout-ms 300 spin.wasm
expect "run --timeout-ms stops a runaway guest" 134 "" "stratus: trap:"
run "" "$stratus" wasm run --timeout-ms 300 nap.wasm
expect "run --timeout-ms cuts a guest's sleep short" 134 "" "stratus: trap:"
run "" "$stratus" wasm run missing.wasm
expect "run of a missing file fails" 1 "" "missing.wasm"
run "" "$stratus" wasm run math.wasm
expect "run of a module without _start fails" 1 "" "_start"
run "" "$stratus" wasm run
expect "run without a file is a usage error" 2 ""

# ---------------------------------------------------------------- validate
run "" "$stratus" wasm validate hello.wasm
expect "validate a valid module" 0 "hello.wasm: valid"
printf '\0asm\1\0\0\0\1\5\1\x60\0\1' >trunc.wasm # type section cut short
run "" "$stratus" wasm validate trunc.wasm
expect "validate a truncated module" 1 "" "trunc.wasm: error at offset 0x"
head -c 4 hello.wasm >bad.wasm
printf '\2\0\0\0' >>bad.wasm
tail -c +9 hello.wasm >>bad.wasm
run "" "$stratus" wasm validate bad.wasm
expect "validate a module with a bad version" 1 "" "bad.wasm: error at offset 0x"
run "" "$stratus" wasm validate hello.wasm bad.wasm
expect "validate several files fails when one is bad" 1 "hello.wasm: valid" "bad.wasm: error"

# ---------------------------------------------------------------- invoke
run "" "$stratus" wasm invoke math.wasm add 2 3
expect "invoke add 2 3" 0 "i32:5"
run "" "$stratus" wasm invoke math.wasm add -5 0x3
expect "invoke with a negative and a hex argument" 0 "i32:-2"
run "" "$stratus" wasm invoke math.wasm add 2147483647 1
expect "invoke wraps i32" 0 "i32:-2147483648"
run "" "$stratus" wasm invoke math.wasm mul64 -3 4000000000
expect "invoke i64" 0 "i64:-12000000000"
run "" "$stratus" wasm invoke math.wasm fdiv 1 4
expect "invoke f64" 0 "f64:0.25"
run "" "$stratus" wasm invoke math.wasm fdiv 1 0
expect "invoke f64 division by zero" 0 "f64:inf"
run "" "$stratus" wasm invoke math.wasm fdiv nan 1
expect "invoke f64 nan argument" 0 "*"
[[ "$out" == f64:*nan* ]] || fail "nan result prints as nan" "got '$out'"
run "" "$stratus" wasm invoke math.wasm half 3
expect "invoke f32" 0 "f32:1.5"
run "" "$stratus" wasm invoke math.wasm answer
expect "invoke without arguments" 0 "i32:42"
run "" "$stratus" wasm invoke math.wasm div 1 0
expect "invoke trap exits 1" 1 "" "stratus: trap: integer divide by zero"
run "" "$stratus" wasm invoke math.wasm add 1
expect "invoke with too few arguments" 2 "" "takes 2 arguments"
run "" "$stratus" wasm invoke math.wasm add 1 x
expect "invoke with a bad argument" 2 "" "not a valid i32"
run "" "$stratus" wasm invoke math.wasm add 1 4294967296
expect "invoke with an out-of-range i32" 2 "" "not a valid i32"
run "" "$stratus" wasm invoke math.wasm nope
expect "invoke of a missing export" 1 "" "no exported function \"nope\""
run "" "$stratus" wasm invoke hello.wasm main
expect "invoke names unresolved imports" 1 "" "unresolved import \"wasi_snapshot_preview1\""
run "" "$stratus" wasm invoke --fuel 1000 spin.wasm _start
expect "invoke --fuel with a WASI module needs --wasi" 1 "" "unresolved import"
run "" "$stratus" wasm invoke --wasi --fuel 100000 spin.wasm _start
expect "invoke --wasi --fuel stops a runaway call" 1 "" "stratus: trap:"

echo "1..$n"
if [ "$failed" -ne 0 ]; then
	echo "# $failed of $n checks failed"
	exit 1
fi
echo "# all $n checks passed"
