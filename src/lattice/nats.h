/*
 * nats.h - a NATS client connection (cnats) that delivers to a libuv loop.
 *
 * cnats calls its callbacks on its own threads. Here those callbacks only
 * move the message onto the connection's queue and wake the loop
 * (uv_async_send); the loop thread drains the queue and runs the handlers,
 * so handlers may touch loop-owned state freely (STYLE.md §5). Publishing,
 * replying and blocking requests are safe from any thread. A connection
 * made without a loop supports publish, request and synchronous
 * subscriptions only (clients such as the CLI).
 */
#ifndef STRATUS_LATTICE_NATS_H
#define STRATUS_LATTICE_NATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nats/nats.h>
#include <uv.h>

#include "core/buf.h"
#include "core/err.h"

typedef struct lat_conn lat_conn;
typedef struct lat_sub lat_sub;
typedef struct lat_msg lat_msg;

/*
 * Finer failure classes, put in st_err.kind next to ST_EIO. The spec
 * treats "no responders" and "timeout" as the same failure class
 * (lattice.md §1); callers that care can tell them apart here.
 */
typedef enum lat_err_kind {
	LAT_ERR_NONE = 0,
	LAT_ERR_TIMEOUT = 1,       /* no reply or ack within the timeout */
	LAT_ERR_NO_RESPONDERS = 2, /* the server said nobody listens (503 status) */
	LAT_ERR_CLOSED = 3,        /* the connection is closed */
	LAT_ERR_NO_SERVER = 4,     /* no server could be reached */
} lat_err_kind;

/* Connection state changes, reported to lat_conn_opts.on_event. */
typedef enum lat_conn_event {
	LAT_CONN_DISCONNECTED = 1,
	LAT_CONN_RECONNECTED = 2,
} lat_conn_event;

/* Loop thread. Reports a state change of c (also logged at warn/info level). */
typedef void (*lat_conn_event_cb)(lat_conn *c, lat_conn_event ev, void *ud);

/*
 * Loop thread. A message arrived on sub. The handler owns msg and frees it
 * with lat_msg_free, now or later from any thread (for example after a
 * worker has replied to it).
 */
typedef void (*lat_msg_cb)(lat_sub *sub, lat_msg *msg, void *ud);

/* Loop thread. A function handed over with lat_conn_post. */
typedef void (*lat_post_cb)(void *arg);

/* One header of an outgoing message; both strings borrowed. */
typedef struct lat_header {
	const char *key;
	const char *value;
} lat_header;

/* How to connect. Strings are borrowed for the lat_conn_connect call only. */
typedef struct lat_conn_opts {
	const char *host;              /* default "127.0.0.1" */
	uint16_t port;                 /* default 4222 */
	const char *url;               /* overrides host and port when not NULL */
	const char *name;              /* client name the server shows; default NULL */
	bool send_asap;                /* flush every publish at once: set it on responder
	                                   connections (≈1 ms less per reply), never on bulk
	                                   publishers (DEPENDENCIES.md §2); default false */
	int64_t connect_timeout_ms;    /* default 2000 */
	int64_t reconnect_wait_max_ms; /* reconnect forever; the wait doubles from 100 ms up to
	                                   this; default 4000 (the reference host's back-off) */
	bool retry_initial;            /* when the first connect fails, keep retrying in the
	                                   background instead of failing; default false */
	uv_loop_t *loop;               /* the loop handlers run on; NULL: no asynchronous
	                                   subscriptions */
	lat_conn_event_cb on_event;    /* optional, loop thread */
	void *ud;                      /* passed to on_event */
} lat_conn_opts;

/* Fills o with the defaults above. */
void lat_conn_opts_init(lat_conn_opts *o);

/*
 * Connects (headers and "no responders" are on). With a loop, registers an
 * async handle on it: call from the loop thread. Errors: ST_EIO (kind
 * LAT_ERR_NO_SERVER when nobody answers), ST_EINVAL. *out is owned by the
 * caller and released with lat_conn_free.
 */
int lat_conn_connect(const lat_conn_opts *opts, lat_conn **out, st_err *err) ST_WARN_UNUSED;

/*
 * Closes the connection and frees it. Asynchronous subscriptions still open
 * are closed; pending published data is flushed (up to 1 s); messages still
 * queued are dropped; functions still queued by lat_conn_post run before it
 * returns. With a loop: call from the loop thread, but not from inside a
 * handler or posted function of c (defer it with a libuv handle), and keep
 * running the loop afterwards (the memory goes when its async handle is
 * closed). Close sync subscriptions and free caches on c first. Blocks
 * until cnats has stopped calling back (at most about 5 s). NULL is a no-op.
 */
void lat_conn_free(lat_conn *c);

/* True while connected (false while reconnecting or closed). Any thread. */
bool lat_conn_connected(lat_conn *c);

/* The underlying cnats connection, for JetStream and KV calls. Any thread. */
natsConnection *lat_conn_nats(lat_conn *c);

/* The loop of c, or NULL. */
uv_loop_t *lat_conn_loop(lat_conn *c);

/*
 * Publishes data (borrowed, copied before return) on subject. Any thread.
 * Errors: ST_EIO (kind LAT_ERR_CLOSED when closed), ST_EINVAL.
 */
int lat_conn_publish(lat_conn *c, const char *subject, const void *data, size_t len,
                     st_err *err) ST_WARN_UNUSED;

/*
 * Publishes with an optional reply subject (NULL for none) and headers
 * (h may be NULL when nh is 0). Any thread. Errors as lat_conn_publish.
 */
int lat_conn_publish_msg(lat_conn *c, const char *subject, const char *reply, const lat_header *h,
                         size_t nh, const void *data, size_t len, st_err *err) ST_WARN_UNUSED;

/*
 * Sends a request and waits up to timeout_ms for the first reply, which is
 * returned owned in *reply (free with lat_msg_free). Headers as in
 * lat_conn_publish_msg. Blocks: any thread except the loop thread of c.
 * Errors: ST_EIO with kind LAT_ERR_TIMEOUT, LAT_ERR_NO_RESPONDERS or
 * LAT_ERR_CLOSED.
 */
int lat_conn_request(lat_conn *c, const char *subject, const lat_header *h, size_t nh,
                     const void *data, size_t len, int64_t timeout_ms, lat_msg **reply,
                     st_err *err) ST_WARN_UNUSED;

/*
 * Waits until the server has processed everything sent so far on c
 * (subscriptions included), up to timeout_ms. Any thread: the PONG is read
 * by cnats' own thread, so the loop is not needed, but on the loop thread
 * the loop stalls until then (use it there only at start-up and shutdown).
 * Errors: ST_EIO.
 */
int lat_conn_flush(lat_conn *c, int64_t timeout_ms, st_err *err) ST_WARN_UNUSED;

/*
 * Runs fn(arg) on the loop thread of c, after everything queued before it.
 * Any thread. c must have a loop.
 */
void lat_conn_post(lat_conn *c, lat_post_cb fn, void *arg);

/*
 * Subscribes to subject (wildcards allowed), in queue group queue when not
 * NULL. Each message is passed to cb on the loop thread. Loop thread; c
 * must have a loop. *out stays owned by c until lat_sub_close.
 * Errors: ST_EIO, ST_EINVAL, ST_ESTATE (no loop).
 */
int lat_conn_subscribe(lat_conn *c, const char *subject, const char *queue, lat_msg_cb cb, void *ud,
                       lat_sub **out, st_err *err) ST_WARN_UNUSED;

/*
 * Subscribes for lat_sub_next (no loop involved). Use one sync
 * subscription from one thread at a time. Errors: ST_EIO, ST_EINVAL.
 */
int lat_conn_subscribe_sync(lat_conn *c, const char *subject, const char *queue, lat_sub **out,
                            st_err *err) ST_WARN_UNUSED;

/*
 * Waits up to timeout_ms for the next message of a sync subscription;
 * *out is owned by the caller. Errors: ST_EIO (kind LAT_ERR_TIMEOUT on
 * timeout), ST_ESTATE for an asynchronous subscription.
 */
int lat_sub_next(lat_sub *s, int64_t timeout_ms, lat_msg **out, st_err *err) ST_WARN_UNUSED;

/*
 * Unsubscribes. For an asynchronous subscription: loop thread; no handler
 * call follows, and the memory goes once cnats confirms no delivery is in
 * flight. For a sync one: the owning thread; freed at once. NULL is a no-op.
 */
void lat_sub_close(lat_sub *s);

/* The subject the subscription was made with; owned by s. */
const char *lat_sub_subject(const lat_sub *s);

/* The subject of msg; owned by msg. */
const char *lat_msg_subject(const lat_msg *msg);

/* The reply subject of msg, or NULL when there is none; owned by msg. */
const char *lat_msg_reply(const lat_msg *msg);

/* The payload of msg (possibly empty); valid until lat_msg_free. */
st_slice lat_msg_data(const lat_msg *msg);

/*
 * The first value of header key, matched case-insensitively (some clients
 * lower-case names), or NULL. Owned by msg. Use from the thread owning msg.
 */
const char *lat_msg_header(lat_msg *msg, const char *key);

/*
 * Publishes data as the reply to msg. Any thread. Errors: ST_EINVAL when
 * msg has no reply subject, else as lat_conn_publish.
 */
int lat_msg_respond(lat_conn *c, const lat_msg *msg, const void *data, size_t len,
                    st_err *err) ST_WARN_UNUSED;

/* Frees msg. NULL is a no-op. Any thread. */
void lat_msg_free(lat_msg *msg);

/*
 * Maps a cnats status to an ST_E* code with what + the cnats text in err
 * (kind as in lat_err_kind). For the other lattice modules.
 */
int lat_status_err(natsStatus s, st_err *err, const char *what);

/*
 * Releases cnats' process-wide resources (its threads). Call once at
 * process end, after every connection is freed.
 */
void lat_lib_close(void);

#endif
