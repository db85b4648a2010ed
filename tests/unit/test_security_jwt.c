/*
 * test_security_jwt.c - the compact JWT layer (src/security/jwt.h): the
 * fixed header, unpadded base64url, segment and header checks, and the
 * Ed25519 signature over "header.claims".
 */
#include "test.h"

#include <sodium.h>

#include "core/mem.h"
#include "security/jwt.h"
#include "core/banned.h"

static nkey account(void)
{
	uint8_t seed[32];
	nkey k;

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	if (nkey_from_seed(&k, NKEY_ACCOUNT, seed, NULL) != 0)
		abort();
	return k;
}

static char *sign_simple(const nkey *k)
{
	char iss[NKEY_PUBLIC_LEN + 1], *tok = NULL;
	json_t *o = json_object();

	nkey_public_text(k, iss);
	json_object_set_new(o, "jti", json_string("x"));
	json_object_set_new(o, "iss", json_string(iss));
	json_object_set_new(o, "sub", json_string("subject"));
	if (jwt_encode(o, k, &tok, NULL) != 0)
		abort();
	json_decref(o);
	return tok;
}

/* Base64url (unpadded) of s, into a static buffer. */
static const char *b64(const char *s)
{
	static char out[256];

	sodium_bin2base64(out, sizeof(out), (const unsigned char *)s, strlen(s),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

TEST(jwt_header_segment_is_the_fixed_wascap_header)
{
	EXPECT_STR(JWT_HEADER_B64, b64("{\"typ\":\"jwt\",\"alg\":\"Ed25519\"}"));
}

TEST(jwt_encode_writes_compact_ordered_claims_and_verifies)
{
	nkey k = account();
	char *tok = sign_simple(&k), *dot;
	json_t *back = NULL;
	uint8_t body[256];
	size_t n;

	EXPECT_TRUE(strncmp(tok, JWT_HEADER_B64 ".", strlen(JWT_HEADER_B64) + 1) == 0);
	EXPECT_TRUE(strchr(tok, '=') == NULL);
	dot = strchr(tok + strlen(JWT_HEADER_B64) + 1, '.');
	EXPECT_TRUE(dot != NULL);
	EXPECT_EQ(0, sodium_base642bin(body, sizeof(body), tok + strlen(JWT_HEADER_B64) + 1,
	                               (size_t)(dot - tok) - strlen(JWT_HEADER_B64) - 1, NULL, &n,
	                               NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
	body[n] = 0;
	EXPECT_STR(
		"{\"jti\":\"x\",\"iss\":\"AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV\","
		"\"sub\":\"subject\"}",
		(const char *)body);
	EXPECT_EQ(0, jwt_decode(tok, strlen(tok), true, &back, NULL));
	EXPECT_STR("subject", json_string_value(json_object_get(back, "sub")));
	json_decref(back);
	st_free(tok);
}

TEST(jwt_decode_detects_a_tampered_claims_segment)
{
	nkey k = account();
	char *tok = sign_simple(&k);
	char *p = strchr(tok, '.') + 5;
	st_err err;

	*p = *p == 'A' ? 'B' : 'A';
	st_err_clear(&err);
	/* The tampered claims may or may not still be JSON; either way the token is rejected. */
	EXPECT_TRUE(jwt_decode(tok, strlen(tok), true, NULL, &err) < 0);
	st_free(tok);
}

TEST(jwt_decode_detects_a_signature_by_another_key)
{
	nkey k = account(), other;
	char *tok = sign_simple(&k), *forged = NULL, *sig1, *sig2;
	json_t *o = json_object();
	st_err err;

	EXPECT_EQ(0, nkey_generate(&other, NKEY_ACCOUNT, NULL));
	/* The claims name k as issuer but the signature is other's. */
	json_object_set_new(o, "jti", json_string("x"));
	json_object_set_new(
		o, "iss", json_string("AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV"));
	json_object_set_new(o, "sub", json_string("subject"));
	EXPECT_EQ(0, jwt_encode(o, &other, &forged, NULL));
	sig1 = strrchr(tok, '.');
	sig2 = strrchr(forged, '.');
	EXPECT_EQ((size_t)(sig1 - tok), (size_t)(sig2 - forged));
	EXPECT_TRUE(strncmp(tok, forged, (size_t)(sig1 - tok)) == 0);
	EXPECT_EQ(ST_EINVALID, jwt_decode(forged, strlen(forged), true, NULL, &err));
	EXPECT_EQ(JWT_ERR_SIGNATURE, err.kind);
	EXPECT_STR("signature invalid", err.msg);
	/* Without verify the same token decodes. */
	EXPECT_EQ(0, jwt_decode(forged, strlen(forged), false, NULL, NULL));
	json_decref(o);
	st_free(tok);
	st_free(forged);
}

TEST(jwt_decode_rejects_padding)
{
	nkey k = account();
	char *tok = sign_simple(&k);
	size_t n = strlen(tok);
	char *padded = xmalloc(n + 3);
	st_err err;

	memcpy(padded, tok, n);
	memcpy(padded + n, "==", 3);
	EXPECT_EQ(ST_EMALFORMED, jwt_decode(padded, n + 2, false, NULL, &err));
	EXPECT_EQ(JWT_ERR_BASE64, err.kind);
	EXPECT_TRUE(strstr(err.msg, "padding") != NULL);
	st_free(padded);
	st_free(tok);
}

TEST(jwt_decode_rejects_other_than_three_segments)
{
	static const char *bad[] = { "", "a", "a.b", "a.b.c.d", "...", "a..b.c" };
	st_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st_err_clear(&err);
		EXPECT_EQ(ST_EMALFORMED, jwt_decode(bad[i], strlen(bad[i]), false, NULL, &err));
		if (i != 4)
			EXPECT_EQ(JWT_ERR_SEGMENTS, err.kind);
	}
}

TEST(jwt_decode_rejects_standard_base64_characters)
{
	char tok[1024];
	st_err err;

	/* '+' and '/' belong to standard base64, not the URL-safe alphabet. */
	snprintf(tok, sizeof(tok), "%s.%s.ab+/", JWT_HEADER_B64,
	         b64("{\"iss\":\"a\",\"sub\":\"b\"}"));
	EXPECT_EQ(ST_EMALFORMED, jwt_decode(tok, strlen(tok), false, NULL, &err));
	EXPECT_EQ(JWT_ERR_BASE64, err.kind);
}

TEST(jwt_decode_checks_header_alg_and_typ)
{
	static const char *headers[] = {
		"{\"typ\":\"jwt\",\"alg\":\"HS256\"}",
		"{\"typ\":\"JWT\",\"alg\":\"Ed25519\"}",
		"{\"alg\":\"Ed25519\"}",
	};
	char tok[1024];
	st_err err;

	for (size_t i = 0; i < 3; i++) {
		int n = snprintf(tok, sizeof(tok), "%s.", b64(headers[i]));

		snprintf(tok + n, sizeof(tok) - (size_t)n, "%s.AAAA",
		         b64("{\"iss\":\"a\",\"sub\":\"b\"}"));
		EXPECT_EQ(ST_EMALFORMED, jwt_decode(tok, strlen(tok), false, NULL, &err));
		EXPECT_EQ(JWT_ERR_HEADER, err.kind);
	}
	/* Key order in the header does not matter. */
	snprintf(tok, sizeof(tok), "%s.", b64("{\"alg\":\"Ed25519\",\"typ\":\"jwt\",\"x\":1}"));
	snprintf(tok + strlen(tok), sizeof(tok) - strlen(tok), "%s.AAAA",
	         b64("{\"iss\":\"a\",\"sub\":\"b\"}"));
	EXPECT_EQ(0, jwt_decode(tok, strlen(tok), false, NULL, NULL));
}

TEST(jwt_decode_requires_json_objects_and_iss_sub)
{
	static const char *bodies[] = { "[1,2]",
		                        "{\"iss\":\"a\"}",
		                        "{\"iss\":\"\",\"sub\":\"b\"}",
		                        "{\"iss\":1,\"sub\":\"b\"}",
		                        "not json",
		                        "{\"iss\":\"a\",\"iss\":\"a\",\"sub\":\"b\"}" };
	static const int kinds[] = { JWT_ERR_JSON,   JWT_ERR_ISSUER, JWT_ERR_ISSUER,
		                     JWT_ERR_ISSUER, JWT_ERR_JSON,   JWT_ERR_JSON };
	char tok[1024];
	st_err err;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		snprintf(tok, sizeof(tok), "%s.%s.AAAA", JWT_HEADER_B64, b64(bodies[i]));
		EXPECT_EQ(ST_EMALFORMED, jwt_decode(tok, strlen(tok), false, NULL, &err));
		EXPECT_EQ(kinds[i], err.kind);
	}
}

TEST(jwt_decode_with_verify_requires_an_nkey_issuer_and_a_64_byte_signature)
{
	nkey k = account();
	char *tok = sign_simple(&k), bad[1024];
	st_err err;

	snprintf(bad, sizeof(bad), "%s.%s.AAAA", JWT_HEADER_B64,
	         b64("{\"iss\":\"not-a-key\",\"sub\":\"b\"}"));
	EXPECT_EQ(ST_EMALFORMED, jwt_decode(bad, strlen(bad), true, NULL, &err));
	EXPECT_EQ(JWT_ERR_ISSUER, err.kind);
	/* Truncate the signature to a few bytes. */
	snprintf(bad, sizeof(bad), "%.*sAAAA", (int)(strrchr(tok, '.') + 1 - tok), tok);
	EXPECT_EQ(ST_EINVALID, jwt_decode(bad, strlen(bad), true, NULL, &err));
	EXPECT_EQ(JWT_ERR_SIGNATURE, err.kind);
	st_free(tok);
}

TEST(jwt_encode_needs_a_seed_and_an_object)
{
	nkey k = account(), pub;
	char *tok = (char *)1;
	json_t *arr = json_array(), *o = json_object();

	memset(&pub, 0, sizeof(pub));
	pub.type = NKEY_ACCOUNT;
	memcpy(pub.pub, k.pub, 32);
	EXPECT_EQ(ST_EINVAL, jwt_encode(arr, &k, &tok, NULL));
	EXPECT_TRUE(tok == NULL);
	EXPECT_EQ(ST_ESTATE, jwt_encode(o, &pub, &tok, NULL));
	json_decref(arr);
	json_decref(o);
}

TEST(jwt_encode_and_decode_fail_cleanly_when_allocation_fails)
{
	nkey k = account();
	char *tok = sign_simple(&k), *out = NULL;
	json_t *o = json_object();
	st_err err;

	json_object_set_new(o, "iss", json_string("x"));
	for (long n = 0; n < 4; n++) {
		st_alloc_fail_after(n);
		EXPECT_EQ(n < 2 ? ST_ENOMEM : 0, jwt_encode(o, &k, &out, &err));
		st_alloc_fail_after(-1);
		st_free(out);
		out = NULL;
	}
	for (long n = 0; n < 3; n++) {
		st_alloc_fail_after(n);
		EXPECT_EQ(ST_ENOMEM, jwt_decode(tok, strlen(tok), true, NULL, &err));
		st_alloc_fail_after(-1);
	}
	EXPECT_EQ(0, jwt_decode(tok, strlen(tok), true, NULL, &err));
	json_decref(o);
	st_free(tok);
}

TEST(jwt_new_jti_is_22_alphanumerics_and_fresh)
{
	char a[JWT_JTI_LEN + 1], b[JWT_JTI_LEN + 1];

	jwt_new_jti(a);
	jwt_new_jti(b);
	EXPECT_EQ(22, strlen(a));
	for (int i = 0; i < 22; i++)
		EXPECT_TRUE((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'A' && a[i] <= 'Z') ||
		            (a[i] >= 'a' && a[i] <= 'z'));
	EXPECT_TRUE(strcmp(a, b) != 0);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
