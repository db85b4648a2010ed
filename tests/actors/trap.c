/*
 * trap.c - test actor for failure paths: a trap (unreachable) on "Trap", an
 * out-of-bounds load on "Oob", a guest error on "Fail", an out-of-range
 * pointer handed to the host on "BadPtr", memory growth on "Grow", and an
 * echo of the payload on "Echo".
 */
#include "wasmbus.h"

__attribute__((import_module("wasmbus"), import_name("__guest_response"))) void raw_guest_response(
	uint32_t ptr, uint32_t len);

static uint32_t le32(const uint8_t *p, size_t len)
{
	return len < 4 ? 0 :
	                 (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	                         (uint32_t)p[3] << 24;
}

static int op_trap(const uint8_t *req, size_t len)
{
	(void)req;
	(void)len;
	__builtin_trap();
}

static int op_oob(const uint8_t *req, size_t len)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)0xfffffff0u;

	(void)req;
	(void)len;
	return *p;
}

static int op_fail(const uint8_t *req, size_t len)
{
	(void)req;
	(void)len;
	return wasmbus_fail("handler failed on purpose");
}

static int op_bad_ptr(const uint8_t *req, size_t len)
{
	(void)req;
	(void)len;
	raw_guest_response(0xffffff00u, 0x1000u);
	return WASMBUS_OK;
}

/* Grows memory by the LE32 page count in the payload; answers memory.grow's LE32 result. */
static int op_grow(const uint8_t *req, size_t len)
{
	int32_t r = (int32_t)__builtin_wasm_memory_grow(0, le32(req, len));
	uint8_t out[4] = { (uint8_t)r, (uint8_t)(r >> 8), (uint8_t)(r >> 16), (uint8_t)(r >> 24) };

	wasmbus_reply(out, 4);
	return WASMBUS_OK;
}

static int op_echo(const uint8_t *req, size_t len)
{
	wasmbus_reply(req, len);
	return WASMBUS_OK;
}

const wasmbus_op wasmbus_ops[] = {
	{ "Trap", op_trap },
	{ "Oob", op_oob },
	{ "Fail", op_fail },
	{ "BadPtr", op_bad_ptr },
	{ "Grow", op_grow },
	{ "Echo", op_echo },
	{ 0, 0 },
};
