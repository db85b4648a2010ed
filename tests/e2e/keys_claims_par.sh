#!/usr/bin/env bash
# keys_claims_par.sh - end-to-end checks of `stratus keys`, `stratus claims`
# and `stratus par` against a keys directory in a temporary WASH_KEYS:
# generated keys and their file modes, signing a clang-built wasm32 module
# (keys generated and stored like wash does), inspecting it, a flipped code
# byte being refused, the signed token checked as a standard JWT by an
# independent Ed25519 implementation (Node's crypto, when node exists), and
# provider archives created, inspected, extended and tampered with.
#
# Set STRATUS_ACTOR_FIXTURES to a directory of real signed wasmCloud actors
# to check them as well. Usage: tests/e2e/keys_claims_par.sh [path/to/stratus].
# Exits 0 when every check passed, 1 when one failed, 77 when clang cannot
# build wasm32 modules (skip).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stratus=${1:-${STRATUS:-$root/build/bin/stratus}}
# Absolute, because some checks run from another directory.
stratus="$(cd "$(dirname "$stratus")" && pwd)/$(basename "$stratus")"
clang=${CLANG:-clang}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stratus-keys-claims-par.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export WASH_KEYS="$tmp/home/keys"
export USER=e2euser
unset WASH_ISSUER_KEY WASH_SUBJECT_KEY

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
	fi
}
run() { # run NAME ARGS...: runs stratus, keeping stdout/stderr in $tmp/NAME.{out,err}, status in rc
	local name=$1
	shift
	"$stratus" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
}
mode() { stat -c %a "$1"; }
json_field() { # json_field FILE KEY: the string value of "KEY": "..." in pretty JSON
	sed -n "s/^ *\"$2\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" "$1" | head -n 1
}
# Flips the low bit of the byte in the middle of the module's code section (id 10).
flip_code_byte() { # flip_code_byte IN OUT
	local -a b
	local i=8 id size shift byte j off
	mapfile -t b < <(od -An -v -tu1 -w1 "$1" | tr -d ' ')
	while [ "$i" -lt "${#b[@]}" ]; do
		id=${b[$i]}
		size=0
		shift=0
		j=$((i + 1))
		while :; do
			byte=${b[$j]}
			size=$((size | ((byte & 127) << shift)))
			shift=$((shift + 7))
			j=$((j + 1))
			[ "$byte" -lt 128 ] && break
		done
		if [ "$id" = 10 ]; then
			off=$((j + size / 2))
			cp "$1" "$2"
			printf "\\x$(printf %02x $((b[off] ^ 1)))" |
				dd of="$2" bs=1 seek="$off" conv=notrunc status=none
			return 0
		fi
		i=$((j + size))
	done
	return 1
}

# ---- keys gen --------------------------------------------------------------
for t in account:A cluster:C module:M server:N operator:O user:U service:V; do
	run gen keys gen "${t%%:*}" -o json
	pub=$(json_field "$tmp/gen.out" public_key)
	seed=$(json_field "$tmp/gen.out" seed)
	check "keys gen ${t%%:*}: ${t##*:}... public key and S${t##*:}... seed" \
		test "$rc" = 0 -a "${#pub}" = 56 -a "${pub:0:1}" = "${t##*:}" \
		-a "${#seed}" = 58 -a "${seed:0:2}" = "S${t##*:}"
done
run gen keys gen account
check "keys gen prints the public key and seed as text" \
	grep -Eq '^Public Key: A[A-Z2-7]{55}$' "$tmp/gen.out"
check "keys gen text has the seed line" grep -Eq '^Seed: SA[A-Z2-7]{56}$' "$tmp/gen.out"
run gen keys gen bogus
check "keys gen with an unknown type is a usage error" test "$rc" = 2
run list keys list
check "keys list on a missing directory fails" test "$rc" = 1

# ---- a wasm32 module ---------------------------------------------------------
cat >"$tmp/actor.c" <<'C'
static int table[4] = { 3, 5, 7, 11 };
__attribute__((export_name("weigh"))) int weigh(int a, int b)
{
	int s = 0;
	for (int i = 0; i < 4; i++)
		s += table[i] * (a + i) - b;
	return s * 31 + 0x1234;
}
C
if ! "$clang" --target=wasm32-unknown-unknown -O2 -nostdlib -Wl,--no-entry \
	-o "$tmp/actor.wasm" "$tmp/actor.c" 2>"$tmp/cc.err"; then
	echo "keys_claims_par: clang cannot build wasm32 modules; skipping" >&2
	cat "$tmp/cc.err" >&2
	exit 77
fi

# ---- claims sign with generated keys ---------------------------------------
run sign claims sign "$tmp/actor.wasm" --name "E2E Actor" --cap wasmcloud:httpserver \
	-k --tag alpha --tag beta --rev 5 --ver 1.2.3 --call-alias e2e/actor
check "claims sign exits 0" test "$rc" = 0
check "claims sign reports the destination and capabilities" grep -q \
	"^Successfully signed $tmp/actor_s.wasm with capabilities: wasmcloud:httpserver,wasmcloud:keyvalue\$" \
	"$tmp/sign.out"
check "claims sign wrote FILE_s.wasm beside FILE" test -s "$tmp/actor_s.wasm"
check "the account key was generated as \$USER_account.nk" test -f "$WASH_KEYS/e2euser_account.nk"
check "the module key was generated as <stem>_module.nk" test -f "$WASH_KEYS/actor_module.nk"
check "generated keys are announced on stderr" grep -q 'No keypair found in' "$tmp/sign.err"
check "key files are 0600" test "$(mode "$WASH_KEYS/e2euser_account.nk")" = 600 \
	-a "$(mode "$WASH_KEYS/actor_module.nk")" = 600
check "the keys directory is 0700" test "$(mode "$WASH_KEYS")" = 700 -a "$(mode "$tmp/home")" = 700

acct_seed=$(cat "$WASH_KEYS/e2euser_account.nk")
mod_seed=$(cat "$WASH_KEYS/actor_module.nk")
run get keys get e2euser_account.nk
check "keys get NAME.nk prints the stored seed" test "$rc" = 0 -a "$(cat "$tmp/get.out")" = "$acct_seed"
run get keys get actor_module -o json
check "keys get NAME (no .nk) finds NAME.nk" test "$(json_field "$tmp/get.out" seed)" = "$mod_seed"
mod_pub=$(json_field "$tmp/get.out" public_key)
run get keys get nosuch
check "keys get of a missing key fails" test "$rc" = 1
run list keys list
check "keys list shows both key files" test "$(grep -c '\.nk ' "$tmp/list.out")" = 2
check "keys list shows the module key's public key" grep -q "^actor_module.nk *$mod_pub\$" "$tmp/list.out"
run list keys list -o json
check "keys list -o json names the files" grep -q '"e2euser_account.nk"' "$tmp/list.out"

# Signing again reuses the stored keys.
run sign2 claims sign "$tmp/actor.wasm" --name "E2E Actor" -c wasmcloud:httpserver -o "$tmp/again.wasm"
check "a second signing reuses the stored keys (no new key announced)" \
	test "$rc" = 0 -a ! -s "$tmp/sign2.err"

# ---- claims inspect ---------------------------------------------------------
run inspect claims inspect "$tmp/actor_s.wasm"
check "claims inspect of the signed module exits 0" test "$rc" = 0
check "inspect shows the name" grep -q 'E2E Actor - Module' "$tmp/inspect.out"
check "inspect shows the module key" grep -Eq "^  Module +$mod_pub\$" "$tmp/inspect.out"
check "inspect shows an A... issuer" grep -Eq '^  Account +A[A-Z2-7]{55}$' "$tmp/inspect.out"
check "inspect reports the signature valid" grep -Eq '^  Signature +valid$' "$tmp/inspect.out"
check "inspect reports the module hash matching" grep -Eq '^  Hash Check +matches$' "$tmp/inspect.out"
check "inspect lists the capabilities" grep -q '^  wasmcloud:keyvalue$' "$tmp/inspect.out"
check "inspect lists the tags" grep -q '^  beta$' "$tmp/inspect.out"
check "inspect shows version and revision" grep -Eq '^  Version +1\.2\.3 \(5\)$' "$tmp/inspect.out"
check "inspect shows the call alias" grep -Eq '^  Call Alias +e2e/actor$' "$tmp/inspect.out"
run inspectj claims inspect -o json "$tmp/actor_s.wasm"
check "inspect -o json says valid" grep -q '"valid": true' "$tmp/inspectj.out"
hash=$(json_field "$tmp/inspectj.out" hash)

flip_code_byte "$tmp/actor_s.wasm" "$tmp/tampered.wasm"
check "one code byte flipped" test "$(cmp -l "$tmp/actor_s.wasm" "$tmp/tampered.wasm" | wc -l)" = 1
run tampered claims inspect "$tmp/tampered.wasm"
check "inspect of the tampered module exits 1" test "$rc" = 1
check "the failure names the module hash" grep -q 'Invalid module hash' "$tmp/tampered.err"
check "the tampered module's hash check says MISMATCH" grep -Eq '^  Hash Check +MISMATCH$' "$tmp/tampered.out"

run unsigned claims inspect "$tmp/actor.wasm"
check "inspect of an unsigned module fails" test "$rc" = 1
check "... saying no claims were found" grep -q 'No claims found' "$tmp/unsigned.err"

# ---- the token as a standard JWT --------------------------------------------
run jwt claims inspect --jwt-only "$tmp/actor_s.wasm"
check "--jwt-only prints three base64url segments" \
	grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "$tmp/jwt.out"
if command -v node >/dev/null 2>&1; then
	cat >"$tmp/verify.js" <<'JS'
// Independent check of a wascap token: header, claims, Ed25519 signature.
const crypto = require('crypto');
const [token, wantSub, wantHash] = process.argv.slice(2);
const fail = (m) => { console.error(m); process.exit(1); };
const parts = token.split('.');
if (parts.length !== 3) fail('not three segments');
const b64 = (s) => Buffer.from(s, 'base64url');
const header = b64(parts[0]).toString();
if (header !== '{"typ":"jwt","alg":"Ed25519"}') fail('header ' + header);
const claims = JSON.parse(b64(parts[1]).toString());
// RFC 4648 base32 decode of the nkey, then the 32 key bytes after the prefix.
const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
let bits = 0, val = 0; const out = [];
for (const ch of claims.iss) {
	val = (val << 5) | alpha.indexOf(ch); bits += 5;
	if (bits >= 8) { out.push((val >> (bits - 8)) & 255); bits -= 8; }
}
const raw = Buffer.from(out);
if (raw.length !== 35 || raw[0] !== 0) fail('issuer is not an account key');
const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw.subarray(1, 33)]);
const key = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
const ok = crypto.verify(null, Buffer.from(parts[0] + '.' + parts[1]), key, b64(parts[2]));
if (!ok) fail('signature does not verify');
if (claims.sub !== wantSub) fail('sub ' + claims.sub);
if (claims.wascap.hash !== wantHash) fail('hash ' + claims.wascap.hash);
if (claims.wascap.name !== 'E2E Actor') fail('name');
if (claims.wascap.caps.join() !== 'wasmcloud:httpserver,wasmcloud:keyvalue') fail('caps');
if (claims.wascap.rev !== 5 || claims.wascap.ver !== '1.2.3') fail('rev/ver');
if (claims.wascap_revision !== 3) fail('wascap_revision');
if (typeof claims.iat !== 'number' || typeof claims.jti !== 'string') fail('iat/jti');
console.log('jwt ok');
JS
	token=$(cat "$tmp/jwt.out")
	check "node verifies the token's header, claims and Ed25519 signature" \
		node "$tmp/verify.js" "$token" "$mod_pub" "$hash"
	# Negative control: the same check refuses a token with one claims byte changed.
	bad_claims=$(printf '%s' "$token" | cut -d. -f2 | tr 'A' 'B')
	bad="$(printf '%s' "$token" | cut -d. -f1).$bad_claims.$(printf '%s' "$token" | cut -d. -f3)"
	check "node refuses a modified token (negative control)" \
		eval '! node "$tmp/verify.js" "$bad" "$mod_pub" "$hash" 2>/dev/null'
else
	check "node is installed for the independent JWT check (scripts/deps.sh test)" false
fi

# ---- explicit seeds, --disable-keygen, usage errors --------------------------
run gk keys gen account -o json
acct2_pub=$(json_field "$tmp/gk.out" public_key)
acct2_seed=$(json_field "$tmp/gk.out" seed)
printf '%s\n' "$mod_seed" >"$tmp/module.seed"
run explicit claims sign "$tmp/actor.wasm" --name x --issuer "$acct2_seed" \
	--subject "$tmp/module.seed" -d "$tmp/explicit.wasm" --expires-in-days 3
run explicit_i claims inspect -o json "$tmp/explicit.wasm"
check "--issuer SEED and --subject FILE are used" test "$(json_field "$tmp/explicit_i.out" account)" = "$acct2_pub" \
	-a "$(json_field "$tmp/explicit_i.out" module)" = "$mod_pub"
check "--expires-in-days sets an expiry" grep -Eq '"expires": "in (3 days|2 days)' "$tmp/explicit_i.out"
run wrongtype claims sign "$tmp/actor.wasm" --name x --issuer "$mod_seed" -d "$tmp/w.wasm"
check "a module seed as issuer is refused" test "$rc" = 1 -a ! -e "$tmp/w.wasm"
WASH_KEYS="$tmp/empty" "$stratus" claims sign "$tmp/actor.wasm" --name x --disable-keygen \
	-d "$tmp/n.wasm" >"$tmp/nokeygen.out" 2>"$tmp/nokeygen.err"
rc=$?
check "--disable-keygen refuses when no key is stored" test "$rc" = 1 -a ! -e "$tmp/empty"
check "... saying which key file is missing" grep -q 'e2euser_account.nk' "$tmp/nokeygen.err"
run noname claims sign "$tmp/actor.wasm"
check "claims sign without --name is a usage error" test "$rc" = 2
run badalias claims sign "$tmp/actor.wasm" --name x --call-alias 'bad*alias' -d "$tmp/b.wasm"
check "an invalid call alias is refused" test "$rc" = 1

# ---- provider archives -------------------------------------------------------
head -c 40000 /dev/urandom >"$tmp/prov_x86"
head -c 50000 /dev/urandom >"$tmp/prov_arm"
up() { sha256sum "$1" | cut -c1-64 | tr a-f A-F; }
(cd "$tmp" && "$stratus" par create --binary prov_x86 --capid wasmcloud:e2e --vendor Acme \
	--name "E2E Provider" --arch x86_64-linux --version 0.2.0 --revision 4 \
	>"$tmp/pc.out" 2>"$tmp/pc.err")
check "par create exits 0 with default name <stem>.par.gz" test $? = 0 -a -s "$tmp/prov_x86.par.gz"
check "the service key was generated as <stem>_service.nk (0600)" \
	test "$(mode "$WASH_KEYS/prov_x86_service.nk")" = 600
check "the archive is gzip (1f 8b)" test "$(od -An -tx1 -N2 "$tmp/prov_x86.par.gz" | tr -d ' ')" = 1f8b
check "tar lists claims.jwt first, then x86_64-linux.bin" \
	test "$(tar tzf "$tmp/prov_x86.par.gz" | tr '\n' ' ')" = "claims.jwt x86_64-linux.bin "
run pi par inspect "$tmp/prov_x86.par.gz"
check "par inspect exits 0" test "$rc" = 0
check "par inspect shows the contract id" grep -Eq '^  Capability Contract ID +wasmcloud:e2e$' "$tmp/pi.out"
check "par inspect shows the V... service key" grep -Eq '^  Service +V[A-Z2-7]{55}$' "$tmp/pi.out"
check "par inspect shows the signature valid" grep -Eq '^  Signature +valid$' "$tmp/pi.out"
check "par inspect lists the target with its hash" grep -q "^  x86_64-linux  *$(up "$tmp/prov_x86")\$" "$tmp/pi.out"

run ins par insert "$tmp/prov_x86.par.gz" --binary "$tmp/prov_arm" --arch aarch64-linux
check "par insert (keys found in the keys directory) exits 0" test "$rc" = 0
run pij par inspect -o json "$tmp/prov_x86.par.gz"
check "after insert both targets are listed" grep -q '"aarch64-linux": "'"$(up "$tmp/prov_arm")"'"' "$tmp/pij.out"
check "... and the first target is kept" grep -q '"x86_64-linux": "'"$(up "$tmp/prov_x86")"'"' "$tmp/pij.out"
check "... and the archive is still compressed and valid" \
	grep -q '"compressed": true' "$tmp/pij.out"
svc=$(grep -Eo 'V[A-Z2-7]{55}' "$tmp/pi.out" | head -n 1)
check "... with the same service key" test -n "$svc" -a "$(json_field "$tmp/pij.out" service)" = "$svc"
run ci claims inspect "$tmp/prov_x86.par.gz"
check "claims inspect also reads provider archives" grep -q 'E2E Provider - Provider Archive' "$tmp/ci.out"

run gs keys gen service -o json
run wrongsub par insert "$tmp/prov_x86.par.gz" --binary "$tmp/prov_arm" --arch x86_64-macos \
	--subject "$(json_field "$tmp/gs.out" seed)"
check "par insert refuses a seed that is not the archive's" test "$rc" = 1
check "... saying re-signing with another key is refused" grep -q 'refused' "$tmp/wrongsub.err"

# Tamper with one binary inside the archive.
mkdir "$tmp/x"
tar xzf "$tmp/prov_x86.par.gz" -C "$tmp/x"
chmod 644 "$tmp/x"/*
printf 'Z' | dd of="$tmp/x/aarch64-linux.bin" bs=1 seek=1000 conv=notrunc status=none
tar --format=gnu -C "$tmp/x" -czf "$tmp/bad.par.gz" claims.jwt x86_64-linux.bin aarch64-linux.bin
run bad par inspect "$tmp/bad.par.gz"
check "a tampered archive binary is refused" test -s "$tmp/bad.par.gz" -a "$rc" = 1
check "... with a hash mismatch naming the target" grep -q 'hash mismatch for target aarch64-linux' \
	"$tmp/bad.err"

run plain par create -b "$tmp/prov_arm" -c wasmcloud:e2e -v Acme -n P -a aarch64-linux \
	--no-compress -o "$tmp/plain.par" --issuer "$acct_seed"
check "par create --no-compress writes a plain tar" \
	test "$rc" = 0 -a "$(od -An -c -j257 -N5 "$tmp/plain.par" | tr -d ' ')" = ustar
run plaini par inspect -o json "$tmp/plain.par"
check "a plain archive inspects as valid" grep -q '"valid": true' "$tmp/plaini.out"
run missing par create -b "$tmp/prov_arm" -c c -v v -n n
check "par create without --arch is a usage error" test "$rc" = 2

# ---- real signed actors (optional) -----------------------------------------
if [ -n "${STRATUS_ACTOR_FIXTURES:-}" ]; then
	for f in "$STRATUS_ACTOR_FIXTURES"/*.wasm; do
		[ -e "$f" ] || continue
		b=$(basename "$f")
		run real claims inspect "$f"
		check "actor $b: signature valid" grep -Eq '^  Signature +valid$' "$tmp/real.out"
		check "actor $b: M... module and A... account" grep -Eq '^  Module +M[A-Z2-7]{55}$' \
			"$tmp/real.out"
		flip_code_byte "$f" "$tmp/real_t.wasm"
		run realt claims inspect "$tmp/real_t.wasm"
		check "actor $b: a flipped code byte fails the check" test "$rc" = 1
	done
else
	echo "# real actor fixtures not checked (set STRATUS_ACTOR_FIXTURES to a directory of them)"
fi

echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
