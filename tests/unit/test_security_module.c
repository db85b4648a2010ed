/*
 * test_security_module.c - claims embedded in actor modules
 * (src/security/claims.h, security.md §3): the revision-3 hash vectors, the
 * 658-byte signed module of §3.4, extraction from both section names in the
 * engine's order, and a distinct rejection for each way verification fails.
 */
#include "test.h"

#include <sodium.h>

#include "core/buf.h"
#include "core/mem.h"
#include "security/claims.h"
#include "security/jwt.h"
#include "wasm/wm.h"
#include "core/banned.h"

#define ACCOUNT_PUB "AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV"
#define NOW 1700000000

static const uint8_t mod14[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00,
	                         0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00 };

static const char vector_token[] =
	"eyJ0eXAiOiJqd3QiLCJhbGciOiJFZDI1NTE5In0."
	"eyJqdGkiOiJROGJxM3lxa01aN1hrWjBhMm45Y1RlIiwiaWF0IjoxNjcyNTMxMjAwLCJpc3MiOiJBQUIyQ0I1Nz"
	"ZQSEJCUFE1T0RPUlJaMkxZQ01XUFpHV0dDTjJLREs3RFhPSU1aQVNLVVkzUVBaViIsInN1YiI6Ik1BQjJDQjU3"
	"NlBIQkJQUTVPRE9SUloyTFlDTVdQWkdXR0NOMktESzdEWE9JTVpBU0tVWTNSTFhQIiwid2FzY2FwIjp7Im5hbW"
	"UiOiJlY2hvIiwiaGFzaCI6Ijk2OEU5OEFDRDNFMjg5ODU2OTQ0MUMxNzY5ODQ1QkMzQUQ3OTYxNjQ1OEZGQ0Qx"
	"Q0NFMzVGQURCNDhGRjczODEiLCJ0YWdzIjpbXSwiY2FwcyI6WyJ3YXNtY2xvdWQ6aHR0cHNlcnZlciJdLCJyZX"
	"YiOjEsInZlciI6IjAuMS4wIiwicHJvdiI6ZmFsc2V9LCJ3YXNjYXBfcmV2aXNpb24iOjN9."
	"BapkeVWQ_IwfxSE3sGMG1QieKp_jRoaouBx65o5G-TwwAG5vi4JCE_i86W2eGeNBuXd3He7FzcrT1lbC1k3KCA";

static nkey key_00_1f(nkey_type t)
{
	uint8_t seed[32];
	nkey k;

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	if (nkey_from_seed(&k, t, seed, NULL) != 0)
		abort();
	return k;
}

static void vector_metadata(claims *c)
{
	claims_init(c);
	claims_set_str(&c->jti, "Q8bq3yqkMZ7XkZ0a2n9cTe");
	c->iat = 1672531200;
	claims_set_str(&c->name, "echo");
	c->has_tags = true;
	claims_add_cap(c, "wasmcloud:httpserver");
	c->has_rev = true;
	c->rev = 1;
	claims_set_str(&c->ver, "0.1.0");
}

static void append(st_buf *b, const void *p, size_t n)
{
	if (st_buf_append(b, p, n) != 0)
		abort();
}

/* Appends a custom section (minimal sizes) named name holding n bytes of p. */
static void add_custom(st_buf *b, const char *name, const void *p, size_t n)
{
	uint8_t hdr[16];
	size_t nl = strlen(name), body = 1 + nl + n, h = 0;

	hdr[h++] = 0;
	do {
		hdr[h++] = (uint8_t)((body & 0x7F) | (body > 0x7F ? 0x80 : 0));
		body >>= 7;
	} while (body);
	hdr[h++] = (uint8_t)nl;
	append(b, hdr, h);
	append(b, name, nl);
	append(b, p, n);
}

/* mod14 plus a claims section holding token. */
static void module_with_token(st_buf *b, const char *section, const char *token)
{
	st_buf_init(b, 1 << 20);
	append(b, mod14, sizeof(mod14));
	add_custom(b, section, token, strlen(token));
}

/* Signs mod14 with the vector keys and metadata, then lets adjust change c first. */
static void signed_module(st_buf *out, void (*adjust)(claims *c))
{
	nkey acct = key_00_1f(NKEY_ACCOUNT), mod = key_00_1f(NKEY_MODULE);
	claims c;

	vector_metadata(&c);
	if (adjust)
		adjust(&c);
	st_buf_init(out, 1 << 20);
	if (claims_module_sign(mod14, sizeof(mod14), &c, &acct, &mod, out, NULL) != 0)
		abort();
	claims_deinit(&c);
}

TEST(module_hash_matches_the_spec_vectors)
{
	char hash[65];

	EXPECT_EQ(0, claims_module_hash(mod14, sizeof(mod14), hash, NULL));
	EXPECT_STR("968E98ACD3E2898569441C1769845BC3AD79616458FFCD1CCE35FADB48FF7381", hash);
	EXPECT_EQ(0, claims_module_hash(mod14, 8, hash, NULL));
	EXPECT_STR("93A44BBB96C751218E4C00D479E4C14358122A389ACCA16205B1E4D0DC5F9476", hash);
}

TEST(module_sign_produces_the_658_byte_spec_module)
{
	static const uint8_t section_hdr[] = { 0x00, 0x81, 0x05, 0x0d };
	st_buf out;

	signed_module(&out, NULL);
	EXPECT_EQ(658, out.n);
	EXPECT_TRUE(memcmp(out.p, mod14, 14) == 0);
	EXPECT_TRUE(memcmp(out.p + 14, section_hdr, 4) == 0);
	EXPECT_TRUE(memcmp(out.p + 18, "wasmcloud_jwt", 13) == 0);
	EXPECT_EQ(627, out.n - 31);
	EXPECT_TRUE(out.n == 658 && memcmp(out.p + 31, vector_token, 627) == 0);
	st_buf_deinit(&out);
}

TEST(module_sign_fills_the_claims_it_signed)
{
	nkey acct = key_00_1f(NKEY_ACCOUNT), mod = key_00_1f(NKEY_MODULE);
	st_buf out;
	claims c;

	claims_init(&c);
	st_buf_init(&out, 1 << 20);
	EXPECT_EQ(0, claims_module_sign(mod14, sizeof(mod14), &c, &acct, &mod, &out, NULL));
	EXPECT_EQ(CLAIMS_ACTOR, c.kind);
	EXPECT_STR(ACCOUNT_PUB, c.iss);
	EXPECT_EQ('M', c.sub[0]);
	EXPECT_STR("968E98ACD3E2898569441C1769845BC3AD79616458FFCD1CCE35FADB48FF7381", c.hash);
	EXPECT_EQ(3, c.wascap_revision);
	EXPECT_TRUE(c.iat > 1600000000);
	EXPECT_EQ(22, strlen(c.jti));
	claims_deinit(&c);
	st_buf_deinit(&out);
}

TEST(module_sign_requires_account_and_module_keys)
{
	nkey acct = key_00_1f(NKEY_ACCOUNT), mod = key_00_1f(NKEY_MODULE), pub;
	char text[NKEY_PUBLIC_LEN + 1];
	st_buf out;
	st_err err;
	claims c;

	claims_init(&c);
	st_buf_init(&out, 1 << 20);
	EXPECT_EQ(ST_EINVALID,
	          claims_module_sign(mod14, sizeof(mod14), &c, &mod, &mod, &out, &err));
	EXPECT_EQ(NKEY_ERR_TYPE, err.kind);
	EXPECT_EQ(ST_EINVALID,
	          claims_module_sign(mod14, sizeof(mod14), &c, &acct, &acct, &out, &err));
	nkey_public_text(&acct, text);
	EXPECT_EQ(0, nkey_from_public_text(&pub, text, strlen(text), NULL));
	EXPECT_EQ(ST_ESTATE, claims_module_sign(mod14, sizeof(mod14), &c, &pub, &mod, &out, &err));
	EXPECT_EQ(0, out.n);
	claims_deinit(&c);
	st_buf_deinit(&out);
}

TEST(module_resigning_replaces_the_claims_section)
{
	nkey acct = key_00_1f(NKEY_ACCOUNT), mod = key_00_1f(NKEY_MODULE);
	st_buf once, twice;
	claims c;

	signed_module(&once, NULL);
	vector_metadata(&c);
	st_buf_init(&twice, 1 << 20);
	EXPECT_EQ(0, claims_module_sign(once.p, once.n, &c, &acct, &mod, &twice, NULL));
	EXPECT_EQ(once.n, twice.n);
	EXPECT_TRUE(memcmp(once.p, twice.p, once.n) == 0);
	claims_deinit(&c);
	st_buf_deinit(&once);
	st_buf_deinit(&twice);
}

TEST(module_strip_removes_both_claims_sections_and_keeps_others)
{
	static const uint8_t other[] = { 1, 2, 3 };
	st_buf in, out;
	char h1[65], h2[65];

	st_buf_init(&in, 1 << 20);
	append(&in, mod14, 8);
	add_custom(&in, "jwt", "a.b.c", 5);
	append(&in, mod14 + 8, 6);
	add_custom(&in, "name", other, sizeof(other));
	add_custom(&in, "wasmcloud_jwt", "d.e.f", 5);
	st_buf_init(&out, 1 << 20);
	EXPECT_EQ(0, claims_module_strip(in.p, in.n, &out, NULL));
	EXPECT_EQ(14 + 2 + 5 + 3, out.n);
	EXPECT_TRUE(memcmp(out.p, mod14, 14) == 0);
	EXPECT_EQ(0, claims_module_hash(in.p, in.n, h1, NULL));
	EXPECT_EQ(0, claims_module_hash(out.p, out.n, h2, NULL));
	EXPECT_STR(h1, h2);
	st_buf_deinit(&in);
	st_buf_deinit(&out);
}

TEST(module_hash_reemits_section_sizes_as_minimal_leb128)
{
	/* The type section's size 4 written in five bytes. */
	static const uint8_t padded[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
		                          0x84, 0x80, 0x80, 0x80, 0x00, 0x01, 0x60, 0x00, 0x00 };
	char hash[65];

	EXPECT_EQ(0, claims_module_hash(padded, sizeof(padded), hash, NULL));
	EXPECT_STR("968E98ACD3E2898569441C1769845BC3AD79616458FFCD1CCE35FADB48FF7381", hash);
}

TEST(module_framing_errors_are_reported_with_offsets)
{
	static const uint8_t bad_magic[] = { 0x00, 0x61, 0x73, 0x6e, 0x01, 0, 0, 0 };
	static const uint8_t bad_version[] = { 0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0 };
	static const uint8_t truncated[] = {
		0x00, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0, 0x01, 0x05, 0x01
	};
	static const uint8_t long_leb[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0,    0,   0,
		                            0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
	static const uint8_t big_leb[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0,    0,
		                           0,    0x01, 0x80, 0x80, 0x80, 0x80, 0x10 };
	static const uint8_t name_over[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0,
		                             0,    0,    0x00, 0x02, 0x05, 'j' };
	char hash[65];
	st_err err;

	EXPECT_EQ(ST_EMALFORMED, claims_module_hash(bad_magic, sizeof(bad_magic), hash, &err));
	EXPECT_EQ(0, err.offset);
	EXPECT_EQ(ST_EMALFORMED, claims_module_hash(bad_version, sizeof(bad_version), hash, &err));
	EXPECT_EQ(4, err.offset);
	EXPECT_EQ(ST_EMALFORMED, claims_module_hash(mod14, 5, hash, &err));
	EXPECT_EQ(ST_EMALFORMED, claims_module_hash(truncated, sizeof(truncated), hash, &err));
	EXPECT_EQ(8, err.offset);
	EXPECT_EQ(ST_EMALFORMED, claims_module_hash(long_leb, sizeof(long_leb), hash, &err));
	EXPECT_TRUE(strstr(err.msg, "too long") != NULL);
	EXPECT_EQ(ST_EMALFORMED, claims_module_hash(big_leb, sizeof(big_leb), hash, &err));
	EXPECT_TRUE(strstr(err.msg, "too large") != NULL);
	EXPECT_EQ(ST_EMALFORMED,
	          claims_module_extract(name_over, sizeof(name_over), NULL, NULL, &err));
	EXPECT_EQ(10, err.offset);
}

TEST(module_extract_reads_either_section_name)
{
	st_buf b;
	char *tok = NULL;
	size_t n = 0;

	module_with_token(&b, "jwt", "x.y.z");
	EXPECT_EQ(0, claims_module_extract(b.p, b.n, &tok, &n, NULL));
	EXPECT_STR("x.y.z", tok);
	EXPECT_EQ(5, n);
	st_free(tok);
	st_buf_deinit(&b);
	module_with_token(&b, "wasmcloud_jwt", "p.q.r");
	EXPECT_EQ(0, claims_module_extract(b.p, b.n, &tok, NULL, NULL));
	EXPECT_STR("p.q.r", tok);
	st_free(tok);
	st_buf_deinit(&b);
}

TEST(module_extract_takes_the_first_claims_section_as_the_engine_orders_them)
{
	st_buf b;
	char *tok = NULL;
	wm_module *m = NULL;
	wm_custom_desc d;
	const char *first = NULL;
	size_t first_len = 0;

	st_buf_init(&b, 1 << 20);
	append(&b, mod14, sizeof(mod14));
	add_custom(&b, "jwtx", "no", 2);
	add_custom(&b, "wasmcloud_jwt", "second.a.b", 10);
	add_custom(&b, "jwt", "third.a.b", 9);
	EXPECT_EQ(0, claims_module_extract(b.p, b.n, &tok, NULL, NULL));
	EXPECT_STR("second.a.b", tok);
	/* The engine sees the same sections in the same order. */
	EXPECT_EQ(0, wm_module_new(&m, b.p, b.n, NULL));
	if (m) {
		for (size_t i = 0; i < wm_module_custom_count(m) && !first; i++) {
			wm_module_custom_at(m, i, &d);
			if (strcmp(d.name, "jwt") == 0 || strcmp(d.name, "wasmcloud_jwt") == 0) {
				first = (const char *)d.data;
				first_len = d.len;
			}
		}
		EXPECT_TRUE(first != NULL && first_len == strlen(tok) &&
		            memcmp(first, tok, first_len) == 0);
		EXPECT_EQ(1, wm_module_custom(m, "jwt", NULL, NULL));
	}
	wm_module_unref(m);
	st_free(tok);
	st_buf_deinit(&b);
}

TEST(module_verify_accepts_the_spec_module)
{
	claims_module_report rep;
	st_buf b;
	claims c;

	signed_module(&b, NULL);
	claims_init(&c);
	EXPECT_EQ(0, claims_module_verify(b.p, b.n, NULL, NOW, &c, &rep, NULL));
	EXPECT_STR("echo", c.name);
	EXPECT_TRUE(rep.hash_enforced);
	EXPECT_TRUE(rep.hash_matches);
	EXPECT_STR("968E98ACD3E2898569441C1769845BC3AD79616458FFCD1CCE35FADB48FF7381",
	           rep.computed_hash);
	claims_deinit(&c);
	st_buf_deinit(&b);
}

static void expect_verify_error(const st_buf *b, const char *const *allowed, int code, int kind,
                                const char *msg)
{
	st_err err;
	claims c;

	claims_init(&c);
	st_err_clear(&err);
	EXPECT_EQ(code, claims_module_verify(b->p, b->n, allowed, NOW, &c, NULL, &err));
	EXPECT_EQ(kind, err.kind);
	if (strncmp(err.msg, msg, strlen(msg)) != 0)
		TEST_FAIL_("message \"%s\" does not start with \"%s\"", err.msg, msg);
	claims_deinit(&c);
}

TEST(module_verify_rejects_an_unsigned_module)
{
	st_buf b;

	st_buf_init(&b, 1 << 20);
	append(&b, mod14, sizeof(mod14));
	add_custom(&b, "name", "x", 1);
	expect_verify_error(&b, NULL, ST_ENOTFOUND, CLAIMS_ERR_NONE_FOUND,
	                    "No claims found in source module");
	st_buf_deinit(&b);
}

TEST(module_verify_rejects_a_tampered_module)
{
	st_buf b;

	signed_module(&b, NULL);
	b.p[11] = 0x61; /* a byte of the type section */
	expect_verify_error(&b, NULL, ST_EINVALID, CLAIMS_ERR_HASH, "Invalid module hash");
	st_buf_deinit(&b);
}

TEST(module_verify_rejects_a_tampered_token)
{
	char json[1024], seg[1024], tok[2048];
	const char *sig = strrchr(vector_token, '.');
	uint8_t raw[1024];
	size_t n;
	st_buf b;

	/* Decode the claims, rename the actor, re-encode and keep the signature. */
	EXPECT_EQ(0, sodium_base642bin(raw, sizeof(raw), vector_token + 40,
	                               (size_t)(sig - vector_token) - 40, NULL, &n, NULL,
	                               sodium_base64_VARIANT_URLSAFE_NO_PADDING));
	memcpy(json, raw, n);
	json[n] = 0;
	memcpy(strstr(json, "\"echo\""), "\"ECHO\"", 6);
	sodium_bin2base64(seg, sizeof(seg), (const uint8_t *)json, n,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(tok, sizeof(tok), "%s.%s%s", JWT_HEADER_B64, seg, sig);
	module_with_token(&b, "wasmcloud_jwt", tok);
	expect_verify_error(&b, NULL, ST_EINVALID, CLAIMS_ERR_SIGNATURE,
	                    "Invalid signature on module token");
	st_buf_deinit(&b);
}

static void expired(claims *c)
{
	c->has_exp = true;
	c->exp = NOW - 1;
}

static void not_yet(claims *c)
{
	c->has_nbf = true;
	c->nbf = NOW + 86400;
}

TEST(module_verify_rejects_an_expired_token)
{
	st_buf b;

	signed_module(&b, expired);
	expect_verify_error(&b, NULL, ST_EINVALID, CLAIMS_ERR_EXPIRED, "Claims token expired");
	st_buf_deinit(&b);
}

TEST(module_verify_rejects_a_token_not_yet_valid)
{
	st_buf b;

	signed_module(&b, not_yet);
	expect_verify_error(&b, NULL, ST_EINVALID, CLAIMS_ERR_NOT_YET,
	                    "Claims token cannot be used yet");
	st_buf_deinit(&b);
}

TEST(module_verify_rejects_an_issuer_outside_the_allow_list)
{
	static const char *const others[] = {
		"ACOJJN6WUP4ODD75XEBKKTCCUJJCY5ZKQ56XVKYK4BEJWGVAOOQHZMCW", NULL
	};
	static const char *const listed[] = { "AXXX", ACCOUNT_PUB, NULL };
	st_buf b;

	signed_module(&b, NULL);
	expect_verify_error(&b, others, ST_EINVALID, CLAIMS_ERR_ISSUER,
	                    "Module issuer " ACCOUNT_PUB);
	EXPECT_EQ(0, claims_module_verify(b.p, b.n, listed, NOW, NULL, NULL, NULL));
	st_buf_deinit(&b);
}

TEST(module_verify_rejection_messages_are_distinct)
{
	static const char *const others[] = { "ANONE", NULL };
	const char *msgs[6];
	char bufs[6][ST_ERR_MSG_MAX];
	st_buf b;
	st_err err;
	int i = 0;

	st_buf_init(&b, 1 << 20);
	append(&b, mod14, sizeof(mod14));
	EXPECT_TRUE(claims_module_verify(b.p, b.n, NULL, NOW, NULL, NULL, &err) < 0);
	memcpy(bufs[i++], err.msg, sizeof(err.msg));
	st_buf_deinit(&b);
	signed_module(&b, NULL);
	b.p[12] ^= 1;
	EXPECT_TRUE(claims_module_verify(b.p, b.n, NULL, NOW, NULL, NULL, &err) < 0);
	memcpy(bufs[i++], err.msg, sizeof(err.msg));
	b.p[12] ^= 1;
	b.p[b.n - 5] = b.p[b.n - 5] == 'A' ? 'B' : 'A'; /* the signature */
	EXPECT_TRUE(claims_module_verify(b.p, b.n, NULL, NOW, NULL, NULL, &err) < 0);
	memcpy(bufs[i++], err.msg, sizeof(err.msg));
	st_buf_deinit(&b);
	signed_module(&b, expired);
	EXPECT_TRUE(claims_module_verify(b.p, b.n, NULL, NOW, NULL, NULL, &err) < 0);
	memcpy(bufs[i++], err.msg, sizeof(err.msg));
	st_buf_deinit(&b);
	signed_module(&b, not_yet);
	EXPECT_TRUE(claims_module_verify(b.p, b.n, NULL, NOW, NULL, NULL, &err) < 0);
	memcpy(bufs[i++], err.msg, sizeof(err.msg));
	st_buf_deinit(&b);
	signed_module(&b, NULL);
	EXPECT_TRUE(claims_module_verify(b.p, b.n, others, NOW, NULL, NULL, &err) < 0);
	memcpy(bufs[i++], err.msg, sizeof(err.msg));
	st_buf_deinit(&b);
	for (int x = 0; x < 6; x++)
		msgs[x] = bufs[x];
	for (int x = 0; x < 6; x++)
		for (int y = x + 1; y < 6; y++)
			if (strcmp(msgs[x], msgs[y]) == 0)
				TEST_FAIL_("messages %d and %d are both \"%s\"", x, y, msgs[x]);
}

TEST(module_verify_only_warns_on_a_hash_mismatch_before_revision_3)
{
	nkey acct = key_00_1f(NKEY_ACCOUNT);
	claims_module_report rep;
	char *tok = NULL;
	st_buf b;
	claims c;

	/* A 2022-style token (no wascap_revision) whose hash is not the module's. */
	vector_metadata(&c);
	c.kind = CLAIMS_ACTOR;
	claims_set_str(&c.sub, "MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP");
	claims_set_str(&c.hash, "0000000000000000000000000000000000000000000000000000000000000000");
	EXPECT_EQ(0, claims_encode(&c, &acct, &tok, NULL));
	claims_deinit(&c);
	module_with_token(&b, "jwt", tok);
	EXPECT_EQ(0, claims_module_verify(b.p, b.n, NULL, NOW, &c, &rep, NULL));
	EXPECT_TRUE(!rep.hash_enforced);
	EXPECT_TRUE(!rep.hash_matches);
	EXPECT_TRUE(!c.has_wascap_revision);
	claims_deinit(&c);
	st_buf_deinit(&b);
	st_free(tok);
}

TEST(module_verify_rejects_claims_that_are_not_an_actors)
{
	nkey acct = key_00_1f(NKEY_ACCOUNT);
	char *tok = NULL;
	st_buf b;
	claims c;

	claims_init(&c);
	c.kind = CLAIMS_PROVIDER;
	claims_set_str(&c.sub, "VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE");
	claims_set_str(&c.capid, "x:y");
	EXPECT_EQ(0, claims_encode(&c, &acct, &tok, NULL));
	claims_deinit(&c);
	module_with_token(&b, "wasmcloud_jwt", tok);
	expect_verify_error(&b, NULL, ST_EINVALID, CLAIMS_ERR_KIND, "the module's claims");
	st_buf_deinit(&b);
	st_free(tok);
}

TEST(module_verify_fails_cleanly_when_allocation_fails)
{
	st_buf b;
	st_err err;
	claims c;
	int rc = -1;

	signed_module(&b, NULL);
	claims_init(&c);
	for (long n = 0; n < 200; n++) {
		st_alloc_fail_after(n);
		rc = claims_module_verify(b.p, b.n, NULL, NOW, &c, NULL, &err);
		st_alloc_fail_after(-1);
		if (rc == 0)
			break;
		EXPECT_EQ(ST_ENOMEM, rc);
		EXPECT_TRUE(c.name == NULL);
	}
	EXPECT_EQ(0, rc);
	claims_deinit(&c);
	st_buf_deinit(&b);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
