/*
 * wc_rt.c - the runtime of wc_rt.h for actors: wc_alloc is the invocation
 * arena of wasmbus.c, wc_host_call is wasmbus_host_call, and writers made
 * by wc_writer_init allocate from the arena.
 *
 * The arena frees nothing, so a writer's hook gives each block a small
 * header holding its size; a resize then knows how many bytes to keep. A
 * block that is still the arena's most recent allocation grows in place
 * (wasmbus_grow), which is the common case of one writer at a time.
 */
#include "wc_rt.h"

#include "wasmbus.h"

#include "core/banned.h"

/* Bytes before each writer block: its size, padded to keep 8-byte alignment. */
#define BLK_HDR ((sizeof(size_t) + 7u) & ~(size_t)7u)

void *wc_alloc(size_t n)
{
	return wasmbus_alloc(n);
}

int wc_host_call(const char *binding, const char *ns, const char *op, const void *msg, size_t len,
                 uint8_t **out, size_t *out_len)
{
	return wasmbus_host_call(binding, ns, op, msg, len, out, out_len);
}

/* The mp_writer hook on the arena (see the file comment). Freeing does nothing. */
static void *arena_realloc(void *p, size_t n, void *ud)
{
	uint8_t *old = p ? (uint8_t *)p - BLK_HDR : NULL;
	size_t old_n = old ? *(size_t *)(void *)old : 0;
	uint8_t *blk;

	(void)ud;
	if (n == 0 || n > SIZE_MAX - BLK_HDR)
		return NULL;
	blk = wasmbus_grow(old, old ? BLK_HDR + old_n : 0, BLK_HDR + n);
	if (!blk)
		return NULL;
	*(size_t *)(void *)blk = n;
	return blk + BLK_HDR;
}

void wc_writer_init(mp_writer *w, size_t max)
{
	mp_writer_init(w, max, arena_realloc, NULL);
}
