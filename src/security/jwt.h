/*
 * jwt.h - the compact JWT form wascap uses (security.md §2.1, §2.5).
 *
 * token = b64url(header) "." b64url(claims) "." b64url(signature), URL-safe
 * base64 without padding ('=' is rejected). The header is exactly
 * {"typ":"jwt","alg":"Ed25519"}; the claims are compact JSON with keys in
 * insertion order; the signature is Ed25519 by the issuer over the ASCII
 * bytes "header_b64.claims_b64".
 *
 * This layer knows nothing of wascap metadata (claims.h does); it signs and
 * checks signatures. Any thread.
 */
#ifndef STRATUS_SECURITY_JWT_H
#define STRATUS_SECURITY_JWT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "security/nkey.h"

/* The largest token accepted or produced, in bytes. */
#define JWT_MAX_TOKEN_BYTES ((size_t)4 << 20)
/* Length of a jti made by jwt_new_jti (a NUID: 22 characters of [0-9A-Za-z]). */
#define JWT_JTI_LEN 22
/* The encoded header every token we write starts with. */
#define JWT_HEADER_B64 "eyJ0eXAiOiJqd3QiLCJhbGciOiJFZDI1NTE5In0"

/* Finer classification of jwt_decode failures, in st_err.kind. */
typedef enum jwt_errkind {
	JWT_ERR_SEGMENTS = 1, /* not exactly three '.'-separated segments */
	JWT_ERR_BASE64,       /* a segment is not unpadded base64url */
	JWT_ERR_JSON,         /* header or claims is not a JSON object */
	JWT_ERR_HEADER,       /* alg is not "Ed25519" or typ is not "jwt" */
	JWT_ERR_ISSUER,       /* iss/sub missing or empty, or iss not a public nkey */
	JWT_ERR_SIGNATURE,    /* the signature does not verify with iss */
} jwt_errkind;

/*
 * Serializes claims (borrowed; a JSON object, dumped compact in insertion
 * order) and signs it with issuer, which must have a seed. The caller is
 * responsible for claims["iss"] naming issuer. On success *token_out is a
 * NUL-terminated string the caller owns (free with st_free).
 * Errors: ST_EINVAL (claims not an object), ST_ESTATE (issuer has no seed),
 * ST_ETOOBIG (past JWT_MAX_TOKEN_BYTES), ST_ENOMEM.
 */
int jwt_encode(json_t *claims, const nkey *issuer, char **token_out, st_err *err) ST_WARN_UNUSED;

/*
 * Decodes len bytes of token (borrowed, no NUL needed). Always checked:
 * three segments, each unpadded base64url; the header a JSON object with
 * alg "Ed25519" and typ "jwt" (wascap checks the header even when it only
 * decodes); the claims a JSON object (duplicate keys rejected) with
 * non-empty "iss" and "sub" strings. With verify also: iss a public nkey of
 * an accepted type, and the signature valid for iss.
 * On success *claims_out (when not NULL) is a new reference the caller owns
 * (json_decref). Errors: ST_EMALFORMED with kind JWT_ERR_SEGMENTS / BASE64 /
 * JSON / HEADER / ISSUER; ST_EINVALID with kind JWT_ERR_SIGNATURE and the
 * message "signature invalid"; ST_ETOOBIG; ST_ENOMEM.
 * Time claims (exp, nbf) are not checked here.
 */
int jwt_decode(const char *token, size_t len, bool verify, json_t **claims_out,
               st_err *err) ST_WARN_UNUSED;

/* Writes a fresh random jti (JWT_JTI_LEN characters of [0-9A-Za-z]) and a NUL into out. */
void jwt_new_jti(char out[JWT_JTI_LEN + 1]);

#endif
