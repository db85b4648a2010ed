/*
 * test_host.h - helpers shared by the host tests: reading the C test
 * actors built into STRATUS_TEST_ACTORS_DIR (tests/actors) and signing
 * them with fresh keys, as `stratus claims sign` would.
 */
#ifndef STRATUS_TESTS_TEST_HOST_H
#define STRATUS_TESTS_TEST_HOST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/mem.h"
#include "host/actor.h"
#include "security/claims.h"
#include "security/nkey.h"

#ifndef STRATUS_TEST_ACTORS_DIR
#error "the host tests need the test actors (tests/actors, a wasm32 clang)"
#endif

/* The unsigned bytes of test actor name ("echo" ...); aborts when missing. */
static inline void test_actor_raw(const char *name, st_buf *out)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.wasm", STRATUS_TEST_ACTORS_DIR, name);
	st_buf_init(out, 1 << 24);
	if (st_file_read(path, 1 << 24, out, NULL) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		abort();
	}
}

/*
 * Signs test actor name with a fresh account (its public key in issuer when
 * not NULL) and module key; adjust (optional) edits the claims first.
 */
static inline void test_sign(const uint8_t *wasm, size_t len, const char *name,
                             void (*adjust)(claims *c), st_buf *out,
                             char issuer[NKEY_PUBLIC_LEN + 1])
{
	nkey acct, mod;
	claims c;

	if (nkey_generate(&acct, NKEY_ACCOUNT, NULL) != 0 ||
	    nkey_generate(&mod, NKEY_MODULE, NULL) != 0)
		abort();
	claims_init(&c);
	claims_set_str(&c.name, name);
	claims_add_cap(&c, "wasmcloud:httpserver");
	if (adjust)
		adjust(&c);
	st_buf_init(out, 1 << 24);
	if (claims_module_sign(wasm, len, &c, &acct, &mod, out, NULL) != 0)
		abort();
	if (issuer)
		nkey_public_text(&acct, issuer);
	claims_deinit(&c);
}

/* test_sign over the bytes of test actor name. */
static inline void test_actor_signed(const char *name, void (*adjust)(claims *c), st_buf *out,
                                     char issuer[NKEY_PUBLIC_LEN + 1])
{
	st_buf raw;

	test_actor_raw(name, &raw);
	test_sign(raw.p, raw.n, name, adjust, out, issuer);
	st_buf_deinit(&raw);
}

/* Loads signed test actor name with cfg (NULL: defaults); aborts on failure. */
static inline actor *test_actor_load(const char *name, const actor_config *cfg)
{
	st_buf b;
	st_err err;
	actor *a = NULL;

	test_actor_signed(name, NULL, &b, NULL);
	if (actor_new(&a, b.p, b.n, cfg, &err) != 0) {
		fprintf(stderr, "actor_new(%s): %s\n", name, err.msg);
		abort();
	}
	st_buf_deinit(&b);
	return a;
}

/* The HttpServer.HandleRequest payload of actor-abi.md §12 (71 bytes). */
static const uint8_t test_http_request[] = {
	0x85, 0xa6, 'm',  'e', 't',  'h',  'o', 'd', 0xa3, 'G',  'E',  'T',  0xa4, 'p', 'a',
	't',  'h',  0xa8, '/', 'f',  'o',  'o', '/', 'b',  'a',  'r',  0xab, 'q',  'u', 'e',
	'r',  'y',  'S',  't', 'r',  'i',  'n', 'g', 0xa0, 0xa6, 'h',  'e',  'a',  'd', 'e',
	'r',  0x81, 0xa6, 'a', 'c',  'c',  'e', 'p', 't',  0x91, 0xa3, '*',  '/',  '*', 0xa4,
	'b',  'o',  'd',  'y', 0xc4, 0x05, 'h', 'e', 'l',  'l',  'o',
};

/* The 110-byte response of actor-abi.md §12, into out (st_buf_init'ed by the caller). */
static inline void test_http_response(st_buf *out)
{
	static const char head[] = "\x83\xaastatusCode\xcc\xc8\xa6header\x80\xa4"
				   "body\xc4\x51";
	static const char body[] =
		"{\"body\":[104,101,108,108,111],\"method\":\"GET\",\"path\":\"/foo/bar\","
		"\"query_string\":\"\"}";

	if (st_buf_append(out, head, sizeof(head) - 1) != 0 ||
	    st_buf_append(out, body, sizeof(body) - 1) != 0)
		abort();
}

#endif
