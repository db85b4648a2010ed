/*
 * actor.h - the host side of the actor ABI (spec/actor-abi.md): loading a
 * signed actor module, instantiating it with the wasmbus/wapc imports, and
 * running one invocation through __guest_call.
 *
 * An actor is loaded once (claims verified, module compiled) and shared,
 * immutable and reference-counted, by all its instances on any thread. An
 * actor_instance is one wasm instance: single-threaded, one invocation at a
 * time, never re-entered. An instance that traps is dead; the owner drops
 * it and makes a new one (actor-abi.md §5 step 7).
 */
#ifndef STRATUS_HOST_ACTOR_H
#define STRATUS_HOST_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "security/claims.h"
#include "wasm/wm.h"

typedef struct actor actor;
typedef struct actor_instance actor_instance;

/* Defaults of actor_config. */
#define ACTOR_DEFAULT_MAX_PAGES 16384u               /* 1 GiB of linear memory */
#define ACTOR_DEFAULT_MAX_MESSAGE ((size_t)64 << 20) /* 64 MiB per response/error/host reply */
#define ACTOR_DEFAULT_INIT_TIMEOUT_MS 5000u

/* The text a trapped invocation answers with, before the engine's reason (§5 step 6). */
#define ACTOR_TRAP_PREFIX "WebAssembly runtime failed to invoke Wasm guest: "

/*
 * One __host_call from a guest (actor-abi.md §6). Every slice is borrowed
 * from the guest's memory and valid only during the callback.
 */
typedef struct actor_host_call {
	const actor *caller;  /* the calling actor (claims: actor_claims) */
	st_slice binding;     /* link name, "" for actor-to-actor calls */
	st_slice ns;          /* contract id, builtin namespace, actor key or call alias */
	st_slice operation;   /* e.g. "KeyValue.Increment" */
	st_slice payload;     /* serialized input, possibly empty */
	uint64_t deadline_ns; /* the invocation's CLOCK_MONOTONIC deadline, 0 for none */
} actor_host_call;

/*
 * The embedder's handler for __host_call (the router). It runs on the
 * thread executing the guest, which is suspended meanwhile. Return 0 with
 * the response bytes appended to out (possibly none), or a non-zero value
 * with the error text appended to out (raw UTF-8, e.g. "Call alias not
 * found: ..."); the guest then sees rc 1 or 0. out is empty on entry and
 * capped at the configured max_message_bytes. The callback must not invoke
 * the calling instance again.
 */
typedef int (*actor_host_call_cb)(const actor_host_call *call, st_buf *out, void *ud);

/* How actors are loaded and run; actor_config_init sets the defaults. */
typedef struct actor_config {
	/* NULL-terminated issuer public keys (borrowed during actor_new), NULL = any. */
	const char *const *allowed_issuers;
	int64_t now;                  /* unix seconds for exp/nbf checks; 0 = the clock */
	uint32_t max_pages;           /* cap on each instance's linear memory, in 64 KiB pages */
	size_t max_message_bytes;     /* cap on a guest response/error and a host-call reply */
	uint32_t init_timeout_ms;     /* deadline for the init exports of one instance */
	actor_host_call_cb host_call; /* NULL: every host call fails */
	void *host_call_ud;
} actor_config;

/* Fills cfg with the defaults (any issuer, the clock, the ACTOR_DEFAULT_* caps). */
void actor_config_init(actor_config *cfg);

/*
 * Loads an actor from len bytes of wasm (borrowed; the engine keeps a
 * copy): verifies the embedded claims with claims_module_verify (errors
 * and messages as it gives them: "No claims found in source module",
 * "Claims token expired", "Claims token cannot be used yet", "Invalid
 * signature on module token", issuer allow-list ...), compiles the module
 * (engine errors) and checks that it exports "memory" and "__guest_call"
 * (ST_EINVALID). cfg is copied (NULL for the defaults; allowed_issuers is
 * only used here). On success *out has one reference. Any thread.
 */
int actor_new(actor **out, const uint8_t *wasm, size_t len, const actor_config *cfg,
              st_err *err) ST_WARN_UNUSED;

/* Takes a reference. Any thread. */
actor *actor_ref(actor *a);

/* Drops a reference; the last one frees. NULL is a no-op. Any thread. */
void actor_unref(actor *a);

/* The verified claims (borrowed, immutable while a lives). Any thread. */
const claims *actor_claims(const actor *a);

/* The actor's public key (the claims' sub, "M..."); borrowed. Any thread. */
const char *actor_id(const actor *a);

/* True when the module imports from a module whose name contains "wasi" (§9). */
bool actor_uses_wasi(const actor *a);

/*
 * Creates an instance: instantiates the module with the nine wasmbus
 * functions under both "wasmbus" and "wapc" (and WASI preview1 with no
 * args, no env, no preopens and stdio on /dev/null when the module wants
 * it), caps its memory at max_pages, then runs the init exports of §4 on x:
 * __wasmbus_rpc_version (the api version, default 0), then _initialize,
 * start, wapc_init, _start, each when exported as () -> (). Their traps are
 * ignored as the 2022 host did, except running past init_timeout_ms, which
 * fails with ST_ETRAP. Errors: ST_EUNLINKABLE (an import nobody provides),
 * ST_ETOOBIG (the initial memory is above max_pages), ST_EINVALID
 * (__guest_call is not (i32, i32) -> i32), ST_ENOMEM, ST_ETRAP. On success *out is owned by the caller
 * (actor_instance_free). The thread that uses x.
 */
int actor_instance_new(actor_instance **out, actor *a, wm_exec *x, st_err *err) ST_WARN_UNUSED;

/* Frees an instance (not during one of its calls). NULL is a no-op. */
void actor_instance_free(actor_instance *ai);

/* The actor of an instance (borrowed). */
actor *actor_instance_actor(const actor_instance *ai);

/* The value __wasmbus_rpc_version returned, 0 when not exported. */
int32_t actor_instance_api_version(const actor_instance *ai);

/* True once a call trapped: the instance must not be used again. */
bool actor_instance_dead(const actor_instance *ai);

/* The result of one invocation; data is borrowed from the instance. */
typedef struct actor_reply {
	bool ok;             /* true: data is the response; false: data is the error text */
	const uint8_t *data; /* valid until the next call on (or the free of) the instance */
	size_t len;
} actor_reply;

/*
 * Runs one invocation (§5): op (op_len bytes) and msg (len bytes) are
 * borrowed for the call; the four per-invocation slots are cleared; then
 * __guest_call(op_len, len) runs on x with deadline_ns (absolute
 * CLOCK_MONOTONIC nanoseconds, 0 for none).
 * Returns 0 when the guest answered: reply->ok is true with its response
 * (empty when it never called __guest_response), or false with its
 * __guest_error text (a generic text when it set none). Returns ST_ETRAP
 * when the call trapped (err->kind is the wm_trap_kind; WM_TRAP_INTERRUPTED
 * for the deadline): the instance is dead, reply->ok is false and the text
 * is ACTOR_TRAP_PREFIX followed by the reason. ST_ESTATE for a dead or busy
 * instance. The thread that uses x.
 */
int actor_instance_invoke(actor_instance *ai, wm_exec *x, const char *op, size_t op_len,
                          const uint8_t *msg, size_t len, uint64_t deadline_ns, actor_reply *reply,
                          st_err *err) ST_WARN_UNUSED;

/* The current CLOCK_MONOTONIC time in nanoseconds (for deadlines). Any thread. */
uint64_t actor_now_ns(void);

#endif
