/*
 * wasmbus.c - guest side of the actor ABI: the __guest_call export, the
 * nine wasmbus imports, a bump arena reset per invocation, and (when
 * freestanding) the few libc routines the compiler may call.
 *
 * Freestanding, the arena starts at the linker's __heap_base and grows
 * linear memory with memory.grow. Against wasi-libc (a hosted build) it
 * takes 64 KiB chunks from malloc instead, so that it never fights libc's
 * allocator for the same memory, and frees them at the next invocation.
 * Either way nothing is freed inside one invocation, and the most recent
 * allocation can grow in place (wasmbus_grow), which suits writers.
 */
#include "wasmbus.h"

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#define WASMBUS_HOSTED 1
#include <stdlib.h>
#else
#define WASMBUS_HOSTED 0
#endif

#define IMPORT(name) __attribute__((import_module("wasmbus"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IMPORT("__guest_request") void wasmbus_imp_guest_request(uint8_t *op, uint8_t *msg);
IMPORT("__guest_response") void wasmbus_imp_guest_response(const uint8_t *p, size_t len);
IMPORT("__guest_error") void wasmbus_imp_guest_error(const uint8_t *p, size_t len);
IMPORT("__host_call")
int wasmbus_imp_host_call(const char *bd, size_t bd_len, const char *ns, size_t ns_len,
                          const char *op, size_t op_len, const uint8_t *msg, size_t len);
IMPORT("__host_response_len") size_t wasmbus_imp_host_response_len(void);
IMPORT("__host_response") void wasmbus_imp_host_response(uint8_t *p);
IMPORT("__host_error_len") size_t wasmbus_imp_host_error_len(void);
IMPORT("__host_error") void wasmbus_imp_host_error(uint8_t *p);
IMPORT("__console_log") void wasmbus_imp_console_log(const char *p, size_t len);

#define ALIGN8(x) (((x) + 7u) & ~(uintptr_t)7u)

#if WASMBUS_HOSTED

/* One malloc'ed block of the arena; its bytes follow the header. */
typedef struct chunk {
	struct chunk *next; /* the chunk allocated before this one */
	size_t cap;         /* bytes after the header */
	size_t used;        /* bytes handed out, alignment padding included */
} chunk;

#define CHUNK_HDR ALIGN8(sizeof(chunk))
#define CHUNK_BYTES ((size_t)64 * 1024)

static chunk *chunks;   /* newest first; NULL while the arena is empty */
static uint8_t *last_p; /* the most recent allocation (in chunks), NULL none */

static uint8_t *chunk_data(chunk *c)
{
	return (uint8_t *)c + CHUNK_HDR;
}

static void arena_reset(void)
{
	while (chunks) {
		chunk *next = chunks->next;

		free(chunks);
		chunks = next;
	}
	last_p = NULL;
}

void *wasmbus_alloc(size_t n)
{
	chunk *c = chunks;
	size_t at, cap;

	if (c) {
		at = ALIGN8(c->used);
		if (at <= c->cap && n <= c->cap - at) {
			c->used = at + n;
			return last_p = chunk_data(c) + at;
		}
	}
	cap = n > CHUNK_BYTES - CHUNK_HDR ? n : CHUNK_BYTES - CHUNK_HDR;
	if (cap > SIZE_MAX - CHUNK_HDR)
		return NULL;
	c = malloc(CHUNK_HDR + cap);
	if (!c)
		return NULL;
	c->next = chunks;
	c->cap = cap;
	c->used = n;
	chunks = c;
	return last_p = chunk_data(c);
}

/* Resizes the most recent allocation p in place; 0 when it does not fit. */
static int grow_last(uint8_t *p, size_t n)
{
	size_t at = (size_t)(p - chunk_data(chunks));

	if (n > chunks->cap - at)
		return 0;
	chunks->used = at + n;
	return 1;
}

static int is_last(const uint8_t *p, size_t old_n)
{
	return p == last_p && (size_t)(p - chunk_data(chunks)) + old_n == chunks->used;
}

#else /* freestanding */

extern unsigned char __heap_base;

#define PAGE 65536u

static uintptr_t arena_top;  /* next free byte; 0 before the first allocation */
static uintptr_t arena_last; /* start of the most recent allocation; 0 none */

static void arena_reset(void)
{
	arena_top = 0;
	arena_last = 0;
}

/* Grows linear memory so that it holds end bytes; 0 when it cannot. */
static int reach(uintptr_t end)
{
	uintptr_t have = (uintptr_t)__builtin_wasm_memory_size(0) * PAGE;

	if (end > have) {
		size_t pages = (end - have + PAGE - 1) / PAGE;

		if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
			return 0;
	}
	return 1;
}

void *wasmbus_alloc(size_t n)
{
	uintptr_t p;

	if (!arena_top)
		arena_top = (uintptr_t)&__heap_base;
	p = ALIGN8(arena_top);
	if (n > UINTPTR_MAX - p || !reach(p + n))
		return NULL;
	arena_top = p + n;
	arena_last = p;
	/* A non-NULL pointer even for n == 0, as the ABI allows. */
	return (void *)p;
}

static int grow_last(uint8_t *p, size_t n)
{
	if (n > UINTPTR_MAX - (uintptr_t)p || !reach((uintptr_t)p + n))
		return 0;
	arena_top = (uintptr_t)p + n;
	return 1;
}

static int is_last(const uint8_t *p, size_t old_n)
{
	return (uintptr_t)p == arena_last && (uintptr_t)p + old_n == arena_top;
}

#endif

void *wasmbus_grow(void *p, size_t old_n, size_t n)
{
	uint8_t *q;

	if (!p)
		return wasmbus_alloc(n);
	/* Hosted, a block that outgrows its chunk moves to a new one. */
	if (is_last(p, old_n) && grow_last(p, n))
		return p;
	if (n <= old_n)
		return p;
	q = wasmbus_alloc(n);
	if (q)
		memcpy(q, p, old_n);
	return q;
}

void wasmbus_reply(const void *data, size_t len)
{
	wasmbus_imp_guest_response(data, len);
}

int wasmbus_fail_n(const char *msg, size_t len)
{
	wasmbus_imp_guest_error((const uint8_t *)msg, len);
	return WASMBUS_FAIL;
}

int wasmbus_fail(const char *msg)
{
	return wasmbus_fail_n(msg, strlen(msg));
}

int wasmbus_host_call(const char *binding, const char *ns, const char *op, const void *msg,
                      size_t len, uint8_t **out, size_t *out_len)
{
	int ok = wasmbus_imp_host_call(binding, strlen(binding), ns, strlen(ns), op, strlen(op),
	                               msg, len) == 1;
	size_t n = ok ? wasmbus_imp_host_response_len() : wasmbus_imp_host_error_len();
	uint8_t *p = wasmbus_alloc(n);

	if (!p)
		__builtin_trap();
	if (ok)
		wasmbus_imp_host_response(p);
	else
		wasmbus_imp_host_error(p);
	*out = p;
	*out_len = n;
	return ok;
}

void wasmbus_log(const char *text)
{
	wasmbus_imp_console_log(text, strlen(text));
}

static int not_handled(const uint8_t *op, size_t op_len)
{
	static const char pre[] = "No handler registered for function \"";
	size_t n = sizeof(pre) - 1;
	char *msg = wasmbus_alloc(n + op_len + 1);

	if (!msg)
		return wasmbus_fail("out of memory");
	memcpy(msg, pre, n);
	memcpy(msg + n, op, op_len);
	msg[n + op_len] = '"';
	return wasmbus_fail_n(msg, n + op_len + 1);
}

EXPORT("__guest_call") int wasmbus_guest_call(size_t op_len, size_t msg_len)
{
	uint8_t *op, *msg;

	arena_reset();
	op = wasmbus_alloc(op_len);
	msg = wasmbus_alloc(msg_len);
	if (!op || !msg)
		return wasmbus_fail("out of memory");
	wasmbus_imp_guest_request(op, msg);
	for (const wasmbus_op *o = wasmbus_ops; o->name; o++) {
		if (strlen(o->name) == op_len && memcmp(o->name, op, op_len) == 0)
			return o->fn(msg, msg_len) == WASMBUS_OK ? WASMBUS_OK : WASMBUS_FAIL;
	}
	return not_handled(op, op_len);
}

/* The ABI version probe of wasmbus-rpc >= 0.7 (actor-abi.md §3). */
EXPORT("__wasmbus_rpc_version") int wasmbus_rpc_version(void)
{
	return 1;
}

#if !WASMBUS_HOSTED

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

#endif
