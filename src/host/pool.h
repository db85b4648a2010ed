/*
 * pool.h - actor instance pools served by one shared set of worker threads.
 *
 * A pool_workers is the host's execution engine: N threads (default: one
 * per core), each with its own wm_exec, reused for every call. A pool holds
 * the instances of one actor (its replica count) and a bounded queue of
 * invocations; the workers take work from all pools in turn. An instance
 * serves one invocation at a time and is never re-entered. Traps discard
 * the instance and a worker creates a replacement; scaling and live updates
 * never interrupt a running call: surplus or outdated instances retire when
 * their current call ends. See docs/internals/actor-runtime.md.
 *
 * Threads: every function may be called from any thread, except that
 * pool_free and pool_workers_free must not be called from a completion or
 * event callback. Callbacks run on worker threads with no lock held.
 */
#ifndef STRATUS_HOST_POOL_H
#define STRATUS_HOST_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "host/actor.h"

typedef struct pool_workers pool_workers;
typedef struct pool pool;

/* The outcome of one invocation, handed to its completion callback. */
typedef struct pool_result {
	/*
	 * 0 when the guest answered (ok says how); otherwise ST_ETRAP (trap or
	 * deadline: data is ACTOR_TRAP_PREFIX + reason), ST_ESTATE (the pool
	 * stopped before the call ran) or the error of a failed instance
	 * creation; ok is then false and data holds the error text.
	 */
	int rc;
	bool ok;             /* data is the response (true) or an error text (false) */
	const uint8_t *data; /* borrowed: valid during the callback only */
	size_t len;
} pool_result;

/* Called once per submitted invocation, on a worker thread (see pool_free). */
typedef void (*pool_done_cb)(const pool_result *res, void *ud);

typedef enum pool_event_kind {
	POOL_EVENT_TRAP = 1,      /* an instance trapped and was discarded */
	POOL_EVENT_CREATE_FAILED, /* a worker could not create an instance */
} pool_event_kind;

/* Something the embedder may want to log or count; strings borrowed for the callback. */
typedef struct pool_event {
	pool_event_kind kind;
	const char *actor_id; /* public key of the actor concerned */
	const char *message;  /* the trap or error text */
} pool_event;

/* Called on a worker thread with no lock held. */
typedef void (*pool_event_cb)(const pool_event *ev, void *ud);

/* Settings of one pool; pool_config_init sets the defaults. */
typedef struct pool_config {
	uint32_t replicas;      /* instances to keep (>= 1); default 1 */
	size_t max_queue;       /* invocations waiting beyond this fail pool_submit; default 1024 */
	uint32_t timeout_ms;    /* default per-invocation deadline, 0 for none; default 10000 */
	pool_event_cb on_event; /* optional; events are also logged */
	void *event_ud;
} pool_config;

/* Counters of a pool, a consistent snapshot. */
typedef struct pool_stats {
	uint32_t replicas;  /* the target instance count */
	uint32_t instances; /* live instances: idle + busy + being created */
	uint32_t idle;
	uint32_t busy;
	size_t queued;      /* invocations waiting for an instance */
	uint64_t completed; /* invocations whose callback has run */
	uint64_t created;   /* instances created, the first included */
	uint64_t traps;     /* instances discarded after a trap (or deadline) */
	uint64_t retired;   /* instances dropped by scale-down or update */
	uint64_t create_failures;
	uint64_t generation; /* 0, then +1 per pool_update */
} pool_stats;

/* Fills cfg with the defaults. */
void pool_config_init(pool_config *cfg);

/*
 * Starts nthreads worker threads (0: one per online core), each with its
 * own wm_exec. Errors: ST_ENOMEM, ST_EIO (a thread could not start).
 */
int pool_workers_new(pool_workers **out, unsigned nthreads, st_err *err) ST_WARN_UNUSED;

/* Stops and joins the workers. Every pool must be freed first. NULL is a no-op. */
void pool_workers_free(pool_workers *w);

/* The number of worker threads. */
unsigned pool_workers_count(const pool_workers *w);

/*
 * Creates the pool of actor a (a reference is taken) on w. One instance is
 * created on the calling thread first so that a module that cannot be
 * instantiated fails here (actor_instance_new's errors); the workers create
 * the other replicas. ST_EINVAL when cfg->replicas is 0.
 */
int pool_new(pool **out, pool_workers *w, actor *a, const pool_config *cfg,
             st_err *err) ST_WARN_UNUSED;

/*
 * Stops a pool: new submissions fail, invocations still queued complete
 * with ST_ESTATE "Actor is stopping" (their callbacks run on the calling
 * thread), running calls finish normally, then every instance is freed.
 * Blocks until then. NULL is a no-op.
 */
void pool_free(pool *p);

/*
 * Queues one invocation. op (op_len bytes) and msg (len bytes) are copied.
 * timeout_ms bounds the call's run time once it starts (0: the pool's
 * default); past it the guest is interrupted, the call completes with
 * ST_ETRAP and the instance is replaced. cb(ud) runs exactly once, on a
 * worker thread, when this returns 0. Errors (cb is then not called):
 * ST_ETOOBIG (queue full), ST_ESTATE (pool stopping), ST_EINVAL (no cb),
 * ST_ENOMEM.
 */
int pool_submit(pool *p, const char *op, size_t op_len, const uint8_t *msg, size_t len,
                uint32_t timeout_ms, pool_done_cb cb, void *ud, st_err *err) ST_WARN_UNUSED;

/*
 * Runs on the worker just before the guest is called (an instance is held):
 * returns 0 to go on, or writes a failure text (NUL-terminated, at most cap
 * bytes) and returns nonzero; the call then completes with rc ST_EINVALID,
 * ok false and the text as data. For checks too costly for the caller's
 * thread (e.g. signature verification).
 */
typedef int (*pool_check_cb)(void *ud, char *text, size_t cap);

/* pool_submit with a check run first (NULL: none); cb gets the same ud. */
int pool_submit_checked(pool *p, const char *op, size_t op_len, const uint8_t *msg, size_t len,
                        uint32_t timeout_ms, pool_check_cb check, pool_done_cb cb, void *ud,
                        st_err *err) ST_WARN_UNUSED;

/*
 * Sets the replica count (>= 1, else ST_EINVAL). Growing: workers create
 * the new instances. Shrinking: idle instances are dropped now, busy ones
 * when their current call ends; no call is interrupted. Returns at once.
 */
int pool_scale(pool *p, uint32_t replicas, st_err *err) ST_WARN_UNUSED;

/*
 * Replaces the pool's actor by a (a reference is taken), e.g. a new
 * revision. One instance of a is created on the calling thread first; when
 * that fails nothing changes and its error is returned. Then idle old
 * instances are dropped, busy ones retire when their current call ends,
 * and queued and later invocations run on instances of a. No call fails.
 */
int pool_update(pool *p, actor *a, st_err *err) ST_WARN_UNUSED;

/* The current actor (a new reference: actor_unref it). */
actor *pool_actor(pool *p);

/* Fills *out with a snapshot of the counters. */
void pool_get_stats(pool *p, pool_stats *out);

#endif
