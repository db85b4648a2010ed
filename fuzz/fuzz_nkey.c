/*
 * fuzz_nkey.c - libFuzzer target for the nkey decoders: the input is given
 * to nkey_from_public_text, nkey_from_seed_text and nkey_from_text. A key
 * that decodes must encode back to exactly the input (the text form is
 * canonical), or the target aborts: that is a finding too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base32.h"
#include "security/nkey.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char pub[NKEY_PUBLIC_LEN + 1], seed[NKEY_SEED_LEN + 1];
	uint8_t raw[64];
	st_err err;
	nkey k;

	if (nkey_from_public_text(&k, text, size, &err) == 0) {
		nkey_public_text(&k, pub);
		if (size != NKEY_PUBLIC_LEN || memcmp(pub, text, size) != 0)
			abort();
	}
	if (nkey_from_seed_text(&k, text, size, &err) == 0) {
		if (nkey_seed_text(&k, seed) != 0 || size != NKEY_SEED_LEN ||
		    memcmp(seed, text, size) != 0)
			abort();
		nkey_wipe(&k);
	}
	if (nkey_from_text(&k, text, size, &err) == 0)
		nkey_wipe(&k);
	if (size <= 100) {
		size_t n = 0;

		if (st_base32_decode(text, size, raw, sizeof(raw), &n, NULL) == 0) {
			char back[128];

			st_base32_encode(raw, n, back);
			if (strlen(back) != size || memcmp(back, text, size) != 0)
				abort();
		}
	}
	return 0;
}
