/*
 * mem.c - allocation wrappers: x* abort on OOM, st_* return NULL and can be
 * made to fail on purpose by tests (st_alloc_fail_after).
 */
#include "mem.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "banned.h"

/* Remaining successful st_* allocations before injected failures; -1 = off. */
static atomic_long fail_countdown = -1;

static ST_NORETURN void oom(size_t n)
{
	fprintf(stderr, "stratus: out of memory allocating %zu bytes\n", n);
	abort();
}

void st_alloc_fail_after(long n)
{
	atomic_store(&fail_countdown, n);
}

static int injected_failure(void)
{
	long left = atomic_load_explicit(&fail_countdown, memory_order_relaxed);

	if (left < 0)
		return 0;
	if (left == 0)
		return 1;
	atomic_fetch_sub(&fail_countdown, 1);
	return 0;
}

void *st_malloc(size_t n)
{
	if (injected_failure())
		return NULL;
	return malloc(n ? n : 1);
}

void *st_calloc(size_t count, size_t size)
{
	if (injected_failure())
		return NULL;
	if (count == 0 || size == 0)
		return calloc(1, 1);
	return calloc(count, size);
}

void *st_realloc(void *p, size_t n)
{
	if (injected_failure())
		return NULL;
	return realloc(p, n ? n : 1);
}

void st_free(void *p)
{
	free(p);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (!p)
		oom(count * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}
