/*
 * version.c - test actor for live updates, built twice with different
 * ACTOR_VERSION strings: "Version" answers the version after spinning for
 * the LE32 iteration count in the payload (so calls overlap an update).
 */
#include "wasmbus.h"

#ifndef ACTOR_VERSION
#define ACTOR_VERSION "0"
#endif

static int op_version(const uint8_t *req, size_t len)
{
	uint32_t want = len < 4 ? 0 :
	                          (uint32_t)req[0] | (uint32_t)req[1] << 8 |
	                                  (uint32_t)req[2] << 16 | (uint32_t)req[3] << 24;
	volatile uint32_t n = 0;

	while (n < want)
		n++;
	wasmbus_reply(ACTOR_VERSION, sizeof(ACTOR_VERSION) - 1);
	return WASMBUS_OK;
}

const wasmbus_op wasmbus_ops[] = {
	{ "Version", op_version },
	{ 0, 0 },
};
