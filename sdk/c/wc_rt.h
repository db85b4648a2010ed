/*
 * wc_rt.h - the runtime the generated interface bindings (sdk/c/gen/) need,
 * kept this small so the same generated code compiles into actors (wasm32,
 * freestanding or wasi-libc) and into native unit tests:
 *
 *   - memory: wc_alloc, an invocation-lifetime arena (never freed one by
 *     one); in an actor it is wasmbus_alloc (reset at every __guest_call),
 *     natively whatever the embedder links in;
 *   - host calls: wc_host_call, __host_call of actor-abi.md §5 (in an actor
 *     wasmbus_host_call; natively a test double that records the call);
 *   - MessagePack: src/codec/msgpack.h (mp_reader, mp_writer), which is
 *     freestanding; writers made by wc_writer_init allocate from wc_alloc.
 *
 * Strings and blobs decoded by generated code point into the payload they
 * were decoded from (zero copy) or into the arena: both live until the
 * invocation ends.
 */
#ifndef STRATUS_SDK_WC_RT_H
#define STRATUS_SDK_WC_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/msgpack.h"

/* Bytes with a length; not NUL-terminated unless said so. */
typedef struct wc_bytes {
	const uint8_t *p;
	size_t n;
} wc_bytes;

/* A string: UTF-8 bytes with a length (wire strings carry no NUL). */
typedef struct wc_str {
	const char *p;
	size_t n;
} wc_str;

/* Allocates n bytes (8-aligned) for the rest of the invocation; NULL when out of memory. */
void *wc_alloc(size_t n);

/*
 * Calls the host: binding (link name), ns (contract id or actor key/alias)
 * and op ("Service.Operation") are NUL-terminated; msg is len bytes. On
 * return *out and *out_len hold the response (returns 1) or the error text
 * (returns 0), both in the arena.
 */
int wc_host_call(const char *binding, const char *ns, const char *op, const void *msg, size_t len,
                 uint8_t **out, size_t *out_len);

/* A writer that allocates from wc_alloc, up to max bytes. */
void wc_writer_init(mp_writer *w, size_t max);

#endif
