/*
 * test_security_invocation.c - invocation claims, the anti-forgery token
 * (src/security/claims.h, lattice.md §4.2 and §4.5): entity URLs, the hash,
 * and each check of the verifier with the spec's message.
 */
#include "test.h"

#include <sodium.h>
#include <time.h>

#include "core/hex.h"
#include "core/mem.h"
#include "security/claims.h"
#include "core/banned.h"

#define MODULE_PUB "MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP"
#define SERVICE_PUB "VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE"
#define CLUSTER_PUB "CAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3R53J"
#define SERVER_PUB "NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB"

static const char *const issuers[] = { CLUSTER_PUB, NULL };

static nkey cluster_key(void)
{
	uint8_t seed[32];
	nkey k;

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	if (nkey_from_seed(&k, NKEY_CLUSTER, seed, NULL) != 0)
		abort();
	return k;
}

static claims_invocation sample(void)
{
	static const uint8_t payload[] = "hello payload";
	claims_invocation inv = {
		.id = "0f2d7f9a-3c1e-4b8a-9d2e-5a6b7c8d9e0f",
		.origin = { SERVICE_PUB, "wasmcloud:httpserver", "default" },
		.target = { MODULE_PUB, "", "" },
		.operation = "HttpServer.HandleRequest",
		.payload = payload,
		.len = sizeof(payload) - 1,
		.host_id = SERVER_PUB,
	};

	return inv;
}

static char *sign(const claims_invocation *inv)
{
	nkey k = cluster_key();
	char *tok = NULL;

	if (claims_invocation_sign(inv, &k, &tok, NULL) != 0)
		abort();
	return tok;
}

TEST(invocation_entity_urls_follow_the_spec_examples)
{
	claims_entity actor = { MODULE_PUB, "", "" };
	claims_entity prov = { SERVICE_PUB, "wasmcloud:httpserver", "default" };
	claims_entity odd = { SERVICE_PUB, "Acme:Key Value", "My Link" };
	claims_entity empty = { NULL, NULL, NULL };
	char *u;

	u = claims_entity_url(&actor);
	EXPECT_STR("wasmbus://" MODULE_PUB, u);
	st_free(u);
	u = claims_entity_url(&prov);
	EXPECT_STR("wasmbus://wasmcloud/httpserver/default/" SERVICE_PUB, u);
	st_free(u);
	u = claims_entity_url(&odd);
	EXPECT_STR("wasmbus://acme/key_value/my_link/" SERVICE_PUB, u);
	st_free(u);
	u = claims_entity_url(&empty);
	EXPECT_STR("wasmbus:////", u);
	st_free(u);
}

TEST(invocation_hash_is_sha256_of_the_concatenation)
{
	const char *o = "wasmbus://a", *t = "wasmbus://b/Op", *op = "Op";
	uint8_t digest[32];
	char want[65], got[65];
	crypto_hash_sha256_state sha;

	crypto_hash_sha256_init(&sha);
	crypto_hash_sha256_update(&sha, (const uint8_t *)"wasmbus://awasmbus://b/OpOp\x01\x02", 29);
	crypto_hash_sha256_final(&sha, digest);
	st_hex_upper(digest, 32, want);
	claims_invocation_hash(o, t, op, (const uint8_t *)"\x01\x02", 2, got);
	EXPECT_STR(want, got);
	/* Empty payload: the hash of the URLs and operation alone. */
	crypto_hash_sha256(digest, (const uint8_t *)"wasmbus://awasmbus://b/OpOp", 27);
	st_hex_upper(digest, 32, want);
	claims_invocation_hash(o, t, op, NULL, 0, got);
	EXPECT_STR(want, got);
}

TEST(invocation_sign_then_verify_accepts_and_decodes)
{
	claims_invocation inv = sample();
	char *tok = sign(&inv), hash[65];
	claims c;

	claims_init(&c);
	EXPECT_EQ(0,
	          claims_invocation_verify(&inv, tok, strlen(tok), issuers, time(NULL), &c, NULL));
	EXPECT_EQ(CLAIMS_INVOCATION, c.kind);
	EXPECT_STR(CLUSTER_PUB, c.iss);
	EXPECT_STR(inv.id, c.sub);
	EXPECT_STR("wasmbus://" MODULE_PUB "/HttpServer.HandleRequest", c.target_url);
	EXPECT_STR("wasmbus://wasmcloud/httpserver/default/" SERVICE_PUB, c.origin_url);
	claims_invocation_hash(c.origin_url, c.target_url, inv.operation, inv.payload, inv.len,
	                       hash);
	EXPECT_STR(hash, c.hash);
	EXPECT_TRUE(!c.has_exp && !c.has_nbf);
	EXPECT_EQ(3, c.wascap_revision);
	EXPECT_EQ(22, strlen(c.jti));
	claims_deinit(&c);
	st_free(tok);
}

TEST(invocation_sign_needs_a_cluster_seed_and_an_id)
{
	claims_invocation inv = sample();
	nkey k = cluster_key(), acct;
	char *tok = NULL;
	st_err err;

	EXPECT_EQ(0, nkey_generate(&acct, NKEY_ACCOUNT, NULL));
	EXPECT_EQ(ST_EINVALID, claims_invocation_sign(&inv, &acct, &tok, &err));
	EXPECT_EQ(NKEY_ERR_TYPE, err.kind);
	inv.id = "";
	EXPECT_EQ(ST_EINVAL, claims_invocation_sign(&inv, &k, &tok, &err));
	EXPECT_TRUE(tok == NULL);
}

static void expect_reject(const claims_invocation *inv, const char *tok,
                          const char *const *iss_list, int64_t now, int kind, const char *msg)
{
	st_err err;

	st_err_clear(&err);
	EXPECT_EQ(ST_EINVALID,
	          claims_invocation_verify(inv, tok, strlen(tok), iss_list, now, NULL, &err));
	EXPECT_EQ(kind, err.kind);
	EXPECT_STR(msg, err.msg);
}

/* Signs hand-made invocation claims (to set exp, nbf or drop the metadata). */
static char *sign_claims(const claims_invocation *inv, void (*adjust)(claims *c))
{
	nkey k = cluster_key();
	char *tok = NULL, hash[65], *o, *t0, *t;
	claims c;

	claims_init(&c);
	c.kind = CLAIMS_INVOCATION;
	claims_set_str(&c.sub, inv->id);
	o = claims_entity_url(&inv->origin);
	t0 = claims_entity_url(&inv->target);
	t = xmalloc(strlen(t0) + strlen(inv->operation) + 2);
	snprintf(t, strlen(t0) + strlen(inv->operation) + 2, "%s/%s", t0, inv->operation);
	claims_invocation_hash(o, t, inv->operation, inv->payload, inv->len, hash);
	c.origin_url = o;
	c.target_url = t;
	claims_set_str(&c.hash, hash);
	c.iat = 1000;
	adjust(&c);
	if (claims_encode(&c, &k, &tok, NULL) != 0)
		abort();
	st_free(t0);
	claims_deinit(&c);
	return tok;
}

static void set_exp(claims *c)
{
	c->has_exp = true;
	c->exp = 1500;
}

static void set_nbf(claims *c)
{
	c->has_nbf = true;
	c->nbf = 3000;
}

static void drop_wascap(claims *c)
{
	c->kind = CLAIMS_OTHER;
}

TEST(invocation_verify_rejects_an_expired_token)
{
	claims_invocation inv = sample();
	char *tok = sign_claims(&inv, set_exp);

	EXPECT_EQ(0, claims_invocation_verify(&inv, tok, strlen(tok), issuers, 1500, NULL, NULL));
	expect_reject(&inv, tok, issuers, 1501, CLAIMS_ERR_EXPIRED,
	              "Invocation claims token expired");
	st_free(tok);
}

TEST(invocation_verify_rejects_a_bad_signature)
{
	claims_invocation inv = sample();
	char *tok = sign(&inv);
	size_t n = strlen(tok);

	tok[n - 4] = tok[n - 4] == 'A' ? 'B' : 'A';
	expect_reject(&inv, tok, issuers, time(NULL), CLAIMS_ERR_SIGNATURE,
	              "Invocation claims signature invalid");
	st_free(tok);
}

TEST(invocation_verify_rejects_use_before_nbf)
{
	claims_invocation inv = sample();
	char *tok = sign_claims(&inv, set_nbf);

	EXPECT_EQ(0, claims_invocation_verify(&inv, tok, strlen(tok), issuers, 3000, NULL, NULL));
	expect_reject(&inv, tok, issuers, 2999, CLAIMS_ERR_NOT_YET,
	              "Attempt to use invocation before claims token allows");
	st_free(tok);
}

TEST(invocation_verify_rejects_claims_without_wascap_metadata)
{
	claims_invocation inv = sample();
	char *tok = sign_claims(&inv, drop_wascap);

	expect_reject(&inv, tok, issuers, 2000, CLAIMS_ERR_NO_WASCAP,
	              "No wascap metadata found on claims");
	st_free(tok);
}

TEST(invocation_verify_rejects_a_changed_payload_with_both_hashes)
{
	claims_invocation inv = sample();
	char *tok = sign(&inv), want[300], signed_hash[65], now_hash[65], *o, *t;
	claims c;

	claims_init(&c);
	EXPECT_EQ(0, claims_decode(tok, strlen(tok), false, &c, NULL));
	memcpy(signed_hash, c.hash, 65);
	o = c.origin_url;
	t = c.target_url;
	inv.payload = (const uint8_t *)"hello PAYLOAD";
	claims_invocation_hash(o, t, inv.operation, inv.payload, inv.len, now_hash);
	snprintf(want, sizeof(want), "Invocation hash does not match signed claims hash (%s / %s)",
	         signed_hash, now_hash);
	expect_reject(&inv, tok, issuers, time(NULL), CLAIMS_ERR_HASH, want);
	/* Without a payload (chunked) the hash is not checked. */
	inv.payload = NULL;
	EXPECT_EQ(0, claims_invocation_verify(&inv, tok, strlen(tok), issuers, time(NULL), NULL,
	                                      NULL));
	claims_deinit(&c);
	st_free(tok);
}

TEST(invocation_verify_checks_the_host_id_rule)
{
	claims_invocation inv = sample();
	char *tok = sign(&inv);

	inv.host_id = "NwashHostCallerId000000000000000000000000000000000000000";
	EXPECT_EQ(0, claims_invocation_verify(&inv, tok, strlen(tok), issuers, time(NULL), NULL,
	                                      NULL));
	inv.host_id = CLUSTER_PUB; /* OTP hosts send the cluster key: 56 characters */
	EXPECT_EQ(0, claims_invocation_verify(&inv, tok, strlen(tok), issuers, time(NULL), NULL,
	                                      NULL));
	inv.host_id = "Xshort";
	expect_reject(&inv, tok, issuers, time(NULL), CLAIMS_ERR_HOST_ID,
	              "Invalid host ID on invocation: 'Xshort'");
	st_free(tok);
}

TEST(invocation_verify_rejects_an_issuer_not_in_the_cluster_list)
{
	static const char *const others[] = { "COTHER", NULL };
	claims_invocation inv = sample();
	char *tok = sign(&inv);

	expect_reject(&inv, tok, others, time(NULL), CLAIMS_ERR_ISSUER,
	              "Issuer of this invocation is not among the list of valid issuers");
	expect_reject(&inv, tok, NULL, time(NULL), CLAIMS_ERR_ISSUER,
	              "Issuer of this invocation is not among the list of valid issuers");
	st_free(tok);
}

TEST(invocation_verify_rejects_a_different_target_or_origin)
{
	claims_invocation inv = sample();
	char *tok = sign(&inv);

	inv.payload = NULL; /* isolate the URL checks from the hash check */
	inv.operation = "HttpServer.Other";
	expect_reject(&inv, tok, issuers, time(NULL), CLAIMS_ERR_TARGET_URL,
	              "Invocation claims and invocation target URL do not match");
	inv = sample();
	inv.payload = NULL;
	inv.origin.link_name = "other";
	expect_reject(&inv, tok, issuers, time(NULL), CLAIMS_ERR_ORIGIN_URL,
	              "Invocation claims and invocation origin URL do not match");
	st_free(tok);
}

TEST(invocation_verify_reports_a_malformed_token)
{
	claims_invocation inv = sample();
	st_err err;

	EXPECT_EQ(ST_EMALFORMED, claims_invocation_verify(&inv, "a.b", 3, issuers, 0, NULL, &err));
	EXPECT_EQ(CLAIMS_ERR_MALFORMED, err.kind);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
