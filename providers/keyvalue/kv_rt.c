/*
 * kv_rt.c - wc_rt.h for a native, multi-threaded provider (see kv_rt.h).
 *
 * The arena is a per-thread list of blocks from st_malloc (so allocation
 * fault injection applies), freed together by kv_rt_reset. Each block
 * starts with a header holding the list link and the block's size, which
 * also lets a writer's resize copy the old bytes. Headers are 16 bytes, so
 * every pointer handed out keeps malloc's alignment.
 */
#include "kv_rt.h"

#include <stdint.h>
#include <string.h>

#include "codec/msgpack.h"
#include "core/mem.h"
#include "wc_rt.h"
#include "core/banned.h"

/* A block's header; the caller's bytes follow it. */
typedef struct blk {
	struct blk *next; /* the next older block of the same thread */
	size_t n;         /* bytes the caller asked for */
} blk;

#define BLK_HDR ((sizeof(blk) + 15u) & ~(size_t)15u)

/* The calling thread's blocks (newest first) and their total size. */
static _Thread_local blk *arena;
static _Thread_local size_t arena_used;

void *wc_alloc(size_t n)
{
	blk *b;

	if (n > SIZE_MAX - BLK_HDR)
		return NULL;
	b = st_malloc(BLK_HDR + (n ? n : 1));
	if (!b)
		return NULL;
	b->next = arena;
	b->n = n;
	arena = b;
	arena_used += n;
	return (uint8_t *)b + BLK_HDR;
}

void kv_rt_reset(void)
{
	while (arena) {
		blk *b = arena;

		arena = b->next;
		st_free(b);
	}
	arena_used = 0;
}

size_t kv_rt_used(void)
{
	return arena_used;
}

/* The writer hook on the arena: grows by copying; freeing waits for the reset. */
static void *arena_realloc(void *p, size_t n, void *ud)
{
	uint8_t *q;

	(void)ud;
	if (n == 0)
		return NULL;
	q = wc_alloc(n);
	if (q && p) {
		const blk *old = (const blk *)(const void *)((uint8_t *)p - BLK_HDR);

		memcpy(q, p, old->n < n ? old->n : n);
	}
	return q;
}

void wc_writer_init(mp_writer *w, size_t max)
{
	mp_writer_init(w, max, arena_realloc, NULL);
}

int wc_host_call(const char *binding, const char *ns, const char *op, const void *msg, size_t len,
                 uint8_t **out, size_t *out_len)
{
	static const char text[] = "a capability provider cannot call its host";
	uint8_t *e = wc_alloc(sizeof(text) - 1);

	(void)binding;
	(void)ns;
	(void)op;
	(void)msg;
	(void)len;
	if (e)
		memcpy(e, text, sizeof(text) - 1);
	*out = e;
	*out_len = e ? sizeof(text) - 1 : 0;
	return 0;
}
