/*
 * nkey.h - Ed25519 identities in the NATS "nkeys" text form (security.md §1).
 *
 * A public key is 56 characters: base32(prefix byte ‖ 32-byte key ‖ CRC16),
 * whose first letter names the type (A account, C cluster, M module, ...).
 * A seed is 58 characters, "S" + type letter + ..., and holds the 32-byte
 * RFC 8032 seed from which the key pair is derived. The CRC is
 * CRC-16/XMODEM, appended little-endian.
 *
 * An nkey is a value struct: it owns no memory, so it can be copied, but a
 * copy holding a secret must be nkey_wipe'd when done. Keys are immutable
 * after creation, so one key may be used by several threads at once.
 */
#ifndef STRATUS_SECURITY_NKEY_H
#define STRATUS_SECURITY_NKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Text lengths, without the NUL. */
#define NKEY_PUBLIC_LEN 56
#define NKEY_SEED_LEN 58
/* Binary sizes, in bytes. */
#define NKEY_SEED_BYTES 32   /* RFC 8032 private seed */
#define NKEY_PUBKEY_BYTES 32 /* Ed25519 public key */
#define NKEY_SECRET_BYTES 64 /* libsodium secret key: seed ‖ public key */
#define NKEY_SIG_BYTES 64    /* Ed25519 signature */

/*
 * The seven public key types this era accepts, valued by their prefix byte.
 * The first character of the text form is in the comment. Private (P),
 * seed (S) and curve (X) prefixes are never a public key type here.
 */
typedef enum nkey_type {
	NKEY_ACCOUNT = 0x00,  /* A: signs actor and provider claims */
	NKEY_CLUSTER = 0x10,  /* C: signs invocations */
	NKEY_MODULE = 0x60,   /* M: actor identity */
	NKEY_SERVER = 0x68,   /* N: host identity */
	NKEY_OPERATOR = 0x70, /* O: unused by the host */
	NKEY_USER = 0xA0,     /* U: NATS users */
	NKEY_SERVICE = 0xA8,  /* V: capability provider identity */
} nkey_type;

/* The prefix byte of every seed (first character 'S'). */
#define NKEY_PREFIX_SEED 0x90

/*
 * Finer classification of decoding failures, stored in st_err.kind, so that
 * callers and tests can tell the cases apart without parsing messages.
 */
typedef enum nkey_errkind {
	NKEY_ERR_LENGTH = 1,     /* wrong number of characters */
	NKEY_ERR_BASE32,         /* a character outside "A-Z2-7", or bad trailing bits */
	NKEY_ERR_CRC,            /* the checksum does not match */
	NKEY_ERR_PREFIX,         /* a prefix byte that names no accepted key type */
	NKEY_ERR_SEED_AS_PUBLIC, /* a seed was given where a public key is expected */
	NKEY_ERR_PUBLIC_AS_SEED, /* a public key was given where a seed is expected */
	NKEY_ERR_TYPE,           /* a valid key of another type than required */
} nkey_errkind;

/*
 * A key pair, or only a public key (has_seed false). Fields are read-only
 * for callers; create keys with the functions below.
 *   type:     the key type.
 *   has_seed: whether sk holds the secret (it can sign).
 *   pub:      the Ed25519 public key.
 *   sk:       libsodium secret key (seed ‖ pub); all zero without a seed.
 */
typedef struct nkey {
	nkey_type type;
	bool has_seed;
	uint8_t pub[NKEY_PUBKEY_BYTES];
	uint8_t sk[NKEY_SECRET_BYTES];
} nkey;

/* True when t is one of the seven accepted types. */
bool nkey_type_valid(int t);

/*
 * Parses a type name: account, cluster, module, server (or host), operator,
 * user, service (or provider); case-insensitive. Errors: ST_EINVAL.
 */
int nkey_type_parse(const char *name, nkey_type *out) ST_WARN_UNUSED;

/* The canonical lower-case name of t ("account", ...); "unknown" otherwise. */
const char *nkey_type_name(nkey_type t);

/* The first character of t's public keys ('A', 'C', ...); '?' otherwise. */
char nkey_type_letter(nkey_type t);

/*
 * Generates a fresh key pair of the given type from libsodium's CSPRNG.
 * Errors: ST_EINVAL (type not accepted), ST_EIO (libsodium failed to
 * initialise).
 */
int nkey_generate(nkey *k, nkey_type type, st_err *err) ST_WARN_UNUSED;

/*
 * Derives the key pair of the given type from a raw 32-byte seed (borrowed).
 * Deterministic: the test vectors of security.md §1.6 come from this.
 * Errors: ST_EINVAL (type), ST_EIO (libsodium).
 */
int nkey_from_seed(nkey *k, nkey_type type, const uint8_t seed[NKEY_SEED_BYTES],
                   st_err *err) ST_WARN_UNUSED;

/*
 * Decodes a 58-character seed ("SA...", "SM...", ...; text borrowed, len
 * characters, no NUL needed) into a key pair of the type it names.
 * Errors: ST_EMALFORMED with err->kind one of NKEY_ERR_LENGTH,
 * NKEY_ERR_PUBLIC_AS_SEED (56 characters not starting with 'S'),
 * NKEY_ERR_BASE32, NKEY_ERR_CRC, NKEY_ERR_PREFIX (not a seed prefix, or a
 * type that is not accepted); ST_EIO (libsodium). The message names the
 * problem; it never contains the seed. On failure *k is zeroed.
 */
int nkey_from_seed_text(nkey *k, const char *text, size_t len, st_err *err) ST_WARN_UNUSED;

/*
 * Decodes a 56-character public key (text borrowed) into a verify-only key.
 * Errors: ST_EMALFORMED with err->kind one of NKEY_ERR_LENGTH,
 * NKEY_ERR_SEED_AS_PUBLIC (58 characters starting with 'S'),
 * NKEY_ERR_BASE32, NKEY_ERR_CRC, NKEY_ERR_PREFIX. On failure *k is zeroed.
 */
int nkey_from_public_text(nkey *k, const char *text, size_t len, st_err *err) ST_WARN_UNUSED;

/*
 * Decodes either form: a seed when text starts with 'S', else a public key.
 * Errors as for the two functions above.
 */
int nkey_from_text(nkey *k, const char *text, size_t len, st_err *err) ST_WARN_UNUSED;

/*
 * Checks that k has the type want. Errors: ST_EINVALID with kind
 * NKEY_ERR_TYPE and a message like "expected a module key (M...), got an
 * account key (A...)"; what names the role in the message ("issuer").
 */
int nkey_check_type(const nkey *k, nkey_type want, const char *what, st_err *err) ST_WARN_UNUSED;

/* Writes the 56-character public key and a NUL into out. */
void nkey_public_text(const nkey *k, char out[NKEY_PUBLIC_LEN + 1]);

/*
 * Writes the 58-character seed and a NUL into out. The caller should wipe
 * out (sodium_memzero) after use. Errors: ST_ESTATE (k has no seed; out is
 * then an empty string).
 */
int nkey_seed_text(const nkey *k, char out[NKEY_SEED_LEN + 1]) ST_WARN_UNUSED;

/*
 * Signs n bytes of msg (borrowed) with Ed25519 ("pure", no pre-hash) into
 * sig. Errors: ST_ESTATE (k has no seed).
 */
int nkey_sign(const nkey *k, const uint8_t *msg, size_t n,
              uint8_t sig[NKEY_SIG_BYTES]) ST_WARN_UNUSED;

/* Verifies sig over n bytes of msg with k's public key: 0, or ST_EINVALID. */
int nkey_verify(const nkey *k, const uint8_t *msg, size_t n,
                const uint8_t sig[NKEY_SIG_BYTES]) ST_WARN_UNUSED;

/* Forgets the secret: zeroes the whole struct (sodium_memzero). NULL is a no-op. */
void nkey_wipe(nkey *k);

/*
 * CRC-16/XMODEM (poly 0x1021, init 0, no reflection, no final xor) of n
 * bytes of p. CRC16("123456789") == 0x31C3.
 */
uint16_t nkey_crc16(const uint8_t *p, size_t n);

#endif
