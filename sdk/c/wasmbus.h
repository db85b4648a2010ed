/*
 * wasmbus.h - the guest side of the actor ABI (actor-abi.md §2-§6) for C
 * actors compiled to wasm32, freestanding (no libc):
 *     clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry actor.c wasmbus.c
 * or against wasi-libc (hosted; the host then provides WASI preview 1):
 *     clang --target=wasm32-wasi -O2 -mexec-model=reactor actor.c wasmbus.c
 *
 * The actor defines the table wasmbus_ops (operation name -> handler);
 * wasmbus.c exports __guest_call, matches the operation verbatim (the waPC
 * convention) and runs the handler. Memory comes from a per-invocation
 * arena that is reset at the start of every __guest_call, so handlers never
 * free. Single-threaded, like every wasm32 guest.
 */
#ifndef STRATUS_SDK_WASMBUS_H
#define STRATUS_SDK_WASMBUS_H

#include <stddef.h>
#include <stdint.h>

/* What a handler returns: the value __guest_call returns to the host. */
#define WASMBUS_OK 1
#define WASMBUS_FAIL 0

/*
 * A handler for one operation. req is the payload (len bytes, valid until
 * the handler returns). It answers with wasmbus_reply and returns
 * WASMBUS_OK, or returns wasmbus_fail(...). Returning WASMBUS_OK without a
 * reply answers with zero bytes.
 */
typedef int (*wasmbus_handler_fn)(const uint8_t *req, size_t len);

/* One entry of the dispatch table. */
typedef struct wasmbus_op {
	const char *name; /* operation name, e.g. "HttpServer.HandleRequest"; NULL ends the table */
	wasmbus_handler_fn fn;
} wasmbus_op;

/*
 * Defined by the actor: the operations it serves, ended by { NULL, NULL }.
 * An operation not in the table fails with
 * `No handler registered for function "<OP>"`.
 */
extern const wasmbus_op wasmbus_ops[];

/* Sends the success result (len bytes, copied by the host at once). */
void wasmbus_reply(const void *data, size_t len);

/* Sends msg (NUL-terminated) as the guest error and returns WASMBUS_FAIL. */
int wasmbus_fail(const char *msg);

/* As wasmbus_fail with len bytes of text. */
int wasmbus_fail_n(const char *msg, size_t len);

/*
 * Calls the host (__host_call): binding, namespace and operation are
 * NUL-terminated strings, msg the payload. On return *out and *out_len hold the
 * host's response (success) or its error text (failure), allocated in the
 * invocation arena. Returns 1 on success, 0 on failure.
 */
int wasmbus_host_call(const char *binding, const char *ns, const char *op, const void *msg,
                      size_t len, uint8_t **out, size_t *out_len);

/* Writes text to the host's log (__console_log). */
void wasmbus_log(const char *text);

/*
 * Allocates n bytes (8-aligned) from the invocation arena, growing linear
 * memory as needed (with wasi-libc: from malloc'ed chunks); NULL when
 * memory cannot grow. Never NULL for n == 0. Freed at the start of the
 * next invocation.
 */
void *wasmbus_alloc(size_t n);

/*
 * Resizes the arena block p of old_n bytes to n bytes, keeping the first
 * min(old_n, n) bytes: in place when p is the arena's most recent
 * allocation, else by copying into a new block (the old one is not
 * reclaimed). p NULL allocates. Returns the block, or NULL when out of
 * memory (p is then untouched).
 */
void *wasmbus_grow(void *p, size_t old_n, size_t n);

/*
 * The __guest_call export (actor-abi.md §3): the host calls it, an actor
 * never does. Declared so that a static library can force it into a link
 * (-Wl,-u,wasmbus_guest_call).
 */
int wasmbus_guest_call(size_t op_len, size_t msg_len);

/* The __wasmbus_rpc_version export (actor-abi.md §3): returns 1. Host-called. */
int wasmbus_rpc_version(void);

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#include <string.h>
#else
/*
 * Minimal libc replacements for freestanding builds (the compiler may also
 * emit calls to these); with wasi-libc, libc provides them.
 */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif

#endif
