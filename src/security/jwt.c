/*
 * jwt.c - compact Ed25519 JWTs as wascap writes and checks them (jwt.h).
 *
 * The encoder writes the fixed header segment, the claims dumped by jansson
 * (JSON_COMPACT | JSON_PRESERVE_ORDER, which matches serde_json's compact
 * output for the ASCII strings wascap uses), and the detached signature over
 * "header.claims". The decoder is strict where the Rust decoder is: unpadded
 * base64url only, exactly three segments, duplicate JSON keys rejected.
 */
#include "security/jwt.h"

#include <sodium.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static int fail(st_err *err, int code, int kind, const char *msg)
{
	st_err_set(err, code, "%s", msg);
	if (err)
		err->kind = kind;
	return code;
}

/* Appends the unpadded base64url form of n bytes of p at out + *o (room checked by caller). */
static void b64_append(char *out, size_t *o, const uint8_t *p, size_t n)
{
	size_t room = sodium_base64_encoded_len(n, B64);

	sodium_bin2base64(out + *o, room, p, n, B64);
	*o += strlen(out + *o);
}

int jwt_encode(json_t *claims, const nkey *issuer, char **token_out, st_err *err)
{
	static const char header[] = JWT_HEADER_B64;
	uint8_t *body = NULL, sig[NKEY_SIG_BYTES];
	char *tok = NULL;
	size_t body_len, cap, o = 0;
	int rc;

	*token_out = NULL;
	if (!json_is_object(claims))
		return st_err_set(err, ST_EINVAL, "claims must be a JSON object");
	if (!issuer->has_seed)
		return st_err_set(err, ST_ESTATE, "the issuer key has no seed and cannot sign");
	body_len = json_dumpb(claims, NULL, 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (body_len == 0)
		return st_err_set(err, ST_ENOMEM, "cannot serialize claims");
	if (body_len > JWT_MAX_TOKEN_BYTES / 2)
		return st_err_set(err, ST_ETOOBIG, "claims are %zu bytes", body_len);
	body = st_malloc(body_len);
	if (!body)
		return st_err_set(err, ST_ENOMEM, "out of memory");
	if (json_dumpb(claims, (char *)body, body_len, JSON_COMPACT | JSON_PRESERVE_ORDER) !=
	    body_len) {
		rc = st_err_set(err, ST_ENOMEM, "cannot serialize claims");
		goto out;
	}
	/* sodium_base64_encoded_len counts the NUL; the sum covers both dots and the NUL. */
	cap = sizeof(header) + sodium_base64_encoded_len(body_len, B64) +
	      sodium_base64_encoded_len(sizeof(sig), B64);
	tok = st_malloc(cap);
	if (!tok) {
		rc = st_err_set(err, ST_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(tok, header, sizeof(header) - 1);
	o = sizeof(header) - 1;
	tok[o++] = '.';
	b64_append(tok, &o, body, body_len);
	rc = nkey_sign(issuer, (const uint8_t *)tok, o, sig);
	if (rc < 0) {
		st_err_set(err, rc, "signing failed");
		goto out;
	}
	tok[o++] = '.';
	b64_append(tok, &o, sig, sizeof(sig));
	*token_out = tok;
	tok = NULL;
	rc = 0;
out:
	st_free(body);
	st_free(tok);
	return rc;
}

/* Decodes one base64url segment into a fresh buffer (*out, *n); st_free it. */
static int b64_decode(const char *s, size_t len, uint8_t **out, size_t *n, const char *what,
                      st_err *err)
{
	size_t cap = len / 4 * 3 + 3;
	uint8_t *p;
	const char *end = NULL;

	*out = NULL;
	if (memchr(s, '=', len)) {
		st_err_set(err, ST_EMALFORMED, "%s segment has base64 padding ('=')", what);
		if (err)
			err->kind = JWT_ERR_BASE64;
		return ST_EMALFORMED;
	}
	p = st_malloc(cap);
	if (!p)
		return st_err_set(err, ST_ENOMEM, "out of memory");
	if (sodium_base642bin(p, cap, s, len, NULL, n, &end, B64) != 0 || end != s + len) {
		st_free(p);
		st_err_set(err, ST_EMALFORMED, "%s segment is not valid base64url", what);
		if (err)
			err->kind = JWT_ERR_BASE64;
		return ST_EMALFORMED;
	}
	*out = p;
	return 0;
}

static int json_object_from(const uint8_t *p, size_t n, json_t **out, const char *what, st_err *err)
{
	json_error_t jerr;
	json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr);

	*out = NULL;
	if (!j || !json_is_object(j)) {
		json_decref(j);
		st_err_set(err, ST_EMALFORMED, "%s is not a JSON object%s%s", what, j ? "" : ": ",
		           j ? "" : jerr.text);
		if (err)
			err->kind = JWT_ERR_JSON;
		return ST_EMALFORMED;
	}
	*out = j;
	return 0;
}

static bool str_field_is(json_t *obj, const char *key, const char *want)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

static bool nonempty_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) && json_string_length(v) > 0;
}

int jwt_decode(const char *token, size_t len, bool verify, json_t **claims_out, st_err *err)
{
	const char *dot1, *dot2;
	uint8_t *hdr_raw = NULL, *body_raw = NULL, *sig_raw = NULL;
	size_t hdr_n, body_n, sig_n;
	json_t *hdr = NULL, *body = NULL;
	nkey iss;
	int rc;

	if (claims_out)
		*claims_out = NULL;
	if (len > JWT_MAX_TOKEN_BYTES)
		return st_err_set(err, ST_ETOOBIG, "token is %zu bytes", len);
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return fail(err, ST_EMALFORMED, JWT_ERR_SEGMENTS,
		            "token does not have exactly three segments");
	rc = b64_decode(token, (size_t)(dot1 - token), &hdr_raw, &hdr_n, "header", err);
	if (rc < 0)
		goto out;
	rc = b64_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &body_raw, &body_n, "claims", err);
	if (rc < 0)
		goto out;
	rc = b64_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), &sig_raw, &sig_n, "signature",
	                err);
	if (rc < 0)
		goto out;
	rc = json_object_from(hdr_raw, hdr_n, &hdr, "header", err);
	if (rc < 0)
		goto out;
	if (!str_field_is(hdr, "alg", "Ed25519") || !str_field_is(hdr, "typ", "jwt")) {
		rc = fail(err, ST_EMALFORMED, JWT_ERR_HEADER,
		          "token header is not {\"typ\":\"jwt\",\"alg\":\"Ed25519\"}");
		goto out;
	}
	rc = json_object_from(body_raw, body_n, &body, "claims", err);
	if (rc < 0)
		goto out;
	if (!nonempty_str(body, "iss") || !nonempty_str(body, "sub")) {
		rc = fail(err, ST_EMALFORMED, JWT_ERR_ISSUER,
		          "claims need non-empty \"iss\" and \"sub\" strings");
		goto out;
	}
	if (verify) {
		const char *is = json_string_value(json_object_get(body, "iss"));

		if (nkey_from_public_text(&iss, is, strlen(is), NULL) < 0) {
			rc = fail(err, ST_EMALFORMED, JWT_ERR_ISSUER,
			          "issuer (iss) is not a valid public nkey");
			goto out;
		}
		if (sig_n != NKEY_SIG_BYTES || nkey_verify(&iss, (const uint8_t *)token,
		                                           (size_t)(dot2 - token), sig_raw) < 0) {
			rc = fail(err, ST_EINVALID, JWT_ERR_SIGNATURE, "signature invalid");
			goto out;
		}
	}
	if (claims_out) {
		*claims_out = body;
		body = NULL;
	}
	rc = 0;
out:
	json_decref(hdr);
	json_decref(body);
	st_free(hdr_raw);
	st_free(body_raw);
	st_free(sig_raw);
	return rc;
}

void jwt_new_jti(char out[JWT_JTI_LEN + 1])
{
	static const char digits[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	if (sodium_init() < 0)
		ST_BUG("libsodium failed to initialise");
	for (int i = 0; i < JWT_JTI_LEN; i++)
		out[i] = digits[randombytes_uniform(sizeof(digits) - 1)];
	out[JWT_JTI_LEN] = '\0';
}
