/*
 * wasmbus.c - guest side of the actor ABI for freestanding C actors: the
 * __guest_call export, the nine wasmbus imports, a bump arena reset per
 * invocation, and the few libc routines the compiler may call.
 *
 * The arena starts at the linker's __heap_base and grows linear memory
 * with memory.grow; nothing is ever freed inside one invocation.
 */
#include "wasmbus.h"

#define IMPORT(name) __attribute__((import_module("wasmbus"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IMPORT("__guest_request") void guest_request(uint8_t *op, uint8_t *msg);
IMPORT("__guest_response") void guest_response(const uint8_t *p, size_t len);
IMPORT("__guest_error") void guest_error(const uint8_t *p, size_t len);
IMPORT("__host_call")
int host_call(const char *bd, size_t bd_len, const char *ns, size_t ns_len, const char *op,
              size_t op_len, const uint8_t *msg, size_t len);
IMPORT("__host_response_len") size_t host_response_len(void);
IMPORT("__host_response") void host_response(uint8_t *p);
IMPORT("__host_error_len") size_t host_error_len(void);
IMPORT("__host_error") void host_error(uint8_t *p);
IMPORT("__console_log") void console_log(const char *p, size_t len);

extern unsigned char __heap_base;

#define PAGE 65536u

static uintptr_t arena_top; /* next free byte; 0 before the first allocation */

void *wasmbus_alloc(size_t n)
{
	uintptr_t p, end, have;

	if (!arena_top)
		arena_top = (uintptr_t)&__heap_base;
	p = (arena_top + 7u) & ~(uintptr_t)7u;
	if (n > UINTPTR_MAX - p)
		return NULL;
	end = p + n;
	have = (uintptr_t)__builtin_wasm_memory_size(0) * PAGE;
	if (end > have) {
		size_t pages = (end - have + PAGE - 1) / PAGE;

		if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
			return NULL;
	}
	arena_top = end;
	/* A non-NULL pointer even for n == 0, as the ABI allows. */
	return (void *)p;
}

void wasmbus_reply(const void *data, size_t len)
{
	guest_response(data, len);
}

int wasmbus_fail_n(const char *msg, size_t len)
{
	guest_error((const uint8_t *)msg, len);
	return WASMBUS_FAIL;
}

int wasmbus_fail(const char *msg)
{
	return wasmbus_fail_n(msg, strlen(msg));
}

int wasmbus_host_call(const char *binding, const char *ns, const char *op, const void *msg,
                      size_t len, uint8_t **out, size_t *out_len)
{
	int ok = host_call(binding, strlen(binding), ns, strlen(ns), op, strlen(op), msg, len) == 1;
	size_t n = ok ? host_response_len() : host_error_len();
	uint8_t *p = wasmbus_alloc(n);

	if (!p)
		__builtin_trap();
	if (ok)
		host_response(p);
	else
		host_error(p);
	*out = p;
	*out_len = n;
	return ok;
}

void wasmbus_log(const char *text)
{
	console_log(text, strlen(text));
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

EXPORT("__guest_call") int guest_call(size_t op_len, size_t msg_len)
{
	uint8_t *op, *msg;

	arena_top = 0;
	op = wasmbus_alloc(op_len);
	msg = wasmbus_alloc(msg_len);
	if (!op || !msg)
		return wasmbus_fail("out of memory");
	guest_request(op, msg);
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
