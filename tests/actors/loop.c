/*
 * loop.c - test actor for deadlines: "Loop" never returns, "Spin" counts to
 * the LE32 number in the payload before answering "spun", "Echo" echoes.
 */
#include "wasmbus.h"

static int op_loop(const uint8_t *req, size_t len)
{
	volatile uint32_t n = 0;

	(void)req;
	(void)len;
	for (;;)
		n++;
}

static int op_spin(const uint8_t *req, size_t len)
{
	uint32_t want = len < 4 ? 0 :
	                          (uint32_t)req[0] | (uint32_t)req[1] << 8 |
	                                  (uint32_t)req[2] << 16 | (uint32_t)req[3] << 24;
	volatile uint32_t n = 0;

	while (n < want)
		n++;
	wasmbus_reply("spun", 4);
	return WASMBUS_OK;
}

static int op_echo(const uint8_t *req, size_t len)
{
	wasmbus_reply(req, len);
	return WASMBUS_OK;
}

const wasmbus_op wasmbus_ops[] = {
	{ "Loop", op_loop },
	{ "Spin", op_spin },
	{ "Echo", op_echo },
	{ 0, 0 },
};
