/*
 * nkey.c - NATS nkeys: Ed25519 key pairs in base32 text (security.md §1).
 *
 * Layout of the decoded forms (CRC16 little-endian at the end):
 *   public:  prefix(1) ‖ key(32) ‖ crc(2)            = 35 bytes, 56 chars
 *   seed:    0x90|p>>5 ‖ (p&31)<<3 ‖ seed(32) ‖ crc(2) = 36 bytes, 58 chars
 * The decoders check, in order: length (and the seed/public mix-up),
 * alphabet, checksum, prefix, so each failure has its own message. Secrets
 * on the stack are wiped with sodium_memzero before returning.
 */
#include "security/nkey.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/base32.h"
#include "core/banned.h"

#define RAW_PUBLIC 35 /* prefix + key + crc */
#define RAW_SEED 36   /* two prefix bytes + seed + crc */

static const struct {
	nkey_type type;
	const char *name;
	const char *alias;
	char letter;
} types[] = {
	{ NKEY_ACCOUNT, "account", NULL, 'A' },       { NKEY_CLUSTER, "cluster", NULL, 'C' },
	{ NKEY_MODULE, "module", NULL, 'M' },         { NKEY_SERVER, "server", "host", 'N' },
	{ NKEY_OPERATOR, "operator", NULL, 'O' },     { NKEY_USER, "user", NULL, 'U' },
	{ NKEY_SERVICE, "service", "provider", 'V' },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

bool nkey_type_valid(int t)
{
	for (size_t i = 0; i < NTYPES; i++)
		if ((int)types[i].type == t)
			return true;
	return false;
}

int nkey_type_parse(const char *name, nkey_type *out)
{
	for (size_t i = 0; i < NTYPES; i++) {
		if (strcasecmp(name, types[i].name) == 0 ||
		    (types[i].alias && strcasecmp(name, types[i].alias) == 0)) {
			*out = types[i].type;
			return 0;
		}
	}
	return ST_EINVAL;
}

const char *nkey_type_name(nkey_type t)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].type == t)
			return types[i].name;
	return "unknown";
}

char nkey_type_letter(nkey_type t)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].type == t)
			return types[i].letter;
	return '?';
}

uint16_t nkey_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;

	/* Bitwise form of the XMODEM table: MSB first, polynomial 0x1021. */
	for (size_t i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) :
			                       (uint16_t)(crc << 1);
	}
	return crc;
}

static int sodium_ready(st_err *err)
{
	if (sodium_init() < 0)
		return st_err_set(err, ST_EIO, "libsodium failed to initialise");
	return 0;
}

int nkey_from_seed(nkey *k, nkey_type type, const uint8_t seed[NKEY_SEED_BYTES], st_err *err)
{
	int rc;

	memset(k, 0, sizeof(*k));
	if (!nkey_type_valid((int)type))
		return st_err_set(err, ST_EINVAL, "unknown key type 0x%02x", (unsigned)type);
	rc = sodium_ready(err);
	if (rc < 0)
		return rc;
	if (crypto_sign_seed_keypair(k->pub, k->sk, seed) != 0) {
		nkey_wipe(k);
		return st_err_set(err, ST_EIO, "Ed25519 key derivation failed");
	}
	k->type = type;
	k->has_seed = true;
	return 0;
}

int nkey_generate(nkey *k, nkey_type type, st_err *err)
{
	uint8_t seed[NKEY_SEED_BYTES];
	int rc;

	memset(k, 0, sizeof(*k));
	if (!nkey_type_valid((int)type))
		return st_err_set(err, ST_EINVAL, "unknown key type 0x%02x", (unsigned)type);
	rc = sodium_ready(err);
	if (rc < 0)
		return rc;
	randombytes_buf(seed, sizeof(seed));
	rc = nkey_from_seed(k, type, seed, err);
	sodium_memzero(seed, sizeof(seed));
	return rc;
}

/* Zeroes *k and records a decoding failure of the given nkey_errkind. */
static int fail(nkey *k, st_err *err, int kind, int64_t offset, const char *fmt, ...)
	ST_PRINTF(5, 6);

static int fail(nkey *k, st_err *err, int kind, int64_t offset, const char *fmt, ...)
{
	char msg[ST_ERR_MSG_MAX];
	va_list ap;

	memset(k, 0, sizeof(*k));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st_err_setat(err, ST_EMALFORMED, offset, "%s", msg);
	if (err)
		err->kind = kind;
	return ST_EMALFORMED;
}

static bool in_alphabet(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7');
}

/* Base32-decodes exactly want bytes and checks the trailing CRC. */
static int decode_checked(nkey *k, const char *text, size_t len, uint8_t *raw, size_t want,
                          const char *what, st_err *err)
{
	size_t got = 0, pos = 0;
	uint16_t crc;
	int rc;

	rc = st_base32_decode(text, len, raw, want, &got, &pos);
	if (rc < 0 || got != want) {
		if (rc == ST_EMALFORMED && pos < len && !in_alphabet(text[pos]))
			return fail(k, err, NKEY_ERR_BASE32, (int64_t)pos,
			            "invalid base32 character 0x%02x in %s at position %zu",
			            (unsigned)(unsigned char)text[pos], what, pos);
		return fail(k, err, NKEY_ERR_BASE32, (int64_t)(len - 1),
		            "%s is not canonical base32 (non-zero trailing bits)", what);
	}
	crc = (uint16_t)(raw[want - 2] | raw[want - 1] << 8);
	if (crc != nkey_crc16(raw, want - 2))
		return fail(k, err, NKEY_ERR_CRC, -1, "%s checksum (CRC16) does not match", what);
	return 0;
}

int nkey_from_public_text(nkey *k, const char *text, size_t len, st_err *err)
{
	uint8_t raw[RAW_PUBLIC];
	int rc;

	if (len == NKEY_SEED_LEN && text[0] == 'S')
		return fail(k, err, NKEY_ERR_SEED_AS_PUBLIC, -1,
		            "a seed was given where a public key is expected");
	if (len != NKEY_PUBLIC_LEN)
		return fail(k, err, NKEY_ERR_LENGTH, -1,
		            "a public key must be 56 characters, got %zu", len);
	rc = decode_checked(k, text, len, raw, sizeof(raw), "public key", err);
	if (rc < 0)
		return rc;
	if (!nkey_type_valid(raw[0])) {
		if ((raw[0] & 0xF8) == NKEY_PREFIX_SEED)
			return fail(k, err, NKEY_ERR_SEED_AS_PUBLIC, 0,
			            "a seed was given where a public key is expected");
		return fail(k, err, NKEY_ERR_PREFIX, 0,
		            "public key prefix '%c' names no accepted key type", text[0]);
	}
	memset(k, 0, sizeof(*k));
	k->type = (nkey_type)raw[0];
	memcpy(k->pub, raw + 1, NKEY_PUBKEY_BYTES);
	return 0;
}

int nkey_from_seed_text(nkey *k, const char *text, size_t len, st_err *err)
{
	uint8_t raw[RAW_SEED];
	unsigned type;
	int rc;

	if (len == NKEY_PUBLIC_LEN && text[0] != 'S')
		return fail(k, err, NKEY_ERR_PUBLIC_AS_SEED, -1,
		            "a public key was given where a seed is expected");
	if (len != NKEY_SEED_LEN)
		return fail(k, err, NKEY_ERR_LENGTH, -1, "a seed must be 58 characters, got %zu",
		            len);
	rc = decode_checked(k, text, len, raw, sizeof(raw), "seed", err);
	if (rc < 0)
		goto out;
	if ((raw[0] & 0xF8) != NKEY_PREFIX_SEED) {
		rc = fail(k, err, NKEY_ERR_PREFIX, 0, "not a seed (the prefix is not 'S')");
		goto out;
	}
	type = (unsigned)((raw[0] & 0x07) << 5) | (unsigned)((raw[1] & 0xF8) >> 3);
	if (!nkey_type_valid((int)type) || (raw[1] & 0x07) != 0) {
		rc = fail(k, err, NKEY_ERR_PREFIX, 1, "seed type '%c' names no accepted key type",
		          text[1]);
		goto out;
	}
	rc = nkey_from_seed(k, (nkey_type)type, raw + 2, err);
out:
	sodium_memzero(raw, sizeof(raw));
	return rc;
}

int nkey_from_text(nkey *k, const char *text, size_t len, st_err *err)
{
	if (len > 0 && text[0] == 'S')
		return nkey_from_seed_text(k, text, len, err);
	return nkey_from_public_text(k, text, len, err);
}

int nkey_check_type(const nkey *k, nkey_type want, const char *what, st_err *err)
{
	int rc;

	if (k->type == want)
		return 0;
	rc = st_err_set(err, ST_EINVALID, "%s: expected %s %s key (%c...), got %s %s key (%c...)",
	                what, want == NKEY_ACCOUNT || want == NKEY_OPERATOR ? "an" : "a",
	                nkey_type_name(want), nkey_type_letter(want),
	                k->type == NKEY_ACCOUNT || k->type == NKEY_OPERATOR ? "an" : "a",
	                nkey_type_name(k->type), nkey_type_letter(k->type));
	if (err)
		err->kind = NKEY_ERR_TYPE;
	return rc;
}

void nkey_public_text(const nkey *k, char out[NKEY_PUBLIC_LEN + 1])
{
	uint8_t raw[RAW_PUBLIC];
	uint16_t crc;

	raw[0] = (uint8_t)k->type;
	memcpy(raw + 1, k->pub, NKEY_PUBKEY_BYTES);
	crc = nkey_crc16(raw, RAW_PUBLIC - 2);
	raw[RAW_PUBLIC - 2] = (uint8_t)(crc & 0xFF);
	raw[RAW_PUBLIC - 1] = (uint8_t)(crc >> 8);
	st_base32_encode(raw, sizeof(raw), out);
}

int nkey_seed_text(const nkey *k, char out[NKEY_SEED_LEN + 1])
{
	uint8_t raw[RAW_SEED];
	unsigned p = (unsigned)k->type;
	uint16_t crc;

	out[0] = '\0';
	if (!k->has_seed)
		return ST_ESTATE;
	raw[0] = (uint8_t)(NKEY_PREFIX_SEED | p >> 5);
	raw[1] = (uint8_t)((p & 0x1F) << 3);
	/* libsodium's secret key starts with the 32-byte seed. */
	memcpy(raw + 2, k->sk, NKEY_SEED_BYTES);
	crc = nkey_crc16(raw, RAW_SEED - 2);
	raw[RAW_SEED - 2] = (uint8_t)(crc & 0xFF);
	raw[RAW_SEED - 1] = (uint8_t)(crc >> 8);
	st_base32_encode(raw, sizeof(raw), out);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

int nkey_sign(const nkey *k, const uint8_t *msg, size_t n, uint8_t sig[NKEY_SIG_BYTES])
{
	if (!k->has_seed)
		return ST_ESTATE;
	if (sodium_init() < 0)
		return ST_EIO;
	crypto_sign_detached(sig, NULL, msg, n, k->sk);
	return 0;
}

int nkey_verify(const nkey *k, const uint8_t *msg, size_t n, const uint8_t sig[NKEY_SIG_BYTES])
{
	if (sodium_init() < 0)
		return ST_EIO;
	if (crypto_sign_verify_detached(sig, msg, n, k->pub) != 0)
		return ST_EINVALID;
	return 0;
}

void nkey_wipe(nkey *k)
{
	if (k)
		sodium_memzero(k, sizeof(*k));
}
