/*
 * idl_test_rt.c - the doubles of idl_test_rt.h: wc_alloc, wc_writer_init and
 * a recording wc_host_call for native tests of the generated bindings.
 */
#include "idl_test_rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

idl_host_call idl_calls[IDL_MAX_CALLS];
int idl_ncalls;

static void **blocks;
static size_t nblocks, used;
static int reply_ok = 1;
static uint8_t *reply;
static size_t reply_len;

void *wc_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	void **nb;

	if (!p)
		return NULL;
	nb = realloc(blocks, (nblocks + 1) * sizeof(*blocks));
	if (!nb) {
		free(p);
		return NULL;
	}
	blocks = nb;
	blocks[nblocks++] = p;
	used += n;
	return p;
}

void idl_arena_reset(void)
{
	for (size_t i = 0; i < nblocks; i++)
		free(blocks[i]);
	free(blocks);
	blocks = NULL;
	nblocks = 0;
	used = 0;
}

size_t idl_arena_used(void)
{
	return used;
}

/* The writer hook on the arena: each block starts with its size (8 bytes) so a resize can copy. */
static void *arena_realloc(void *p, size_t n, void *ud)
{
	uint8_t *blk;

	(void)ud;
	if (n == 0)
		return NULL;
	blk = wc_alloc(n + 8);
	if (!blk)
		return NULL;
	memcpy(blk, &n, sizeof(n));
	if (p) {
		size_t old;

		memcpy(&old, (uint8_t *)p - 8, sizeof(old));
		memcpy(blk + 8, p, old < n ? old : n);
	}
	return blk + 8;
}

void wc_writer_init(mp_writer *w, size_t max)
{
	mp_writer_init(w, max, arena_realloc, NULL);
}

void idl_host_reply(int ok, const void *p, size_t n)
{
	free(reply);
	reply = malloc(n ? n : 1);
	if (n)
		memcpy(reply, p, n);
	reply_len = n;
	reply_ok = ok;
}

void idl_host_reset(void)
{
	idl_ncalls = 0;
	memset(idl_calls, 0, sizeof(idl_calls));
}

int wc_host_call(const char *binding, const char *ns, const char *op, const void *msg, size_t len,
                 uint8_t **out, size_t *out_len)
{
	uint8_t *copy;

	if (idl_ncalls < IDL_MAX_CALLS) {
		idl_host_call *c = &idl_calls[idl_ncalls++];

		snprintf(c->binding, sizeof(c->binding), "%s", binding);
		snprintf(c->ns, sizeof(c->ns), "%s", ns);
		snprintf(c->op, sizeof(c->op), "%s", op);
		c->len = len;
		c->truncated = len > sizeof(c->msg);
		if (len)
			memcpy(c->msg, msg, c->truncated ? sizeof(c->msg) : len);
	}
	copy = wc_alloc(reply_len);
	if (reply_len)
		memcpy(copy, reply, reply_len);
	*out = copy;
	*out_len = reply_len;
	return reply_ok;
}
