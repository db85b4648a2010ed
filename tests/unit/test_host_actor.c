/*
 * test_host_actor.c - the actor ABI host side (src/host/actor.h) with the
 * real engine and the C test actors of tests/actors: the echo bytes of
 * actor-abi.md §12, claims refusals, traps, deadlines, memory caps, host
 * calls, console logging, waPC imports, WASI and the init sequence.
 */
#include "test.h"

#include <stdio.h>

#include "core/log.h"
#include "test_host.h"
#include "wasm/wm.h"
#include "core/banned.h"

/*
 * (module
 *   (import "wapc" "__guest_request" (func $req (param i32 i32)))
 *   (import "wapc" "__guest_response" (func $resp (param i32 i32)))
 *   (memory (export "memory") 1)
 *   (global $inits (mut i32) (i32.const 0))
 *   (func (export "wapc_init") (global.set $inits (i32.add (global.get $inits) (i32.const 1))))
 *   (func (export "__guest_call") (param $ol i32) (param $pl i32) (result i32)
 *     (call $req (i32.const 16) (i32.const 1024))
 *     (i32.store8 (i32.add (i32.const 16) (local.get $ol))
 *                 (i32.add (global.get $inits) (i32.const 48)))
 *     (call $resp (i32.const 16) (i32.add (local.get $ol) (i32.const 1)))
 *     (i32.const 1)))
 * answers the operation name followed by the digit of wapc_init calls.
 */
static const uint8_t wapc_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x03, 0x60, 0x02, 0x7f, 0x7f,
	0x00, 0x60, 0x00, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x02, 0x30, 0x02, 0x04, 0x77,
	0x61, 0x70, 0x63, 0x0f, 0x5f, 0x5f, 0x67, 0x75, 0x65, 0x73, 0x74, 0x5f, 0x72, 0x65, 0x71,
	0x75, 0x65, 0x73, 0x74, 0x00, 0x00, 0x04, 0x77, 0x61, 0x70, 0x63, 0x10, 0x5f, 0x5f, 0x67,
	0x75, 0x65, 0x73, 0x74, 0x5f, 0x72, 0x65, 0x73, 0x70, 0x6f, 0x6e, 0x73, 0x65, 0x00, 0x00,
	0x03, 0x03, 0x02, 0x01, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01,
	0x41, 0x00, 0x0b, 0x07, 0x25, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
	0x09, 0x77, 0x61, 0x70, 0x63, 0x5f, 0x69, 0x6e, 0x69, 0x74, 0x00, 0x02, 0x0c, 0x5f, 0x5f,
	0x67, 0x75, 0x65, 0x73, 0x74, 0x5f, 0x63, 0x61, 0x6c, 0x6c, 0x00, 0x03, 0x0a, 0x2d, 0x02,
	0x09, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x0b, 0x21, 0x00, 0x41, 0x10, 0x41,
	0x80, 0x08, 0x10, 0x00, 0x41, 0x10, 0x20, 0x00, 0x6a, 0x23, 0x00, 0x41, 0x30, 0x6a, 0x3a,
	0x00, 0x00, 0x41, 0x10, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x10, 0x01, 0x41, 0x01, 0x0b,
};

/*
 * (module
 *   (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
 *   (import "wasmbus" "__guest_response" (func $resp (param i32 i32)))
 *   (memory (export "memory") 1)
 *   (global $acc (mut i32) (i32.const 0))
 *   (func $step (param i32) (global.set $acc (i32.add (i32.mul (global.get $acc) (i32.const 10))
 *                                                     (local.get 0))))
 *   (func (export "__wasmbus_rpc_version") (result i32) (call $step (i32.const 9)) (i32.const 1))
 *   (func (export "_initialize") (call $step (i32.const 1)))
 *   (func (export "start") (call $step (i32.const 2)))
 *   (func (export "wapc_init") (call $step (i32.const 3)))
 *   (func (export "_start") (call $step (i32.const 4)))
 *   (data (i32.const 100) "hi")
 *   (func (export "__guest_call") (param i32 i32) (result i32)
 *     (i32.store (i32.const 200) (i32.const 100))
 *     (i32.store (i32.const 204) (i32.const 2))
 *     (i32.store (i32.const 300) (global.get $acc))
 *     (i32.store (i32.const 304) (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1)
 *                                                (i32.const 208)))
 *     (i32.store (i32.const 308) (i32.load (i32.const 208)))
 *     (call $resp (i32.const 300) (i32.const 12))
 *     (i32.const 1)))
 * answers the init order as digits, fd_write's errno and its byte count.
 */
static const uint8_t init_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x1f, 0x06, 0x60, 0x04, 0x7f, 0x7f,
	0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00,
	0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x02, 0x3e, 0x02, 0x16,
	0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70,
	0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74,
	0x65, 0x00, 0x00, 0x07, 0x77, 0x61, 0x73, 0x6d, 0x62, 0x75, 0x73, 0x10, 0x5f, 0x5f, 0x67,
	0x75, 0x65, 0x73, 0x74, 0x5f, 0x72, 0x65, 0x73, 0x70, 0x6f, 0x6e, 0x73, 0x65, 0x00, 0x01,
	0x03, 0x08, 0x07, 0x02, 0x03, 0x04, 0x04, 0x04, 0x04, 0x05, 0x05, 0x03, 0x01, 0x00, 0x01,
	0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x5c, 0x07, 0x06, 0x6d, 0x65, 0x6d,
	0x6f, 0x72, 0x79, 0x02, 0x00, 0x15, 0x5f, 0x5f, 0x77, 0x61, 0x73, 0x6d, 0x62, 0x75, 0x73,
	0x5f, 0x72, 0x70, 0x63, 0x5f, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x00, 0x03, 0x0b,
	0x5f, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x61, 0x6c, 0x69, 0x7a, 0x65, 0x00, 0x04, 0x05, 0x73,
	0x74, 0x61, 0x72, 0x74, 0x00, 0x05, 0x09, 0x77, 0x61, 0x70, 0x63, 0x5f, 0x69, 0x6e, 0x69,
	0x74, 0x00, 0x06, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x07, 0x0c, 0x5f, 0x5f,
	0x67, 0x75, 0x65, 0x73, 0x74, 0x5f, 0x63, 0x61, 0x6c, 0x6c, 0x00, 0x08, 0x0a, 0x76, 0x07,
	0x0c, 0x00, 0x23, 0x00, 0x41, 0x0a, 0x6c, 0x20, 0x00, 0x6a, 0x24, 0x00, 0x0b, 0x08, 0x00,
	0x41, 0x09, 0x10, 0x02, 0x41, 0x01, 0x0b, 0x06, 0x00, 0x41, 0x01, 0x10, 0x02, 0x0b, 0x06,
	0x00, 0x41, 0x02, 0x10, 0x02, 0x0b, 0x06, 0x00, 0x41, 0x03, 0x10, 0x02, 0x0b, 0x06, 0x00,
	0x41, 0x04, 0x10, 0x02, 0x0b, 0x42, 0x00, 0x41, 0xc8, 0x01, 0x41, 0xe4, 0x00, 0x36, 0x02,
	0x00, 0x41, 0xcc, 0x01, 0x41, 0x02, 0x36, 0x02, 0x00, 0x41, 0xac, 0x02, 0x23, 0x00, 0x36,
	0x02, 0x00, 0x41, 0xb0, 0x02, 0x41, 0x01, 0x41, 0xc8, 0x01, 0x41, 0x01, 0x41, 0xd0, 0x01,
	0x10, 0x00, 0x36, 0x02, 0x00, 0x41, 0xb4, 0x02, 0x41, 0xd0, 0x01, 0x28, 0x02, 0x00, 0x36,
	0x02, 0x00, 0x41, 0xac, 0x02, 0x41, 0x0c, 0x10, 0x01, 0x41, 0x01, 0x0b, 0x0b, 0x09, 0x01,
	0x00, 0x41, 0xe4, 0x00, 0x0b, 0x02, 0x68, 0x69,
};

/*
 * (module
 *   (import "wasmbus" "__nope" (func))
 *   (memory (export "memory") 1)
 *   (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))
 */
static const uint8_t unknown_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x00, 0x00,
	0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x02, 0x12, 0x01, 0x07, 0x77, 0x61, 0x73, 0x6d,
	0x62, 0x75, 0x73, 0x06, 0x5f, 0x5f, 0x6e, 0x6f, 0x70, 0x65, 0x00, 0x00, 0x03, 0x02,
	0x01, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x19, 0x02, 0x06, 0x6d, 0x65, 0x6d,
	0x6f, 0x72, 0x79, 0x02, 0x00, 0x0c, 0x5f, 0x5f, 0x67, 0x75, 0x65, 0x73, 0x74, 0x5f,
	0x63, 0x61, 0x6c, 0x6c, 0x00, 0x01, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x0b,
};

static wm_exec *new_exec(void)
{
	wm_exec *x = NULL;

	if (wm_exec_new(&x, 0, 0, NULL) != 0)
		abort();
	return x;
}

static actor_instance *new_instance(actor *a, wm_exec *x)
{
	actor_instance *ai = NULL;
	st_err err;

	if (actor_instance_new(&ai, a, x, &err) != 0) {
		fprintf(stderr, "actor_instance_new: %s\n", err.msg);
		abort();
	}
	return ai;
}

static int invoke(actor_instance *ai, wm_exec *x, const char *op, const void *msg, size_t len,
                  actor_reply *r, st_err *err)
{
	return actor_instance_invoke(ai, x, op, strlen(op), msg, len, 0, r, err);
}

static bool reply_is(const actor_reply *r, const char *text)
{
	return r->len == strlen(text) && (r->len == 0 || memcmp(r->data, text, r->len) == 0);
}

/* Loads signed bytes; returns actor_new's code and its message in err. */
static int load(const st_buf *signed_mod, const actor_config *cfg, actor **a, st_err *err)
{
	st_err_clear(err);
	return actor_new(a, signed_mod->p, signed_mod->n, cfg, err);
}

TEST(echo_answers_with_the_exact_bytes_of_the_spec)
{
	actor *a = test_actor_load("echo", NULL);
	wm_exec *x = new_exec();
	actor_instance *ai = new_instance(a, x);
	actor_reply r;
	st_buf want;
	st_err err;

	st_buf_init(&want, 1024);
	test_http_response(&want);
	EXPECT_EQ(110, want.n);
	for (int round = 0; round < 3; round++) {
		EXPECT_EQ(0, invoke(ai, x, "HttpServer.HandleRequest", test_http_request,
		                    sizeof(test_http_request), &r, &err));
		EXPECT_TRUE(r.ok);
		EXPECT_EQ(110, r.len);
		EXPECT_TRUE(r.len == want.n && memcmp(r.data, want.p, want.n) == 0);
	}
	EXPECT_EQ(0, invoke(ai, x, "Actor.HealthRequest", "\x80", 1, &r, &err));
	EXPECT_TRUE(r.ok && reply_is(&r, "\x81\xa7healthy\xc3"));
	EXPECT_EQ(1, actor_instance_api_version(ai));
	EXPECT_EQ('M', actor_id(a)[0]);
	EXPECT_STR("echo", actor_claims(a)->name);
	EXPECT_TRUE(!actor_uses_wasi(a));
	st_buf_deinit(&want);
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
}

TEST(echo_escapes_json_and_handles_a_large_body)
{
	/* method "P\"T", path "/a\\b\n", queryString "q=1", body of 300 bytes of 'A' */
	static const char want_head[] = "{\"body\":[65,65,";
	static const char want_tail[] = "65],\"method\":\"P\\\"T\",\"path\":\"/a\\\\b\\n\","
					"\"query_string\":\"q=1\"}";
	actor *a = test_actor_load("echo", NULL);
	wm_exec *x = new_exec();
	actor_instance *ai = new_instance(a, x);
	uint8_t req[512], *p = req;
	actor_reply r;
	st_err err;
	size_t body_at, body_len;

	*p++ = 0x84;
	memcpy(p, "\xa6method\xa3P\"T", 11);
	p += 11;
	memcpy(p, "\xa4path\xa5/a\\b\n", 11);
	p += 11;
	memcpy(p, "\xabqueryString\xa3q=1", 16);
	p += 16;
	memcpy(p,
	       "\xa4"
	       "body\xc5\x01\x2c",
	       8);
	p += 8;
	memset(p, 'A', 300);
	p += 300;
	EXPECT_EQ(0, invoke(ai, x, "HttpServer.HandleRequest", req, (size_t)(p - req), &r, &err));
	EXPECT_TRUE(r.ok);
	/* 27 bytes up to "body", then bin16 (c5 + 2 bytes): the JSON passes 255 bytes */
	EXPECT_TRUE(r.len > 30);
	EXPECT_EQ(0xc5, r.data[27]);
	body_len = (size_t)r.data[28] << 8 | r.data[29];
	body_at = 30;
	EXPECT_EQ(r.len, body_at + body_len);
	EXPECT_TRUE(memcmp(r.data + body_at, want_head, sizeof(want_head) - 1) == 0);
	EXPECT_TRUE(memcmp(r.data + r.len - (sizeof(want_tail) - 1), want_tail,
	                   sizeof(want_tail) - 1) == 0);
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
}

TEST(unsigned_module_is_refused)
{
	st_buf raw;
	st_err err;
	actor *a = NULL;

	test_actor_raw("echo", &raw);
	EXPECT_EQ(ST_ENOTFOUND, actor_new(&a, raw.p, raw.n, NULL, &err));
	EXPECT_STR("No claims found in source module", err.msg);
	EXPECT_TRUE(a == NULL);
	st_buf_deinit(&raw);
}

TEST(tampered_module_is_refused)
{
	st_buf b;
	st_err err;
	actor *a = NULL;

	/* Any changed byte before the token: the module no longer loads. */
	test_actor_signed("echo", NULL, &b, NULL);
	EXPECT_EQ(0, load(&b, NULL, &a, &err));
	actor_unref(a);
	a = NULL;
	b.p[b.n / 3] ^= 0x01; /* well inside the module, before the token at the end */
	EXPECT_TRUE(load(&b, NULL, &a, &err) < 0);
	EXPECT_TRUE(a == NULL);
	st_buf_deinit(&b);

	/* A changed signature character. */
	test_actor_signed("echo", NULL, &b, NULL);
	b.p[b.n - 20] = b.p[b.n - 20] == 'A' ? 'B' : 'A';
	EXPECT_EQ(ST_EINVALID, load(&b, NULL, &a, &err));
	EXPECT_STR("Invalid signature on module token", err.msg);
	st_buf_deinit(&b);
}

TEST(module_with_changed_code_reports_the_hash_mismatch)
{
	st_buf b, raw;
	st_err err;
	actor *a = NULL;
	size_t i;

	/* Change one byte of the data section's text, which still decodes. */
	test_actor_raw("echo", &raw);
	for (i = 0; i + 10 < raw.n; i++) {
		if (memcmp(raw.p + i, "statusCode", 10) == 0)
			break;
	}
	EXPECT_TRUE(i + 10 < raw.n);
	test_sign(raw.p, raw.n, "echo", NULL, &b, NULL);
	for (i = 0; i + 10 < b.n; i++) {
		if (memcmp(b.p + i, "statusCode", 10) == 0)
			break;
	}
	b.p[i] = 'S';
	EXPECT_EQ(ST_EINVALID, load(&b, NULL, &a, &err));
	EXPECT_TRUE(strncmp(err.msg, "Invalid module hash", 19) == 0);
	st_buf_deinit(&b);
	st_buf_deinit(&raw);
}

static void expired(claims *c)
{
	c->has_exp = true;
	c->exp = (int64_t)time(NULL) - 60;
}

static void not_yet(claims *c)
{
	c->has_nbf = true;
	c->nbf = (int64_t)time(NULL) + 3600;
}

TEST(expired_or_premature_claims_are_refused)
{
	st_buf b;
	st_err err;
	actor *a = NULL;

	test_actor_signed("echo", expired, &b, NULL);
	EXPECT_EQ(ST_EINVALID, load(&b, NULL, &a, &err));
	EXPECT_STR("Claims token expired", err.msg);
	st_buf_deinit(&b);
	test_actor_signed("echo", not_yet, &b, NULL);
	EXPECT_EQ(ST_EINVALID, load(&b, NULL, &a, &err));
	EXPECT_STR("Claims token cannot be used yet", err.msg);
	st_buf_deinit(&b);
}

TEST(issuer_allow_list_is_applied)
{
	char issuer[NKEY_PUBLIC_LEN + 1], other[NKEY_PUBLIC_LEN + 1];
	const char *allowed[2] = { NULL, NULL };
	actor_config cfg;
	st_buf b, b2;
	st_err err;
	actor *a = NULL;

	test_actor_signed("echo", NULL, &b, issuer);
	test_actor_signed("trap", NULL, &b2, other);
	actor_config_init(&cfg);
	cfg.allowed_issuers = allowed;
	allowed[0] = issuer;
	EXPECT_EQ(0, load(&b, &cfg, &a, &err));
	actor_unref(a);
	a = NULL;
	EXPECT_EQ(ST_EINVALID, load(&b2, &cfg, &a, &err));
	EXPECT_EQ(CLAIMS_ERR_ISSUER, err.kind);
	EXPECT_TRUE(a == NULL);
	st_buf_deinit(&b);
	st_buf_deinit(&b2);
}

TEST(trap_fails_the_call_and_kills_the_instance)
{
	static const char prefix[] = ACTOR_TRAP_PREFIX;
	actor *a = test_actor_load("trap", NULL);
	wm_exec *x = new_exec();
	actor_instance *ai = new_instance(a, x);
	actor_reply r;
	st_err err;

	EXPECT_EQ(0, invoke(ai, x, "Echo", "abc", 3, &r, &err));
	EXPECT_TRUE(r.ok && reply_is(&r, "abc"));
	EXPECT_EQ(ST_ETRAP, invoke(ai, x, "Trap", "", 0, &r, &err));
	EXPECT_EQ(WM_TRAP_UNREACHABLE, err.kind);
	EXPECT_TRUE(!r.ok);
	EXPECT_TRUE(r.len > sizeof(prefix) - 1 && memcmp(r.data, prefix, sizeof(prefix) - 1) == 0);
	EXPECT_TRUE(actor_instance_dead(ai));
	EXPECT_EQ(ST_ESTATE, invoke(ai, x, "Echo", "abc", 3, &r, &err));
	actor_instance_free(ai);

	/* A fresh instance of the same actor answers; x is reusable after a trap. */
	ai = new_instance(a, x);
	EXPECT_EQ(0, invoke(ai, x, "Echo", "xyz", 3, &r, &err));
	EXPECT_TRUE(r.ok && reply_is(&r, "xyz"));
	EXPECT_EQ(ST_ETRAP, invoke(ai, x, "Oob", "", 0, &r, &err));
	EXPECT_EQ(WM_TRAP_MEMORY_OOB, err.kind);
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
}

TEST(guest_errors_are_answers_not_traps)
{
	actor *a = test_actor_load("trap", NULL);
	wm_exec *x = new_exec();
	actor_instance *ai = new_instance(a, x);
	actor_reply r;
	st_err err;

	EXPECT_EQ(0, invoke(ai, x, "Fail", "", 0, &r, &err));
	EXPECT_TRUE(!r.ok && reply_is(&r, "handler failed on purpose"));
	EXPECT_EQ(0, invoke(ai, x, "Nope", "", 0, &r, &err));
	EXPECT_TRUE(!r.ok && reply_is(&r, "No handler registered for function \"Nope\""));
	/* Per-invocation slots are cleared: a success after an error has no error. */
	EXPECT_EQ(0, invoke(ai, x, "Echo", "", 0, &r, &err));
	EXPECT_TRUE(r.ok && r.len == 0);
	EXPECT_TRUE(!actor_instance_dead(ai));
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
}

TEST(out_of_range_guest_pointer_traps)
{
	actor *a = test_actor_load("trap", NULL);
	wm_exec *x = new_exec();
	actor_instance *ai = new_instance(a, x);
	actor_reply r;
	st_err err;

	EXPECT_EQ(ST_ETRAP, invoke(ai, x, "BadPtr", "", 0, &r, &err));
	EXPECT_EQ(WM_TRAP_MEMORY_OOB, err.kind);
	EXPECT_TRUE(actor_instance_dead(ai));
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
}

static int32_t grow(actor_instance *ai, wm_exec *x, uint32_t pages)
{
	uint8_t le[4] = { (uint8_t)pages, (uint8_t)(pages >> 8), (uint8_t)(pages >> 16),
		          (uint8_t)(pages >> 24) };
	actor_reply r;
	st_err err;

	if (invoke(ai, x, "Grow", le, 4, &r, &err) != 0 || !r.ok || r.len != 4)
		return -2;
	return (int32_t)((uint32_t)r.data[0] | (uint32_t)r.data[1] << 8 |
	                 (uint32_t)r.data[2] << 16 | (uint32_t)r.data[3] << 24);
}

TEST(memory_growth_is_capped_per_instance)
{
	actor_config cfg;
	actor *a;
	wm_exec *x = new_exec();
	actor_instance *ai;
	int32_t first;

	actor_config_init(&cfg);
	cfg.max_pages = 8;
	a = test_actor_load("trap", &cfg);
	ai = new_instance(a, x);
	first = grow(ai, x, 0);
	EXPECT_TRUE(first >= 1 && first < 8);
	EXPECT_EQ(-1, grow(ai, x, (uint32_t)(9 - first)));
	EXPECT_EQ(first, grow(ai, x, (uint32_t)(8 - first)));
	EXPECT_EQ(8, grow(ai, x, 0));
	EXPECT_EQ(-1, grow(ai, x, 1));
	actor_instance_free(ai);
	actor_unref(a);

	/* Without the cap the same growth succeeds. */
	a = test_actor_load("trap", NULL);
	ai = new_instance(a, x);
	EXPECT_EQ(first, grow(ai, x, 100));
	actor_instance_free(ai);
	actor_unref(a);

	/* An initial memory above the cap is refused at instantiation. */
	cfg.max_pages = 1;
	a = test_actor_load("echo", &cfg);
	{
		actor_instance *none = NULL;
		st_err err;

		EXPECT_EQ(ST_ETOOBIG, actor_instance_new(&none, a, x, &err));
		EXPECT_TRUE(none == NULL);
	}
	actor_unref(a);
	wm_exec_free(x);
}

TEST(deadline_interrupts_an_infinite_loop)
{
	actor *a = test_actor_load("loop", NULL);
	wm_exec *x = new_exec();
	actor_instance *ai = new_instance(a, x);
	actor_reply r;
	st_err err;

	EXPECT_EQ(ST_ETRAP, actor_instance_invoke(ai, x, "Loop", 4, NULL, 0,
	                                          actor_now_ns() + 100000000u, &r, &err));
	EXPECT_EQ(WM_TRAP_INTERRUPTED, err.kind);
	EXPECT_TRUE(actor_instance_dead(ai));
	actor_instance_free(ai);

	/* The deadline does not leak into the next call on the same context. */
	ai = new_instance(a, x);
	EXPECT_EQ(0, actor_instance_invoke(ai, x, "Spin", 4, (const uint8_t *)"\x40\x42\x0f\x00", 4,
	                                   0, &r, &err));
	EXPECT_TRUE(r.ok && reply_is(&r, "spun"));
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
}

/* What the host-call callback saw, and what it answers. */
typedef struct hc_state {
	int calls;
	char binding[64], ns[64], op[64];
	uint8_t payload[64];
	size_t payload_len;
	bool fail;
	const char *answer;
	const actor *caller;
} hc_state;

static void copy_str(char *dst, size_t cap, st_slice s)
{
	size_t n = s.n < cap - 1 ? s.n : cap - 1;

	memcpy(dst, s.p, n);
	dst[n] = 0;
}

static int host_call_cb(const actor_host_call *call, st_buf *out, void *ud)
{
	hc_state *st = ud;

	st->calls++;
	st->caller = call->caller;
	copy_str(st->binding, sizeof(st->binding), call->binding);
	copy_str(st->ns, sizeof(st->ns), call->ns);
	copy_str(st->op, sizeof(st->op), call->operation);
	st->payload_len = call->payload.n < sizeof(st->payload) ? call->payload.n : 0;
	if (st->payload_len)
		memcpy(st->payload, call->payload.p, st->payload_len);
	if (st_buf_append(out, st->answer, strlen(st->answer)) != 0)
		abort();
	return st->fail ? -1 : 0;
}

/* The "Call" payload: binding, ns, op (NUL-terminated) and the message. */
static size_t call_payload(uint8_t *buf, const char *bd, const char *ns, const char *op,
                           const void *msg, size_t len)
{
	size_t n = 0;

	memcpy(buf + n, bd, strlen(bd) + 1);
	n += strlen(bd) + 1;
	memcpy(buf + n, ns, strlen(ns) + 1);
	n += strlen(ns) + 1;
	memcpy(buf + n, op, strlen(op) + 1);
	n += strlen(op) + 1;
	memcpy(buf + n, msg, len);
	return n + len;
}

TEST(host_call_passes_every_field_and_returns_the_reply)
{
	hc_state st = { 0 };
	actor_config cfg;
	actor *a;
	wm_exec *x = new_exec();
	actor_instance *ai;
	uint8_t buf[256];
	size_t n;
	actor_reply r;
	st_err err;

	actor_config_init(&cfg);
	cfg.host_call = host_call_cb;
	cfg.host_call_ud = &st;
	a = test_actor_load("hostcall", &cfg);
	ai = new_instance(a, x);

	st.answer = "\x81\xa1k\xa1v";
	n = call_payload(buf, "default", "wasmcloud:keyvalue", "KeyValue.Get", "\xa3key", 4);
	EXPECT_EQ(0, invoke(ai, x, "Call", buf, n, &r, &err));
	EXPECT_TRUE(r.ok && reply_is(&r, "\x81\xa1k\xa1v"));
	EXPECT_EQ(1, st.calls);
	EXPECT_STR("default", st.binding);
	EXPECT_STR("wasmcloud:keyvalue", st.ns);
	EXPECT_STR("KeyValue.Get", st.op);
	EXPECT_EQ(4, st.payload_len);
	EXPECT_TRUE(memcmp(st.payload, "\xa3key", 4) == 0);
	EXPECT_TRUE(st.caller == a);

	/* Failure: the guest gets rc 0 and the error text through __host_error. */
	st.fail = true;
	st.answer = "Call alias not found: wasmcloud/nobody on default";
	n = call_payload(buf, "", "wasmcloud/nobody", "Pingpong.Ping", "", 0);
	EXPECT_EQ(0, invoke(ai, x, "Call", buf, n, &r, &err));
	EXPECT_TRUE(!r.ok &&
	            reply_is(&r, "Host error: Call alias not found: wasmcloud/nobody on default"));
	EXPECT_STR("", st.binding);
	EXPECT_EQ(0, st.payload_len);

	/* An empty success after a failure within one invocation: no stale state. */
	st.fail = false;
	st.answer = "";
	EXPECT_EQ(0, invoke(ai, x, "CallTwice", buf, n, &r, &err));
	EXPECT_TRUE(r.ok && r.len == 0);
	actor_instance_free(ai);
	actor_unref(a);
	wm_exec_free(x);
}

TEST(host_call_without_a_handler_fails_cleanly)
{
	actor *a = test_actor_load("hostcall", NULL);
	wm_exec *x = new_exec();
	actor_instance *ai = new_instance(a, x);
	uint8_t buf[128];
	size_t n = call_payload(buf, "default", "wasmcloud:builtin:numbergen",
	                        "NumberGen.GenerateGuid", "", 0);
	actor_reply r;
	st_err err;

	EXPECT_EQ(0, invoke(ai, x, "Call", buf, n, &r, &err));
	EXPECT_TRUE(!r.ok);
	EXPECT_TRUE(r.len > 12 && memcmp(r.data, "Host error: ", 12) == 0);
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
}

TEST(console_log_goes_to_the_logger)
{
	FILE *f = tmpfile();
	actor *a = test_actor_load("hostcall", NULL);
	wm_exec *x = new_exec();
	actor_instance *ai = new_instance(a, x);
	char line[512] = { 0 };
	actor_reply r;
	st_err err;
	size_t n;

	st_log_set_output(f);
	EXPECT_EQ(0, invoke(ai, x, "Log", "hello from the guest", 20, &r, &err));
	EXPECT_TRUE(r.ok);
	st_log_set_output(NULL);
	rewind(f);
	n = fread(line, 1, sizeof(line) - 1, f);
	line[n] = 0;
	EXPECT_TRUE(strstr(line, "Log from guest (non-actor): hello from the guest") != NULL);
	fclose(f);
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
}

TEST(wapc_imports_and_wapc_init_are_supported)
{
	st_buf b;
	st_err err;
	actor *a = NULL;
	wm_exec *x = new_exec();
	actor_instance *ai;
	actor_reply r;

	test_sign(wapc_wasm, sizeof(wapc_wasm), "wapc", NULL, &b, NULL);
	EXPECT_EQ(0, load(&b, NULL, &a, &err));
	ai = new_instance(a, x);
	EXPECT_EQ(0, actor_instance_api_version(ai));
	EXPECT_EQ(0, invoke(ai, x, "echo_op", "payload", 7, &r, &err));
	EXPECT_TRUE(r.ok && reply_is(&r, "echo_op1"));
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
	st_buf_deinit(&b);
}

TEST(init_exports_run_in_order_and_wasi_is_provided)
{
	st_buf b;
	st_err err;
	actor *a = NULL;
	wm_exec *x = new_exec();
	actor_instance *ai;
	actor_reply r;
	uint32_t v[3];

	test_sign(init_wasm, sizeof(init_wasm), "init", NULL, &b, NULL);
	EXPECT_EQ(0, load(&b, NULL, &a, &err));
	EXPECT_TRUE(actor_uses_wasi(a));
	ai = new_instance(a, x);
	EXPECT_EQ(1, actor_instance_api_version(ai));
	EXPECT_EQ(0, invoke(ai, x, "Any", "", 0, &r, &err));
	EXPECT_TRUE(r.ok);
	EXPECT_EQ(12, r.len);
	memcpy(v, r.data, sizeof(v)); /* little-endian host */
	EXPECT_EQ(91234, v[0]);       /* version probe, _initialize, start, wapc_init, _start */
	EXPECT_EQ(0, v[1]);           /* fd_write to stdout succeeded ... */
	EXPECT_EQ(2, v[2]);           /* ... and took both bytes (discarded) */
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
	st_buf_deinit(&b);
}

TEST(unknown_import_is_refused_at_instantiation)
{
	st_buf b;
	st_err err;
	actor *a = NULL;
	wm_exec *x = new_exec();
	actor_instance *ai = NULL;

	test_sign(unknown_wasm, sizeof(unknown_wasm), "unknown", NULL, &b, NULL);
	EXPECT_EQ(0, load(&b, NULL, &a, &err));
	EXPECT_EQ(ST_EUNLINKABLE, actor_instance_new(&ai, a, x, &err));
	EXPECT_TRUE(strstr(err.msg, "__nope") != NULL);
	wm_exec_free(x);
	actor_unref(a);
	st_buf_deinit(&b);
}

/*
 * The real wasmCloud echo actor, when STRATUS_ECHO_FIXTURE names it (kept
 * out of the repository): it must answer §12's request with §12's bytes.
 */
TEST(wasmcloud_echo_fixture_answers_the_spec_bytes)
{
	const char *path = getenv("STRATUS_ECHO_FIXTURE");
	actor *a = NULL;
	wm_exec *x;
	actor_instance *ai;
	actor_reply r;
	st_buf mod, want;
	st_err err;

	if (!path || !*path) {
		printf("  (skipped: STRATUS_ECHO_FIXTURE not set)\n");
		return;
	}
	st_buf_init(&mod, 1 << 26);
	EXPECT_EQ(0, st_file_read(path, 1 << 26, &mod, &err));
	EXPECT_EQ(0, actor_new(&a, mod.p, mod.n, NULL, &err));
	if (!a) {
		fprintf(stderr, "  actor_new: %s\n", err.msg);
		return;
	}
	x = new_exec();
	ai = new_instance(a, x);
	EXPECT_EQ(1, actor_instance_api_version(ai));
	st_buf_init(&want, 1024);
	test_http_response(&want);
	for (int round = 0; round < 3; round++) {
		EXPECT_EQ(0, invoke(ai, x, "HttpServer.HandleRequest", test_http_request,
		                    sizeof(test_http_request), &r, &err));
		EXPECT_TRUE(r.ok);
		EXPECT_EQ(110, r.len);
		EXPECT_TRUE(r.len == want.n && memcmp(r.data, want.p, want.n) == 0);
	}
	EXPECT_EQ(0, invoke(ai, x, "Actor.HealthRequest", "\x80", 1, &r, &err));
	EXPECT_TRUE(r.ok && reply_is(&r, "\x81\xa7healthy\xc3"));
	EXPECT_EQ(0, invoke(ai, x, "HttpServer.Foo", "", 0, &r, &err));
	EXPECT_TRUE(!r.ok &&
	            reply_is(&r, "Guest call failed for method HttpServer.Foo: method not handled "
	                         "HttpServer::Foo"));
	st_buf_deinit(&want);
	st_buf_deinit(&mod);
	actor_instance_free(ai);
	wm_exec_free(x);
	actor_unref(a);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
