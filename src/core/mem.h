/*
 * mem.h - every allocation in stratus goes through here.
 *
 * Two families:
 *  - x*: small internal allocations whose size we chose. They abort on OOM
 *    (like redis zmalloc, git xmalloc), so callers need no checks.
 *  - st_*: allocations whose size comes from a guest, the network or a file.
 *    They return NULL on failure and the caller fails with ST_ENOMEM.
 * Both families go through one counter so a test can make the N-th
 * allocation of the st_* family fail (st_alloc_fail_after).
 * Any thread.
 */
#ifndef STRATUS_CORE_MEM_H
#define STRATUS_CORE_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Duplicates n bytes of s and appends a NUL. */
char *xstrndup(const char *s, size_t n);

void *st_malloc(size_t n);
void *st_calloc(size_t count, size_t size);
/* On failure returns NULL and leaves p untouched. */
void *st_realloc(void *p, size_t n);
/* Frees memory from either family. NULL is a no-op. */
void st_free(void *p);

/*
 * Fault injection for tests: after n more successful st_* allocations, every
 * following one fails until st_alloc_fail_after(-1) resets it. Not
 * thread-safe against concurrent allocation; tests call it single-threaded.
 */
void st_alloc_fail_after(long n);

#endif
