#!/usr/bin/env bash
# deps.sh - install the Debian 12 packages stratus needs, idempotently.
#
# usage: scripts/deps.sh [GROUP...]        (default: build test)
#        scripts/deps.sh --list [GROUP...] (print the packages, install nothing)
#
# Groups: build (toolchain + libs + runtime), libs, test, bench, all. Only packages that
# dpkg-query reports as not installed are passed to apt-get install; when
# everything is present the script does nothing and needs no root. apt-get
# update runs only when something is missing and the package lists are empty
# or the first install attempt fails. To add a dependency, add its package to
# the right group below.
set -euo pipefail

# The compiler toolchain, wasm32 cross toolchain (actor and example builds),
# sanitizer/libFuzzer runtimes for clang, and the formatter.
pkgs_toolchain=(
	cmake make gcc pkg-config
	clang lld llvm clang-format
	wasi-libc libclang-rt-14-dev-wasm32
	libclang-rt-14-dev
)
# Libraries the C code links against.
pkgs_libs=(
	libjansson-dev
	libsodium-dev
	libuv1-dev
	libnats-dev
	libarchive-dev
	zlib1g-dev
	libcurl4-openssl-dev
	libh2o-dev
	libhiredis-dev
)
# Programs the built binaries run: `stratus up` starts nats-server (JetStream)
# when no NATS answers at its address.
pkgs_runtime=(
	nats-server
)
# Engine conformance tests (wast2json) and test tools; the lattice tests
# start their own nats-server.
pkgs_test=(
	wabt
	nats-server
	curl
	openssl
	redis-server
)
# Node.js: the e2e tests check our JWTs with an independent Ed25519
# implementation (Node's crypto). Debian's nodejs only when no node exists.
command -v node >/dev/null 2>&1 || pkgs_test+=(nodejs)
# npm: the IDL interop test installs @msgpack/msgpack from the npm registry.
command -v npm >/dev/null 2>&1 || pkgs_test+=(npm)
# Benchmarks (bench/, never run by CI).
pkgs_bench=(
	hyperfine
	wrk
	nginx-light
)

usage()
{
	sed -n '2,12s/^# \{0,1\}//p' "$0"
}

group_pkgs()
{
	case "$1" in
	build) echo "${pkgs_toolchain[@]}" "${pkgs_libs[@]}" "${pkgs_runtime[@]}" ;;
	libs) echo "${pkgs_libs[@]}" ;;
	test) echo "${pkgs_test[@]}" ;;
	bench) echo "${pkgs_bench[@]}" ;;
	all) echo "${pkgs_toolchain[@]}" "${pkgs_libs[@]}" "${pkgs_runtime[@]}" "${pkgs_test[@]}" "${pkgs_bench[@]}" ;;
	*)
		echo "deps.sh: unknown group '$1' (build, libs, test, bench, all)" >&2
		return 1
		;;
	esac
}

installed()
{
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

lists_empty()
{
	! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

main()
{
	local list_only=0 groups=() wanted=() missing=() p sudo=()

	while [ $# -gt 0 ]; do
		case "$1" in
		-h | --help)
			usage
			return 0
			;;
		--list) list_only=1 ;;
		*) groups+=("$1") ;;
		esac
		shift
	done
	[ ${#groups[@]} -gt 0 ] || groups=(build test)

	for g in "${groups[@]}"; do
		group_pkgs "$g" >/dev/null || return 2
		for p in $(group_pkgs "$g"); do
			case " ${wanted[*]-} " in
			*" $p "*) ;;
			*) wanted+=("$p") ;;
			esac
		done
	done
	if [ "$list_only" = 1 ]; then
		printf '%s\n' "${wanted[@]}"
		return 0
	fi

	for p in "${wanted[@]}"; do
		installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "deps.sh: all ${#wanted[@]} packages present (${groups[*]})"
		return 0
	fi

	echo "deps.sh: installing ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo=(sudo)
		else
			echo "deps.sh: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
			return 1
		fi
	fi
	local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q
		-o DPkg::Lock::Timeout=300)
	if lists_empty; then
		"${apt[@]}" update
	fi
	if ! "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; then
		echo "deps.sh: install failed; refreshing package lists and retrying" >&2
		"${apt[@]}" update
		"${apt[@]}" install -y --no-install-recommends "${missing[@]}"
	fi
	for p in "${missing[@]}"; do
		if ! installed "$p"; then
			echo "deps.sh: $p is still not installed" >&2
			return 1
		fi
	done
	echo "deps.sh: installed ${#missing[@]} packages"
}

main "$@"
