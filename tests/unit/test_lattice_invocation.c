/*
 * test_lattice_invocation.c - the Invocation / InvocationResponse envelope
 * (src/lattice/invocation.h): the 959-byte `wash call` invocation of
 * lattice.md §0 Step 5 rebuilt byte for byte, the §4.10 example, the
 * 81-byte response, error responses, tolerant decoding, and the
 * anti-forgery checks with the spec's texts.
 */
#include "test.h"

#include <sodium.h>
#include <time.h>

#include "core/hex.h"
#include "core/mem.h"
#include "lattice/invocation.h"
#include "core/banned.h"

#define CLUSTER_SEED "SCAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYO7Q"
#define CLUSTER_PUB "CAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3R53J"
#define MODULE_PUB "MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP"
#define SERVICE_PUB "VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE"
#define HOST_PUB "NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB"
#define WASH_HOST "NwashHostCallerId000000000000000000000000000000000000000"

/* lattice.md §0 Step 5. */
#define STEP5_ID "0f6ab1c25d7e4f809a1b2c3d4e5f6a7b"
#define STEP5_JTI "Zq3X8bN1kR7tY2wE5uI9oP"
#define STEP5_IAT 1684339200
#define STEP5_ORIGIN_URL "wasmbus:////__WASH__"
#define STEP5_TARGET_URL "wasmbus://" MODULE_PUB "/Actor.HealthRequest"
#define STEP5_HASH "ECA949DC6E6A8619E9BA57D57E00AE15E814BE1C44674DFD8A77BD092A6E501E"
#define STEP5_SHA256 "fb722c568cc6b22582b651cae3d33f7d7b9e89357a9037391bd1d2ee3980ffdb"
#define STEP5_TOKEN                                                                                \
	"eyJ0eXAiOiJqd3QiLCJhbGciOiJFZDI1NTE5In0."                                                 \
	"eyJqdGkiOiJacTNYOGJOMWtSN3RZMndFNXVJOW9QIiwiaWF0IjoxNjg0MzM5MjAwLCJpc3MiOiJDQUIyQ0I1NzZQ" \
	"SEJCUFE1T0RPUlJaMkxZQ01XUFpHV0dDTjJLREs3RFhPSU1aQVNLVVkzUjUzSiIsInN1YiI6IjBmNmFiMWMyNWQ3" \
	"ZTRmODA5YTFiMmMzZDRlNWY2YTdiIiwid2FzY2FwIjp7InRhcmdldF91cmwiOiJ3YXNtYnVzOi8vTUFCMkNCNTc2" \
	"UEhCQlBRNU9ET1JSWjJMWUNNV1BaR1dHQ04yS0RLN0RYT0lNWkFTS1VZM1JMWFAvQWN0b3IuSGVhbHRoUmVxdWVz" \
	"dCIsIm9yaWdpbl91cmwiOiJ3YXNtYnVzOi8vLy9fX1dBU0hfXyIsImhhc2giOiJFQ0E5NDlEQzZFNkE4NjE5RTlC" \
	"QTU3RDU3RTAwQUUxNUU4MTRCRTFDNDQ2NzRERkQ4QTc3QkQwOTJBNkU1MDFFIn19."                        \
	"yKA5KkXFfY-MwXK8qZKOY6PgaXPdhE_98ZcekjCatwmTJV4epJ7MgoZoWNemq8qkDxVMwsQXZUhk96pR4ExFBg"

static const char *const issuers[] = { CLUSTER_PUB, NULL };
static const uint8_t empty_object[] = { 0x80 };

static nkey cluster_key(void)
{
	nkey k;

	if (nkey_from_seed_text(&k, CLUSTER_SEED, strlen(CLUSTER_SEED), NULL) != 0)
		abort();
	return k;
}

/* The Step 5 claims token, signed from the fixed jti/iat with claims_encode. */
static char *step5_token(void)
{
	nkey k = cluster_key();
	char *tok = NULL;
	claims c;

	claims_init(&c);
	c.kind = CLAIMS_INVOCATION;
	claims_set_str(&c.jti, STEP5_JTI);
	c.iat = STEP5_IAT;
	claims_set_str(&c.iss, CLUSTER_PUB);
	claims_set_str(&c.sub, STEP5_ID);
	claims_set_str(&c.target_url, STEP5_TARGET_URL);
	claims_set_str(&c.origin_url, STEP5_ORIGIN_URL);
	claims_set_str(&c.hash, STEP5_HASH);
	if (claims_encode(&c, &k, &tok, NULL) != 0)
		abort();
	claims_deinit(&c);
	return tok;
}

/* The Step 5 invocation; encoded_claims borrowed from tok. */
static inv_invocation step5(const char *tok)
{
	inv_invocation inv;

	inv_invocation_init(&inv);
	inv.origin = (inv_entity){ "__WASH__", "", "" };
	inv.target = (inv_entity){ MODULE_PUB, "", "" };
	inv.operation = "Actor.HealthRequest";
	inv.msg = st_slice_make(empty_object, sizeof(empty_object));
	inv.id = STEP5_ID;
	inv.encoded_claims = tok;
	inv.host_id = WASH_HOST;
	inv.has_content_length = true;
	inv.content_length = 1;
	return inv;
}

static void sha256_hex(const uint8_t *p, size_t n, char out[65])
{
	uint8_t d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(d, p, n);
	st_hex_lower(d, sizeof(d), out);
	out[64] = '\0';
}

/* Encodes inv into a fresh default writer (caller deinits). */
static mp_writer encode(const inv_invocation *inv)
{
	mp_writer w;

	mp_writer_init_default(&w, 1 << 20);
	EXPECT_EQ(0, inv_invocation_encode(inv, &w, NULL));
	return w;
}

TEST(invocation_step5_hash_and_token_match_the_spec)
{
	char hash[CLAIMS_HASH_LEN + 1];
	inv_entity o = { "__WASH__", "", "" }, t = { MODULE_PUB, "", "" };
	char *ou = inv_entity_url(&o), *tu = inv_entity_url(&t);
	char *tok;

	EXPECT_STR(STEP5_ORIGIN_URL, ou);
	EXPECT_STR("wasmbus://" MODULE_PUB, tu);
	claims_invocation_hash(ou, STEP5_TARGET_URL, "Actor.HealthRequest", empty_object, 1, hash);
	EXPECT_STR(STEP5_HASH, hash);
	tok = step5_token();
	EXPECT_EQ(631, strlen(tok));
	EXPECT_STR(STEP5_TOKEN, tok);
	st_free(ou);
	st_free(tu);
	st_free(tok);
}

TEST(invocation_step5_encodes_to_the_959_byte_vector)
{
	static const uint8_t head[] = {
		0x88, 0xa6, 'o', 'r', 'i', 'g', 'i',  'n', 0x83, 0xaa, 'p',  'u',  'b',  'l',
		'i',  'c',  '_', 'k', 'e', 'y', 0xa8, '_', '_',  'W',  'A',  'S',  'H',  '_',
		'_',  0xa9, 'l', 'i', 'n', 'k', '_',  'n', 'a',  'm',  'e',  0xa0, 0xab, 'c',
		'o',  'n',  't', 'r', 'a', 'c', 't',  '_', 'i',  'd',  0xa0,
	};
	char *tok = step5_token();
	inv_invocation inv = step5(tok);
	mp_writer w = encode(&inv);
	char sha[65];

	EXPECT_EQ(959, w.n);
	EXPECT_TRUE(w.n >= sizeof(head) && memcmp(w.p, head, sizeof(head)) == 0);
	sha256_hex(w.p, w.n, sha);
	EXPECT_STR(STEP5_SHA256, sha);
	/* The tail: "content_length": 1. */
	EXPECT_TRUE(w.n > 16 && memcmp(w.p + w.n - 16,
	                               "\xae"
	                               "content_length\x01",
	                               16) == 0);
	mp_writer_deinit(&w);
	st_free(tok);
}

TEST(invocation_step5_decodes_and_verifies)
{
	char *tok = step5_token();
	inv_invocation src = step5(tok), inv;
	mp_writer w = encode(&src);
	st_err err;
	claims c;

	inv_invocation_init(&inv);
	EXPECT_EQ(0, inv_invocation_decode(&inv, w.p, w.n, &err));
	mp_writer_deinit(&w); /* the decoded struct owns copies */
	EXPECT_STR("__WASH__", inv.origin.public_key);
	EXPECT_STR("", inv.origin.link_name);
	EXPECT_STR("", inv.origin.contract_id);
	EXPECT_STR(MODULE_PUB, inv.target.public_key);
	EXPECT_STR("Actor.HealthRequest", inv.operation);
	EXPECT_EQ(1, inv.msg.n);
	EXPECT_EQ(0x80, inv.msg.p[0]);
	EXPECT_STR(STEP5_ID, inv.id);
	EXPECT_STR(STEP5_TOKEN, inv.encoded_claims);
	EXPECT_STR(WASH_HOST, inv.host_id);
	EXPECT_TRUE(inv.has_content_length);
	EXPECT_EQ(1, inv.content_length);
	EXPECT_TRUE(!inv.has_trace_context);
	EXPECT_TRUE(inv_entity_is_actor(&inv.origin));

	claims_init(&c);
	EXPECT_EQ(0, inv_invocation_verify(&inv, issuers, STEP5_IAT + 5, &c, &err));
	EXPECT_STR(STEP5_ID, c.sub);
	EXPECT_STR(CLUSTER_PUB, c.iss);
	EXPECT_TRUE(!c.has_wascap_revision);
	claims_deinit(&c);
	inv_invocation_deinit(&inv);
	inv_invocation_deinit(&inv); /* twice is harmless */
	st_free(tok);
}

/* Verifies inv and expects rc with exactly the message want. */
static void expect_verify(const inv_invocation *inv, const char *const *iss, int rc,
                          const char *want)
{
	st_err err;

	st_err_clear(&err);
	EXPECT_EQ(rc, inv_invocation_verify(inv, iss, STEP5_IAT + 5, NULL, &err));
	EXPECT_STR(want, err.msg);
}

TEST(invocation_verify_reports_each_check_with_the_spec_text)
{
	static const char *const strangers[] = { "CBBBB", NULL };
	char *tok = step5_token();
	inv_invocation inv = step5(tok);

	/* The hash mismatch is checked in ..._carries_the_computed_hash. */
	inv = step5(tok);
	inv.host_id = "X";
	expect_verify(&inv, issuers, ST_EINVALID,
	              "Anti-forgery check failed: Invalid host ID on invocation: 'X'");
	inv = step5(tok);
	expect_verify(&inv, strangers, ST_EINVALID,
	              "Anti-forgery check failed: Issuer of this invocation is not among the "
	              "list of valid issuers");
	/* An empty msg skips the hash (chunked), so the URL checks decide. */
	inv = step5(tok);
	inv.msg = st_slice_make(NULL, 0);
	inv.operation = "Actor.Other";
	expect_verify(&inv, issuers, ST_EINVALID,
	              "Anti-forgery check failed: Invocation claims and invocation target URL "
	              "do not match");
	inv = step5(tok);
	inv.msg = st_slice_make(NULL, 0);
	inv.origin.public_key = "__OTHER__";
	expect_verify(&inv, issuers, ST_EINVALID,
	              "Anti-forgery check failed: Invocation claims and invocation origin URL "
	              "do not match");
	inv = step5(tok);
	inv.encoded_claims = NULL;
	EXPECT_EQ(ST_EMALFORMED, inv_invocation_verify(&inv, issuers, STEP5_IAT, NULL, NULL));
	st_free(tok);
}

TEST(invocation_verify_hash_message_carries_the_computed_hash)
{
	static const uint8_t other[] = { 0x81, 0xa1, 'a', 0x01 };
	char want[ST_ERR_MSG_MAX], hash[CLAIMS_HASH_LEN + 1];
	char *tok = step5_token();
	inv_invocation inv = step5(tok);
	st_err err;

	claims_invocation_hash(STEP5_ORIGIN_URL, STEP5_TARGET_URL, "Actor.HealthRequest", other,
	                       sizeof(other), hash);
	snprintf(want, sizeof(want),
	         "Anti-forgery check failed: Invocation hash does not match signed claims hash "
	         "(%s / %s)",
	         STEP5_HASH, hash);
	inv.msg = st_slice_make(other, sizeof(other));
	EXPECT_EQ(ST_EINVALID, inv_invocation_verify(&inv, issuers, STEP5_IAT, NULL, &err));
	EXPECT_STR(want, err.msg);
	EXPECT_EQ(CLAIMS_ERR_HASH, err.kind);
	st_free(tok);
}

TEST(invocation_sign_then_verify_round_trips)
{
	static const uint8_t payload[] = { 1, 2, 3 };
	nkey k = cluster_key();
	char id[INV_ID_LEN + 1];
	inv_invocation inv, back;
	mp_writer w;
	st_err err;

	inv_id_generate(id);
	inv_invocation_init(&inv);
	inv.origin = (inv_entity){ SERVICE_PUB, "default", "wasmcloud:httpserver" };
	inv.target = (inv_entity){ MODULE_PUB, "", "" };
	inv.operation = "HttpServer.HandleRequest";
	inv.msg = st_slice_make(payload, sizeof(payload));
	inv.id = id;
	inv.host_id = HOST_PUB;
	inv.has_content_length = true;
	inv.content_length = sizeof(payload);
	EXPECT_EQ(0, inv_invocation_sign(&inv, &k, &err));
	EXPECT_TRUE(inv.encoded_claims != NULL && inv.encoded_claims == inv.claims);
	EXPECT_EQ(0, inv_invocation_verify(&inv, issuers, (int64_t)time(NULL), NULL, &err));

	w = encode(&inv);
	inv_invocation_init(&back);
	EXPECT_EQ(0, inv_invocation_decode(&back, w.p, w.n, &err));
	EXPECT_EQ(0, inv_invocation_verify(&back, issuers, (int64_t)time(NULL), NULL, &err));
	EXPECT_TRUE(!inv_entity_is_actor(&back.origin));
	inv_invocation_deinit(&back);
	mp_writer_deinit(&w);
	inv_invocation_deinit(&inv);

	/* No id: refused by the signer. */
	inv_invocation_init(&inv);
	EXPECT_EQ(ST_EINVAL, inv_invocation_sign(&inv, &k, &err));
	inv_invocation_deinit(&inv);
}

/* True when the n bytes of needle occur in the len bytes of p. */
static bool contains(const uint8_t *p, size_t len, const char *needle, size_t n)
{
	for (size_t k = 0; k + n <= len; k++)
		if (memcmp(p + k, needle, n) == 0)
			return true;
	return false;
}

TEST(invocation_section_4_10_example_layout)
{
	static const uint8_t payload[] = { 1, 2, 3 };
	static const uint8_t head[] =
		"\x88\xa6origin\x83\xaapublic_key\xd9\x38" SERVICE_PUB "\xa9link_name\xa7"
		"default\xab"
		"contract_id\xb4wasmcloud:httpserver\xa6target\x83"
		"\xaapublic_key\xd9\x38" MODULE_PUB "\xa9link_name\xa0"
		"\xab"
		"contract_id\xa0";
	char hash[CLAIMS_HASH_LEN + 1];
	inv_invocation inv;
	char *ou, *tu;
	mp_writer w;
	char *subject;

	inv_invocation_init(&inv);
	inv.origin = (inv_entity){ SERVICE_PUB, "default", "wasmcloud:httpserver" };
	inv.target = (inv_entity){ MODULE_PUB, "", "" };
	inv.operation = "HttpServer.HandleRequest";
	inv.msg = st_slice_make(payload, 3);
	inv.id = "x";
	inv.has_content_length = true;
	inv.content_length = 3;
	ou = inv_entity_url(&inv.origin);
	tu = inv_entity_url(&inv.target);
	EXPECT_STR("wasmbus://wasmcloud/httpserver/default/" SERVICE_PUB, ou);
	st_free(tu);
	tu = xstrdup("wasmbus://" MODULE_PUB "/HttpServer.HandleRequest");
	claims_invocation_hash(ou, tu, inv.operation, payload, 3, hash);
	EXPECT_STR("FACB15940CA72564803850BFF8863DBF6BEEC90ED1E9F4B63EC65581C90C3AF4", hash);
	subject = inv_entity_subject(&inv.target, "default");
	EXPECT_STR("wasmbus.rpc.default." MODULE_PUB, subject);
	st_free(subject);
	subject = inv_entity_subject(&inv.origin, "default");
	EXPECT_STR("wasmbus.rpc.default." SERVICE_PUB ".default", subject);
	st_free(subject);

	w = encode(&inv);
	EXPECT_TRUE(w.n > sizeof(head) - 1 && memcmp(w.p, head, sizeof(head) - 1) == 0);
	EXPECT_TRUE(contains(w.p, w.n, "\xa3msg\xc4\x03\x01\x02\x03", 9));
	EXPECT_TRUE(memcmp(w.p + w.n - 16,
	                   "\xae"
	                   "content_length\x03",
	                   16) == 0);
	mp_writer_deinit(&w);
	st_free(ou);
	st_free(tu);
}

TEST(invocation_ids_are_uuid_v4_in_simple_form)
{
	char a[INV_ID_LEN + 1], b[INV_ID_LEN + 1];

	inv_id_generate(a);
	inv_id_generate(b);
	EXPECT_EQ(INV_ID_LEN, strlen(a));
	for (int k = 0; k < INV_ID_LEN; k++)
		EXPECT_TRUE((a[k] >= '0' && a[k] <= '9') || (a[k] >= 'a' && a[k] <= 'f'));
	EXPECT_EQ('4', a[12]);
	EXPECT_TRUE(strchr("89ab", a[16]) != NULL);
	EXPECT_TRUE(strcmp(a, b) != 0);
}

TEST(invocation_decode_tolerates_order_unknown_keys_and_missing_fields)
{
	mp_writer w;
	inv_invocation inv;
	st_err err;

	mp_writer_init_default(&w, 4096);
	mp_write_map(&w, 7);
	mp_write_cstr(&w, "host_id");
	mp_write_cstr(&w, "CAB2");
	mp_write_cstr(&w, "unknown");
	mp_write_array(&w, 2);
	mp_write_map(&w, 0);
	mp_write_nil(&w);
	mp_write_uint(&w, 7); /* a non-str key: skipped with its value */
	mp_write_cstr(&w, "ignored");
	mp_write_cstr(&w, "target");
	mp_write_map(&w, 2); /* OTP order, link_name missing */
	mp_write_cstr(&w, "public_key");
	mp_write_cstr(&w, MODULE_PUB);
	mp_write_cstr(&w, "contract_id");
	mp_write_nil(&w);
	mp_write_cstr(&w, "msg");
	mp_write_array(&w, 3); /* msg as an array of byte values */
	mp_write_uint(&w, 1);
	mp_write_uint(&w, 255);
	mp_write_int(&w, 0);
	mp_write_cstr(&w, "traceContext");
	mp_write_map(&w, 1);
	mp_write_cstr(&w, "traceparent");
	mp_write_cstr(&w, "00-abc-def-01");
	mp_write_cstr(&w, "operation");
	mp_write_cstr(&w, "Op.Name");
	EXPECT_EQ(0, mp_writer_status(&w));

	inv_invocation_init(&inv);
	EXPECT_EQ(0, inv_invocation_decode(&inv, w.p, w.n, &err));
	EXPECT_STR("CAB2", inv.host_id);
	EXPECT_STR(MODULE_PUB, inv.target.public_key);
	EXPECT_STR("", inv.target.link_name);
	EXPECT_STR("", inv.target.contract_id);
	EXPECT_STR("", inv.origin.public_key); /* origin absent entirely */
	EXPECT_STR("", inv.id);
	EXPECT_STR("", inv.encoded_claims);
	EXPECT_STR("Op.Name", inv.operation);
	EXPECT_EQ(3, inv.msg.n);
	EXPECT_TRUE(memcmp(inv.msg.p, "\x01\xff\x00", 3) == 0);
	EXPECT_TRUE(!inv.has_content_length);
	EXPECT_TRUE(inv.has_trace_context);
	EXPECT_EQ(1, inv.ntrace);
	EXPECT_STR("traceparent", inv.trace[0].key);
	EXPECT_STR("00-abc-def-01", inv.trace[0].value);

	/* Re-encoding keeps traceContext; msg as str is accepted too. */
	{
		mp_writer w2;
		inv_invocation back;

		inv.msg = st_slice_make("hi", 2);
		w2 = encode(&inv);
		inv_invocation_init(&back);
		EXPECT_EQ(0, inv_invocation_decode(&back, w2.p, w2.n, &err));
		EXPECT_EQ(1, back.ntrace);
		EXPECT_STR("00-abc-def-01", back.trace[0].value);
		inv_invocation_deinit(&back);
		mp_writer_deinit(&w2);
	}
	inv_invocation_deinit(&inv);

	mp_writer_reset(&w);
	mp_write_map(&w, 1);
	mp_write_cstr(&w, "msg");
	mp_write_str(&w, "body", 4);
	inv_invocation_init(&inv);
	EXPECT_EQ(0, inv_invocation_decode(&inv, w.p, w.n, &err));
	EXPECT_EQ(4, inv.msg.n);
	EXPECT_TRUE(memcmp(inv.msg.p, "body", 4) == 0);
	inv_invocation_deinit(&inv);
	mp_writer_deinit(&w);
}

/* Decodes n bytes and expects rc, and that inv is left empty. */
static void expect_bad(const char *bytes, size_t n, int rc, const char *msg_prefix)
{
	inv_invocation inv;
	st_err err;

	inv_invocation_init(&inv);
	st_err_clear(&err);
	EXPECT_EQ(rc, inv_invocation_decode(&inv, (const uint8_t *)bytes, n, &err));
	EXPECT_TRUE(inv.arena == NULL && inv.operation == NULL);
	if (msg_prefix && strncmp(err.msg, msg_prefix, strlen(msg_prefix)) != 0)
		TEST_FAIL_("message \"%s\" does not start with \"%s\"", err.msg, msg_prefix);
}

/* expect_bad on a string literal, without its NUL. */
#define EXPECT_BAD(lit, rc, msg) expect_bad(lit, sizeof(lit) - 1, rc, msg)

TEST(invocation_decode_rejects_malformed_input)
{
	EXPECT_BAD("\x91\xc0", ST_EMALFORMED, "invocation: msgpack: expected map, found array");
	EXPECT_BAD("", ST_ETRUNC, "invocation: ");
	EXPECT_BAD("\x81\xa9operation\x05", ST_EMALFORMED,
	           "operation: msgpack: expected str, found integer");
	EXPECT_BAD("\x81\xa6origin\x92\x01\x02", ST_EMALFORMED,
	           "origin: msgpack: expected map, found array");
	EXPECT_BAD("\x81\xa3msg\x91\xcd\x01\x00", ST_EMALFORMED, "msg: array element 256");
	EXPECT_BAD("\x81\xa3msg\xc3", ST_EMALFORMED, "msg: expected bin, str or array, found bool");
	EXPECT_BAD("\x81\xa2id\xa3"
	           "a\0b",
	           ST_EMALFORMED, "id: string holds a NUL byte");
	EXPECT_BAD("\x81\xactraceContext\x81\xa1k\x01", ST_EMALFORMED,
	           "traceContext: msgpack: expected str, found integer");
	EXPECT_BAD("\x81\xae"
	           "content_length\xff",
	           ST_EMALFORMED, "content_length: msgpack: expected unsigned integer");
	EXPECT_BAD("\x81\xa6target\x81\xaapublic_key\xc4\x00", ST_EMALFORMED,
	           "public_key: msgpack: expected str, found bin");
}

TEST(invocation_decode_fails_cleanly_on_every_truncation)
{
	char *tok = step5_token();
	inv_invocation src = step5(tok), inv;
	mp_writer w = encode(&src);

	for (size_t cut = 0; cut < w.n; cut++) {
		inv_invocation_init(&inv);
		EXPECT_EQ(ST_ETRUNC, inv_invocation_decode(&inv, w.p, cut, NULL));
		inv_invocation_deinit(&inv);
	}
	mp_writer_deinit(&w);
	st_free(tok);
}

TEST(invocation_decode_survives_each_allocation_failing)
{
	char *tok = step5_token();
	inv_invocation src = step5(tok), inv;
	mp_writer w = encode(&src);
	int rc = ST_ENOMEM;

	for (long n = 0; rc == ST_ENOMEM && n < 100; n++) {
		inv_invocation_init(&inv);
		st_alloc_fail_after(n);
		rc = inv_invocation_decode(&inv, w.p, w.n, NULL);
		st_alloc_fail_after(-1);
		EXPECT_TRUE(rc == 0 || rc == ST_ENOMEM);
		inv_invocation_deinit(&inv);
	}
	EXPECT_EQ(0, rc);
	mp_writer_deinit(&w);
	st_free(tok);
}

TEST(response_success_is_the_81_byte_vector)
{
	static const uint8_t want[] = "\x83\xa3msg\xc4\x0a\x81\xa7healthy\xc3"
				      "\xad"
				      "invocation_id\xd9\x20" STEP5_ID "\xae"
				      "content_length\x0a";
	inv_response r, back;
	mp_writer w;
	st_err err;

	inv_response_init(&r);
	inv_response_set_ok(&r, STEP5_ID, "\x81\xa7healthy\xc3", 10);
	mp_writer_init_default(&w, 1024);
	EXPECT_EQ(0, inv_response_encode(&r, &w, &err));
	EXPECT_EQ(81, w.n);
	EXPECT_EQ(sizeof(want) - 1, w.n);
	EXPECT_TRUE(memcmp(w.p, want, sizeof(want) - 1) == 0);

	inv_response_init(&back);
	EXPECT_EQ(0, inv_response_decode(&back, w.p, w.n, &err));
	EXPECT_TRUE(back.error == NULL);
	EXPECT_STR(STEP5_ID, back.invocation_id);
	EXPECT_EQ(10, back.msg.n);
	EXPECT_TRUE(memcmp(back.msg.p, "\x81\xa7healthy\xc3", 10) == 0);
	EXPECT_TRUE(back.has_content_length);
	EXPECT_EQ(10, back.content_length);
	EXPECT_TRUE(back.instance_id == NULL);
	inv_response_deinit(&back);
	mp_writer_deinit(&w);
}

TEST(response_error_shape)
{
	static const uint8_t want[] = "\x84\xa3msg\xc4\x00"
				      "\xad"
				      "invocation_id\xa2id"
				      "\xa5"
				      "error\xa4"
				      "boom"
				      "\xae"
				      "content_length\x00";
	inv_response r, back;
	mp_writer w;

	inv_response_init(&r);
	inv_response_set_error(&r, "id", "boom");
	mp_writer_init_default(&w, 1024);
	EXPECT_EQ(0, inv_response_encode(&r, &w, NULL));
	EXPECT_EQ(sizeof(want) - 1, w.n);
	EXPECT_TRUE(memcmp(w.p, want, sizeof(want) - 1) == 0);
	inv_response_init(&back);
	EXPECT_EQ(0, inv_response_decode(&back, w.p, w.n, NULL));
	EXPECT_STR("boom", back.error);
	EXPECT_EQ(0, back.msg.n);
	EXPECT_EQ(0, back.content_length);
	inv_response_deinit(&back);
	mp_writer_deinit(&w);
}

TEST(response_decode_accepts_otp_shapes)
{
	inv_response r;
	mp_writer w;

	/* OTP success: sorted keys, msg as str, instance_id. */
	mp_writer_init_default(&w, 1024);
	mp_write_map(&w, 4);
	mp_write_cstr(&w, "content_length");
	mp_write_uint(&w, 2);
	mp_write_cstr(&w, "instance_id");
	mp_write_cstr(&w, "3f1c9a52-8d0e-4b7a-9c61-0d2e5b7f4a13");
	mp_write_cstr(&w, "invocation_id");
	mp_write_cstr(&w, "x");
	mp_write_cstr(&w, "msg");
	mp_write_cstr(&w, "ok");
	inv_response_init(&r);
	EXPECT_EQ(0, inv_response_decode(&r, w.p, w.n, NULL));
	EXPECT_TRUE(r.error == NULL);
	EXPECT_EQ(2, r.msg.n);
	EXPECT_STR("3f1c9a52-8d0e-4b7a-9c61-0d2e5b7f4a13", r.instance_id);
	inv_response_deinit(&r);

	/* 0.62+ "not running": msg [] and no invocation_id. */
	mp_writer_reset(&w);
	mp_write_map(&w, 2);
	mp_write_cstr(&w, "error");
	mp_write_cstr(&w, "Invocation received for actor M that is not running");
	mp_write_cstr(&w, "msg");
	mp_write_array(&w, 0);
	inv_response_init(&r);
	EXPECT_EQ(0, inv_response_decode(&r, w.p, w.n, NULL));
	EXPECT_STR("Invocation received for actor M that is not running", r.error);
	EXPECT_STR("", r.invocation_id);
	EXPECT_EQ(0, r.msg.n);
	EXPECT_TRUE(!r.has_content_length);
	inv_response_deinit(&r);

	/* error: nil means success. */
	mp_writer_reset(&w);
	mp_write_map(&w, 2);
	mp_write_cstr(&w, "error");
	mp_write_nil(&w);
	mp_write_cstr(&w, "msg");
	mp_write_bin(&w, "z", 1);
	inv_response_init(&r);
	EXPECT_EQ(0, inv_response_decode(&r, w.p, w.n, NULL));
	EXPECT_TRUE(r.error == NULL);
	inv_response_deinit(&r);

	mp_writer_reset(&w);
	mp_write_array(&w, 0);
	inv_response_init(&r);
	EXPECT_EQ(ST_EMALFORMED, inv_response_decode(&r, w.p, w.n, NULL));
	inv_response_deinit(&r);
	mp_writer_deinit(&w);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
