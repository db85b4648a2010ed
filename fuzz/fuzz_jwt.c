/*
 * fuzz_jwt.c - libFuzzer target for the claims parsers: the input is taken
 * as a token for jwt_decode and claims_decode (with and without signature
 * verification) and for claims_invocation_verify; when it starts with the
 * wasm magic it is also walked as a module by claims_module_extract, _hash
 * and _verify. Every result is an expected outcome; only a sanitizer
 * report, a crash or a leak is a finding. A token that decodes must
 * re-encode (the encoder must accept whatever the decoder produced).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "security/claims.h"
#include "security/jwt.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static nkey signer(void)
{
	static nkey k;
	static int ready;

	if (!ready) {
		uint8_t seed[NKEY_SEED_BYTES] = { 0 };

		if (nkey_from_seed(&k, NKEY_ACCOUNT, seed, NULL) != 0)
			abort();
		ready = 1;
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const issuers[] = {
		"CAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3R53J", NULL
	};
	const char *tok = (const char *)data;
	json_t *j = NULL;
	claims c;
	st_err err;

	if (jwt_decode(tok, size, false, &j, &err) == 0)
		json_decref(j);
	(void)jwt_decode(tok, size, true, NULL, &err);
	claims_init(&c);
	if (claims_decode(tok, size, false, &c, &err) == 0) {
		nkey k = signer();
		char *again = NULL;

		/* Re-sign under our key; the issuer must then be ours. */
		claims_set_str(&c.iss, NULL);
		if (claims_encode(&c, &k, &again, &err) != 0)
			abort();
		st_free(again);
	}
	(void)claims_decode(tok, size, true, &c, &err);
	claims_deinit(&c);
	{
		claims_invocation inv = { .id = "id",
			                  .origin = { "MX", "", "" },
			                  .target = { "VX", "a:b", "default" },
			                  .operation = "Op.Do",
			                  .payload = data,
			                  .len = size,
			                  .host_id = "N" };

		(void)claims_invocation_verify(&inv, tok, size, issuers, 0, NULL, &err);
	}
	if (size >= 4 && memcmp(data, "\0asm", 4) == 0) {
		char hash[CLAIMS_HASH_LEN + 1], *t = NULL;
		claims_module_report rep;

		(void)claims_module_hash(data, size, hash, &err);
		if (claims_module_extract(data, size, &t, NULL, &err) == 0)
			st_free(t);
		claims_init(&c);
		(void)claims_module_verify(data, size, NULL, 0, &c, &rep, &err);
		claims_deinit(&c);
	}
	return 0;
}
