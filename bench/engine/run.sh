#!/bin/sh
# run.sh - builds the engine benchmarks (native and wasm32-wasi), runs each
# natively, under `stratus wasm run` and under wasm3 (optional), checks that
# every engine prints the native checksum, and prints a markdown table of
# median times and ratios; then times module load and instantiation.
# PROGRAMS=none skips the CPU table, LOAD=0 the load timing.
# Everything is built under $OUT, outside the source tree. See README.md for
# the environment variables. Exit status: 0 when every run succeeded and
# every checksum matched, 1 otherwise (the table is printed either way).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

OUT=${OUT:-$repo/build/bench-engine}
STRATUS_BUILD=${STRATUS_BUILD:-$repo/build}
STRATUS=${STRATUS:-$STRATUS_BUILD/bin/stratus}
WASM3=${WASM3:-}
WASM3_SRC=${WASM3_SRC:-}
WASM3_BUILD=${WASM3_BUILD:-}
CC_NATIVE=${CC_NATIVE:-clang}
CC_WASM=${CC_WASM:-clang --target=wasm32-wasi}
CFLAGS_BENCH=${CFLAGS_BENCH:--O2}
RUNS=${RUNS:-3}
TIMEOUT=${TIMEOUT:-120}
LOAD_MODULE=${LOAD_MODULE:-}
LOADS=${LOADS:-20}
INSTANCES=${INSTANCES:-200}
GEN_FUNCS=${GEN_FUNCS:-1300}
QUICK=${QUICK:-0}
LOAD=${LOAD:-1}
METRIC=${METRIC:-wall}

# name:default size (chosen so wasm3 takes about 1-4 s per run here).
programs="fib:39 sieve:30 matmul:560 nbody:4000000 sha256:40 sort:2000000 crc32:100 vm:200000"
if [ "$QUICK" = 1 ]; then
	programs="fib:27 sieve:2 matmul:100 nbody:100000 sha256:2 sort:100000 crc32:4 vm:10000"
fi
if [ -n "${PROGRAMS:-}" ]; then
	sel=
	for p in $programs; do
		case " $PROGRAMS " in *" ${p%%:*} "*) sel="$sel $p" ;; esac
	done
	programs=$sel
fi

status=0
note() { printf '%s\n' "$*" >&2; }
fail() { note "run.sh: $*"; status=1; }

mkdir -p "$OUT" || exit 1
log=$OUT/run.log
: >"$log"

# ---------------------------------------------------------------- build
note "building into $OUT"
for p in $programs; do
	name=${p%%:*}
	$CC_NATIVE $CFLAGS_BENCH -o "$OUT/$name" "$here/$name.c" -lm >>"$log" 2>&1 ||
		{ note "native build of $name failed (see $log)"; exit 1; }
	$CC_WASM $CFLAGS_BENCH -o "$OUT/$name.wasm" "$here/$name.c" >>"$log" 2>&1 ||
		{ note "wasm build of $name failed (see $log)"; exit 1; }
done

have_stratus=0
if [ -x "$STRATUS" ]; then
	have_stratus=1
else
	fail "no stratus binary at $STRATUS (set STRATUS=...)"
fi
have_wasm3=0
if [ -n "$WASM3" ] && [ -x "$WASM3" ]; then
	have_wasm3=1
elif [ -n "$WASM3" ]; then
	fail "WASM3=$WASM3 is not an executable"
else
	note "note: WASM3 not set: the wasm3 columns are skipped"
fi

# ---------------------------------------------------------------- timing
use_hyperfine=0
if command -v hyperfine >/dev/null 2>&1 && command -v jq >/dev/null 2>&1; then
	use_hyperfine=1
fi
case $METRIC in
wall) ;;
cpu) [ "$use_hyperfine" = 1 ] || { note "run.sh: METRIC=cpu needs hyperfine and jq"; exit 1; } ;;
*) note "run.sh: METRIC must be wall or cpu"; exit 1 ;;
esac

# median_ms CMD...: runs CMD $RUNS times and prints the median wall time in
# ms (hyperfine when present, else date +%s%N around each run); with
# METRIC=cpu, the mean user + system CPU time instead (hyperfine reports no
# per-run CPU times), which a busy shared machine disturbs less.
median_ms() {
	if [ "$use_hyperfine" = 1 ]; then
		hyperfine -N --runs "$RUNS" --style none \
			--export-json "$OUT/hf.json" -- "$*" >/dev/null 2>>"$log" ||
			return 1
		if [ "$METRIC" = cpu ]; then
			jq '(.results[0].user + .results[0].system) * 1000' "$OUT/hf.json"
		else
			jq '.results[0].median * 1000' "$OUT/hf.json"
		fi
		return
	fi
	i=0
	: >"$OUT/times"
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>>"$log" || return 1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >>"$OUT/times"
		i=$((i + 1))
	done
	sort -n "$OUT/times" | awk '{ v[NR] = $1 } END { printf "%.1f\n", v[int((NR + 1) / 2)] / 1000 }'
}

# measure ENGINE NAME EXPECTED CMD...: checks the output once (under
# $TIMEOUT), then times it. Prints the ms, or a word saying why not. It runs
# in a command substitution, so the caller sets status from the result.
measure() {
	engine=$1 name=$2 expected=$3
	shift 3
	got=$(timeout "$TIMEOUT" "$@" 2>>"$log")
	rc=$?
	if [ "$rc" -eq 124 ]; then
		fail "$name under $engine: over ${TIMEOUT}s"
		echo timeout
		return
	fi
	if [ "$rc" -ne 0 ]; then
		fail "$name under $engine: exit status $rc (stderr in $log)"
		echo error
		return
	fi
	if [ "$got" != "$expected" ]; then
		fail "$name under $engine: checksum mismatch: '$got' != '$expected'"
		echo MISMATCH
		return
	fi
	median_ms "$@" || { fail "$name under $engine: timing run failed"; echo error; }
}

is_num() { case $1 in '' | *[!0-9.]*) return 1 ;; *) return 0 ;; esac; }

# cpu_table: runs every program natively and on every engine; prints the table.
cpu_table() {
	tool="shell timing"
	[ "$use_hyperfine" = 1 ] && tool="hyperfine -N"
	echo
	echo "## CPU benchmarks"
	echo
	echo "Compiler: $($CC_NATIVE --version | head -n 1), flags $CFLAGS_BENCH."
	if [ "$METRIC" = cpu ]; then
		echo "Mean user + system CPU time of $RUNS runs ($tool), including process start."
	else
		echo "Median of $RUNS runs ($tool), wall time including process start."
	fi
	echo "Load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)."
	echo
	echo "| program | size | native ms | stratus ms (× native) | wasm3 ms (× native) | stratus / wasm3 |"
	echo "|---|---:|---:|---:|---:|---:|"

	rows=$OUT/rows
	: >"$rows"
	for p in $programs; do
		name=${p%%:*} size=${p#*:}
		expected=$("$OUT/$name" "$size" 2>>"$log")
		[ -n "$expected" ] || { fail "$name: native run failed"; continue; }
		nat=$(median_ms "$OUT/$name" "$size") || { fail "$name: native timing failed"; continue; }
		st=skipped w3=skipped
		if [ "$have_stratus" = 1 ]; then
			st=$(measure stratus "$name" "$expected" "$STRATUS" wasm run "$OUT/$name.wasm" "$size")
			is_num "$st" || status=1
		fi
		if [ "$have_wasm3" = 1 ]; then
			w3=$(measure wasm3 "$name" "$expected" "$WASM3" "$OUT/$name.wasm" "$size")
			is_num "$w3" || status=1
		fi
		echo "$name $size $nat $st $w3" >>"$rows"
	done

	awk '
	function ms(v) { return v < 100 ? sprintf("%.1f", v) : sprintf("%.0f", v) }
	function cell(v, nat) {
		if (v !~ /^[0-9.]+$/)
			return v
		return sprintf("%s (%.1f×)", ms(v), v / nat)
	}
	function num(v) { return v ~ /^[0-9.]+$/ }
	{
		n_ok = num($3); s_ok = num($4) && n_ok; w_ok = num($5) && n_ok
		ratio = (num($4) && num($5)) ? sprintf("%.2f", $4 / $5) : "–"
		printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, ms($3), cell($4, $3), cell($5, $3), ratio
		if (n_ok) { ln += log($3); nn++ }
		if (s_ok) { ls += log($4 / $3); ns++ }
		if (w_ok) { lw += log($5 / $3); nw++ }
		if (s_ok && w_ok) { lsw += log($4 / $5); nsw++ }
	}
	END {
		printf "| **geometric mean** | | %s | %s | %s | %s |\n",
			nn ? ms(exp(ln / nn)) : "–",
			ns ? sprintf("%.1f× (%d)", exp(ls / ns), ns) : "–",
			nw ? sprintf("%.1f× (%d)", exp(lw / nw), nw) : "–",
			nsw ? sprintf("%.2f", exp(lsw / nsw)) : "–"
	}' "$rows"
	echo
	echo "The × columns are engine time / native time; stratus / wasm3 below 1 means stratus is faster."
	echo "In the mean row, the count in parentheses is the number of programs that ran."
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}; $(date -u '+%Y-%m-%d %H:%M UTC')."
if [ -n "$programs" ]; then
	cpu_table
fi

finish() {
	[ "$status" -eq 0 ] || note "run.sh: some runs failed or mismatched (details above and in $log)"
	exit "$status"
}

# ---------------------------------------------------------------- loading
# pick WHAT FILE: "median µs (min µs)" from a loadbench output.
pick() {
	awk -v w="$1" '$1 == w "_median_us" { m = $2 } $1 == w "_min_us" { n = $2 }
		END { if (m != "") printf "%s µs (min %s)", m, n; else printf "error" }' "$2"
}

[ "$LOAD" = 0 ] && finish
echo
echo "## Module load and instantiation"
echo
if [ -z "$LOAD_MODULE" ]; then
	LOAD_MODULE=$OUT/generated.wasm
	if [ ! -f "$LOAD_MODULE" ]; then
		note "generating a large module ($GEN_FUNCS functions, -g); this takes a while"
		if ! "$here/genmodule.sh" "$GEN_FUNCS" >"$OUT/generated.c" ||
			! $CC_WASM -O2 -g -w -o "$LOAD_MODULE" "$OUT/generated.c" >>"$log" 2>&1; then
			fail "could not build the generated module"
			rm -f "$LOAD_MODULE"
			LOAD_MODULE=
		fi
	fi
	[ -n "$LOAD_MODULE" ] &&
		echo "Module: none given (LOAD_MODULE), so a generated one: $GEN_FUNCS C functions by genmodule.sh, clang -O2 -g."
else
	echo "Module: $(basename "$LOAD_MODULE") (from LOAD_MODULE)."
fi
if [ -n "$LOAD_MODULE" ] && [ -f "$LOAD_MODULE" ]; then
	echo "Size: $(wc -c <"$LOAD_MODULE") bytes. Median (and minimum) wall time of $LOADS loads and $INSTANCES instantiations."
	echo
	lib_wasm=$STRATUS_BUILD/src/wasm/libst_wasm.a
	lib_core=$STRATUS_BUILD/src/core/libst_core.a
	st_load=skipped st_inst=skipped
	if [ -f "$lib_wasm" ] && [ -f "$lib_core" ]; then
		if cc -O2 -I"$repo/src" -o "$OUT/loadbench" "$here/loadbench.c" \
			"$lib_wasm" "$lib_core" -lm -lpthread >>"$log" 2>&1; then
			if timeout "$TIMEOUT" "$OUT/loadbench" "$LOAD_MODULE" "$LOADS" "$INSTANCES" \
				>"$OUT/load.stratus" 2>>"$log"; then
				st_load=$(pick load "$OUT/load.stratus")
				st_inst=$(pick instance "$OUT/load.stratus")
			else
				fail "loadbench failed (see $log)"
				st_load=error st_inst=error
			fi
		else
			fail "loadbench does not build against $STRATUS_BUILD (see $log)"
			st_load=error st_inst=error
		fi
	else
		fail "no engine libraries under $STRATUS_BUILD/src (set STRATUS_BUILD=...)"
	fi
	w3_parse=skipped w3_lazy=skipped w3_load=skipped w3_inst=skipped
	if [ -z "$WASM3_BUILD" ] && [ -n "$WASM3" ]; then
		WASM3_BUILD=$(dirname "$WASM3")
	fi
	if [ -n "$WASM3_SRC" ] && [ -f "$WASM3_BUILD/source/libm3.a" ]; then
		if cc -O2 -I"$WASM3_SRC/source" -o "$OUT/loadbench_wasm3" \
			"$here/loadbench_wasm3.c" "$WASM3_BUILD/source/libm3.a" -lm >>"$log" 2>&1 &&
			timeout "$TIMEOUT" "$OUT/loadbench_wasm3" "$LOAD_MODULE" "$LOADS" "$INSTANCES" \
				>"$OUT/load.wasm3" 2>>"$log"; then
			w3_parse=$(pick parse "$OUT/load.wasm3")
			w3_lazy=$(pick load_lazy "$OUT/load.wasm3")
			w3_load=$(pick load "$OUT/load.wasm3")
			w3_inst=$(pick instance "$OUT/load.wasm3")
		else
			fail "loadbench_wasm3 failed (see $log)"
			w3_load=error w3_inst=error
		fi
	else
		note "note: WASM3_SRC (and WASM3_BUILD or WASM3) not set: wasm3 load timing skipped"
	fi
	echo "| measurement | stratus | wasm3 |"
	echo "|---|---:|---:|"
	echo "| (a) load: decode + validate + compile every function | $st_load | $w3_load |"
	echo "| (a') wasm3 lazy: parse + load, functions compiled on first call | – | $w3_lazy |"
	echo "| wasm3 parse only (no function bodies looked at) | – | $w3_parse |"
	echo "| (b) one more instance of the compiled module | $st_inst | $w3_inst |"
	echo
	echo "wasm3 cannot share a module between runtimes, so its (b) is new runtime + parse + load (lazy)."
fi
finish
