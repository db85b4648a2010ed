/*
 * test_security_claims.c - wascap claims (src/security/claims.h): the
 * byte-exact token of security.md §2.6, field order per kind, tolerant
 * decoding, time checks, revision and call alias rules.
 */
#include "test.h"

#include <sodium.h>

#include "core/mem.h"
#include "security/claims.h"
#include "security/jwt.h"
#include "core/banned.h"

#define ACCOUNT_PUB "AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV"
#define MODULE_PUB "MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP"
#define SERVICE_PUB "VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE"

static const char vector_claims[] =
	"{\"jti\":\"Q8bq3yqkMZ7XkZ0a2n9cTe\",\"iat\":1672531200,\"iss\":\"" ACCOUNT_PUB
	"\",\"sub\":\"" MODULE_PUB "\",\"wascap\":{\"name\":\"echo\",\"hash\":"
	"\"968E98ACD3E2898569441C1769845BC3AD79616458FFCD1CCE35FADB48FF7381\",\"tags\":[],"
	"\"caps\":[\"wasmcloud:httpserver\"],\"rev\":1,\"ver\":\"0.1.0\",\"prov\":false},"
	"\"wascap_revision\":3}";

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

static void vector_actor(claims *c)
{
	claims_init(c);
	c->kind = CLAIMS_ACTOR;
	claims_set_str(&c->jti, "Q8bq3yqkMZ7XkZ0a2n9cTe");
	c->iat = 1672531200;
	claims_set_str(&c->iss, ACCOUNT_PUB);
	claims_set_str(&c->sub, MODULE_PUB);
	claims_set_str(&c->name, "echo");
	claims_set_str(&c->hash,
	               "968E98ACD3E2898569441C1769845BC3AD79616458FFCD1CCE35FADB48FF7381");
	c->has_tags = true;
	claims_add_cap(c, "wasmcloud:httpserver");
	c->has_rev = true;
	c->rev = 1;
	claims_set_str(&c->ver, "0.1.0");
	c->has_wascap_revision = true;
	c->wascap_revision = 3;
}

static char *dump(const claims *c)
{
	json_t *j = claims_to_json(c);
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(j);
	return s;
}

/* Signs arbitrary claims JSON with the account key 00..1f. */
static char *sign_json(const char *json)
{
	nkey k = key_00_1f(NKEY_ACCOUNT);
	json_t *o = json_loads(json, JSON_PRESERVE_ORDER, NULL);
	char *tok = NULL;

	if (!o || jwt_encode(o, &k, &tok, NULL) != 0)
		abort();
	json_decref(o);
	return tok;
}

TEST(claims_actor_json_has_the_spec_field_order)
{
	claims c;
	char *s;

	vector_actor(&c);
	s = dump(&c);
	EXPECT_STR(vector_claims, s);
	free(s);
	claims_deinit(&c);
}

TEST(claims_encode_reproduces_the_spec_token_byte_for_byte)
{
	nkey k = key_00_1f(NKEY_ACCOUNT);
	char *tok = NULL;
	claims c;

	vector_actor(&c);
	EXPECT_EQ(0, claims_encode(&c, &k, &tok, NULL));
	EXPECT_STR(vector_token, tok);
	EXPECT_EQ(627, strlen(tok));
	st_free(tok);
	claims_deinit(&c);
}

TEST(claims_decode_reads_the_spec_token)
{
	claims c;

	claims_init(&c);
	EXPECT_EQ(0, claims_decode(vector_token, strlen(vector_token), true, &c, NULL));
	EXPECT_EQ(CLAIMS_ACTOR, c.kind);
	EXPECT_STR("Q8bq3yqkMZ7XkZ0a2n9cTe", c.jti);
	EXPECT_EQ(1672531200, c.iat);
	EXPECT_STR(ACCOUNT_PUB, c.iss);
	EXPECT_STR(MODULE_PUB, c.sub);
	EXPECT_STR("echo", c.name);
	EXPECT_TRUE(c.has_tags);
	EXPECT_EQ(0, c.ntags);
	EXPECT_EQ(1, c.ncaps);
	EXPECT_STR("wasmcloud:httpserver", c.caps[0]);
	EXPECT_TRUE(claims_has_cap(&c, "wasmcloud:httpserver"));
	EXPECT_TRUE(!claims_has_cap(&c, "wasmcloud:keyvalue"));
	EXPECT_TRUE(c.has_rev);
	EXPECT_EQ(1, c.rev);
	EXPECT_STR("0.1.0", c.ver);
	EXPECT_TRUE(!c.prov);
	EXPECT_TRUE(c.has_wascap_revision);
	EXPECT_EQ(3, c.wascap_revision);
	EXPECT_TRUE(!c.has_exp && !c.has_nbf);
	claims_deinit(&c);
}

TEST(claims_decode_then_encode_round_trips_the_spec_token)
{
	nkey k = key_00_1f(NKEY_ACCOUNT);
	char *tok = NULL;
	claims c;

	claims_init(&c);
	EXPECT_EQ(0, claims_decode(vector_token, strlen(vector_token), true, &c, NULL));
	EXPECT_EQ(0, claims_encode(&c, &k, &tok, NULL));
	EXPECT_STR(vector_token, tok);
	st_free(tok);
	claims_deinit(&c);
}

TEST(claims_decode_tolerates_key_order_and_unknown_keys)
{
	char *tok = sign_json(
		"{\"zzz\":[1,{\"a\":null}],\"wascap_revision\":2,\"wascap\":{\"prov\":true,"
		"\"future\":7,\"caps\":[\"a:b\",\"c:d\"],\"hash\":\"AB\"},\"sub\":\"" MODULE_PUB
		"\",\"iss\":\"" ACCOUNT_PUB "\",\"iat\":5,\"jti\":\"j\",\"exp\":9}");
	claims c;

	claims_init(&c);
	EXPECT_EQ(0, claims_decode(tok, strlen(tok), true, &c, NULL));
	EXPECT_EQ(CLAIMS_ACTOR, c.kind);
	EXPECT_TRUE(c.prov);
	EXPECT_EQ(2, c.ncaps);
	EXPECT_STR("c:d", c.caps[1]);
	EXPECT_TRUE(!c.has_tags);
	EXPECT_TRUE(c.has_exp);
	EXPECT_EQ(9, c.exp);
	EXPECT_EQ(2, c.wascap_revision);
	EXPECT_TRUE(c.name == NULL);
	st_free(tok);
	claims_deinit(&c);
}

TEST(claims_decode_accepts_2022_tokens_without_wascap_revision)
{
	char *tok = sign_json("{\"jti\":\"j\",\"iat\":1644594344,\"iss\":\"" ACCOUNT_PUB
	                      "\",\"sub\":\"" MODULE_PUB "\",\"wascap\":{\"name\":\"x\",\"hash\":"
	                      "\"00\",\"tags\":null,\"caps\":null,\"prov\":false}}");
	claims c;

	claims_init(&c);
	EXPECT_EQ(0, claims_decode(tok, strlen(tok), true, &c, NULL));
	EXPECT_TRUE(!c.has_wascap_revision);
	EXPECT_TRUE(!c.has_caps && !c.has_tags);
	EXPECT_EQ(1644594344, claims_revision(&c));
	st_free(tok);
	claims_deinit(&c);
}

TEST(claims_decode_rejects_fields_of_the_wrong_type)
{
	static const char *bad[] = {
		"\"iat\":\"5\"",
		"\"exp\":-1",
		"\"wascap\":[]",
		"\"wascap\":{\"hash\":\"x\",\"caps\":\"a\"}",
		"\"wascap\":{\"hash\":\"x\",\"caps\":[1]}",
		"\"wascap\":{\"hash\":\"x\",\"rev\":2147483648}",
		"\"wascap\":{\"hash\":\"x\",\"prov\":1}",
		"\"wascap\":{\"capid\":\"x\",\"target_hashes\":{\"a\":1}}",
		"\"wascap_revision\":1.5",
	};
	char json[512];
	st_err err;
	claims c;

	claims_init(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *tok;

		snprintf(json, sizeof(json), "{\"jti\":\"j\",\"iss\":\"%s\",\"sub\":\"%s\",%s}",
		         ACCOUNT_PUB, MODULE_PUB, bad[i]);
		tok = sign_json(json);
		st_err_clear(&err);
		EXPECT_EQ(ST_EMALFORMED, claims_decode(tok, strlen(tok), true, &c, &err));
		EXPECT_EQ(CLAIMS_ERR_MALFORMED, err.kind);
		EXPECT_TRUE(c.jti == NULL);
		st_free(tok);
	}
}

TEST(claims_decode_reports_a_bad_signature_with_its_kind)
{
	char tok[sizeof(vector_token)];
	st_err err;
	claims c;

	memcpy(tok, vector_token, sizeof(tok));
	tok[sizeof(tok) - 3] = tok[sizeof(tok) - 3] == 'C' ? 'D' : 'C';
	claims_init(&c);
	EXPECT_EQ(ST_EINVALID, claims_decode(tok, strlen(tok), true, &c, &err));
	EXPECT_EQ(CLAIMS_ERR_SIGNATURE, err.kind);
	EXPECT_EQ(0, claims_decode(tok, strlen(tok), false, &c, &err));
	claims_deinit(&c);
}

TEST(claims_provider_json_has_the_spec_field_order_and_null_name)
{
	nkey k = key_00_1f(NKEY_ACCOUNT);
	char *s, *tok = NULL;
	claims c, back;

	claims_init(&c);
	c.kind = CLAIMS_PROVIDER;
	claims_set_str(&c.jti, "qV9m1xLrT4aZy0p8c2HkSd");
	c.iat = 1644594344;
	claims_set_str(&c.iss, ACCOUNT_PUB);
	claims_set_str(&c.sub, SERVICE_PUB);
	claims_set_str(&c.capid, "wasmcloud:httpserver");
	claims_set_str(&c.vendor, "wasmCloud");
	c.has_rev = true;
	claims_set_str(&c.ver, "0.14.10");
	claims_set_target_hash(&c, "x86_64-linux", "9F2C");
	claims_set_target_hash(&c, "aarch64-macos", "41AB");
	claims_set_target_hash(&c, "x86_64-linux", "9F2D");
	c.has_wascap_revision = true;
	c.wascap_revision = 3;
	s = dump(&c);
	EXPECT_STR(
		"{\"jti\":\"qV9m1xLrT4aZy0p8c2HkSd\",\"iat\":1644594344,\"iss\":\"" ACCOUNT_PUB
		"\",\"sub\":\"" SERVICE_PUB "\",\"wascap\":{\"name\":null,\"capid\":"
		"\"wasmcloud:httpserver\",\"vendor\":\"wasmCloud\",\"rev\":0,\"ver\":\"0.14.10\","
		"\"target_hashes\":{\"x86_64-linux\":\"9F2D\",\"aarch64-macos\":\"41AB\"}},"
		"\"wascap_revision\":3}",
		s);
	free(s);
	c.config_schema = json_pack("{s:s}", "type", "object");
	s = dump(&c);
	EXPECT_TRUE(strstr(s, "},\"config_schema\":{\"type\":\"object\"}},\"wascap_revision\"") !=
	            NULL);
	free(s);
	EXPECT_EQ(0, claims_encode(&c, &k, &tok, NULL));
	claims_init(&back);
	EXPECT_EQ(0, claims_decode(tok, strlen(tok), true, &back, NULL));
	EXPECT_EQ(CLAIMS_PROVIDER, back.kind);
	EXPECT_TRUE(back.name == NULL);
	EXPECT_STR("wasmcloud:httpserver", back.capid);
	EXPECT_STR("wasmCloud", back.vendor);
	EXPECT_EQ(2, back.ntargets);
	EXPECT_STR("41AB", claims_target_hash_get(&back, "aarch64-macos"));
	EXPECT_TRUE(claims_target_hash_get(&back, "x86_64-windows") == NULL);
	EXPECT_STR("object", json_string_value(json_object_get(back.config_schema, "type")));
	st_free(tok);
	claims_deinit(&back);
	claims_deinit(&c);
}

TEST(claims_common_fields_emit_exp_first_and_nbf_after_sub)
{
	claims c;
	char *s;

	claims_init(&c);
	c.kind = CLAIMS_INVOCATION;
	c.has_exp = true;
	c.exp = 10;
	c.has_nbf = true;
	c.nbf = 3;
	claims_set_str(&c.jti, "j");
	claims_set_str(&c.iss, "i");
	claims_set_str(&c.sub, "s");
	claims_set_str(&c.target_url, "t");
	claims_set_str(&c.origin_url, "o");
	claims_set_str(&c.hash, "H");
	s = dump(&c);
	EXPECT_STR("{\"exp\":10,\"jti\":\"j\",\"iat\":0,\"iss\":\"i\",\"sub\":\"s\",\"nbf\":3,"
	           "\"wascap\":{\"target_url\":\"t\",\"origin_url\":\"o\",\"hash\":\"H\"}}",
	           s);
	free(s);
	claims_deinit(&c);
}

TEST(claims_actor_optional_fields_are_omitted_when_absent)
{
	claims c;
	char *s;

	claims_init(&c);
	c.kind = CLAIMS_ACTOR;
	claims_set_str(&c.jti, "j");
	claims_set_str(&c.sub, "s");
	claims_set_str(&c.hash, "H");
	claims_set_str(&c.call_alias, "a_b");
	c.prov = true;
	s = dump(&c);
	EXPECT_STR("{\"jti\":\"j\",\"iat\":0,\"iss\":\"\",\"sub\":\"s\",\"wascap\":{\"hash\":\"H\","
	           "\"call_alias\":\"a_b\",\"prov\":true}}",
	           s);
	free(s);
	claims_deinit(&c);
}

TEST(claims_encode_refuses_an_issuer_other_than_the_signer)
{
	nkey k = key_00_1f(NKEY_ACCOUNT), other;
	char *tok = NULL;
	claims c;

	EXPECT_EQ(0, nkey_generate(&other, NKEY_ACCOUNT, NULL));
	vector_actor(&c);
	EXPECT_EQ(ST_EINVAL, claims_encode(&c, &other, &tok, NULL));
	EXPECT_TRUE(tok == NULL);
	/* Without an iss the signer's key is used and a jti is made. */
	claims_set_str(&c.iss, NULL);
	claims_set_str(&c.jti, NULL);
	EXPECT_EQ(0, claims_encode(&c, &k, &tok, NULL));
	claims_deinit(&c);
	EXPECT_EQ(0, claims_decode(tok, strlen(tok), true, &c, NULL));
	EXPECT_STR(ACCOUNT_PUB, c.iss);
	EXPECT_EQ(22, strlen(c.jti));
	st_free(tok);
	claims_deinit(&c);
}

TEST(claims_check_time_reports_expired_and_not_yet_valid)
{
	st_err err;
	claims c;

	claims_init(&c);
	EXPECT_EQ(0, claims_check_time(&c, 1000, &err));
	c.has_exp = true;
	c.exp = 1000;
	EXPECT_EQ(0, claims_check_time(&c, 1000, &err));
	EXPECT_EQ(ST_EINVALID, claims_check_time(&c, 1001, &err));
	EXPECT_EQ(CLAIMS_ERR_EXPIRED, err.kind);
	EXPECT_STR("Claims token expired", err.msg);
	c.has_exp = false;
	c.has_nbf = true;
	c.nbf = 500;
	EXPECT_EQ(0, claims_check_time(&c, 500, &err));
	EXPECT_EQ(ST_EINVALID, claims_check_time(&c, 499, &err));
	EXPECT_EQ(CLAIMS_ERR_NOT_YET, err.kind);
	EXPECT_STR("Claims token cannot be used yet", err.msg);
}

TEST(claims_revision_prefers_a_positive_rev_over_iat)
{
	claims c;

	claims_init(&c);
	c.iat = 1672531200;
	EXPECT_EQ(1672531200, claims_revision(&c));
	c.has_rev = true;
	c.rev = 0;
	EXPECT_EQ(1672531200, claims_revision(&c));
	c.rev = 7;
	EXPECT_EQ(7, claims_revision(&c));
}

TEST(claims_normalize_alias_trims_lowers_and_replaces)
{
	static const char *cases[][2] = {
		{ "  My-Actor.v2 ", "my_actor_v2" },
		{ "caf\xc3\xa9 bar", "caf_bar" },
		{ "", "" },
		{ "\t\n", "" },
		{ "A b-c.D", "a_b_c_d" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = claims_normalize_alias(cases[i][0]);

		EXPECT_STR(cases[i][1], s);
		st_free(s);
	}
}

TEST(claims_decode_fails_cleanly_when_allocation_fails)
{
	st_err err;
	claims c;
	int rc;

	/* Fail each allocation in turn until decoding gets through. */
	claims_init(&c);
	for (long n = 0;; n++) {
		st_alloc_fail_after(n);
		rc = claims_decode(vector_token, strlen(vector_token), true, &c, &err);
		st_alloc_fail_after(-1);
		if (rc == 0)
			break;
		EXPECT_EQ(ST_ENOMEM, rc);
		EXPECT_TRUE(c.jti == NULL && c.caps == NULL);
		if (n > 100)
			break;
	}
	EXPECT_EQ(0, rc);
	EXPECT_STR("echo", c.name);
	claims_deinit(&c);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
