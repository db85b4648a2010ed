/*
 * kvredis.h - the core of the wasmcloud:keyvalue provider on Redis (kv_):
 * the fifteen KeyValue operations of interfaces.md §6 decoded from
 * MessagePack with the generated codecs (sdk/c/gen/wc_keyvalue.h), run as
 * Redis commands over hiredis' blocking API, and their results encoded
 * back, with the semantics of wasmCloud's Redis provider.
 *
 * A kv_conn is what one linked actor uses: its Redis URL and a small pool
 * of connections, opened on demand. Any thread may run operations on a
 * kv_conn at the same time; each takes a free connection of the pool (or
 * waits for one). A connection that failed is closed, and the next
 * operation opens a new one, so a Redis that went away and came back is
 * used again without any action; the operations in between fail.
 *
 * hiredis writes to sockets with write(2): a process using this module
 * must ignore SIGPIPE (prov_main does), or a Redis that goes away can kill
 * it.
 */
#ifndef STRATUS_PROVIDERS_KEYVALUE_KVREDIS_H
#define STRATUS_PROVIDERS_KEYVALUE_KVREDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "lattice/linkdef.h"

/* The Redis of a link without a URL setting (the reference provider's default). */
#define KV_DEFAULT_URL "redis://127.0.0.1:6379/"
/* The default Redis port. */
#define KV_DEFAULT_PORT 6379

/* Defaults of kv_conn_options_init. */
#define KV_DEFAULT_POOL_SIZE 4
/* Both below the 2000 ms a host waits for a provider by default. */
#define KV_DEFAULT_CONNECT_TIMEOUT_MS 1500
#define KV_DEFAULT_COMMAND_TIMEOUT_MS 1500
/* The most connections one kv_conn keeps. */
#define KV_MAX_POOL_SIZE 64

/*
 * A parsed Redis URL. The forms (those of the reference provider's
 * client, redis-rs):
 *   redis://[[user]:password@]host[:port][/db]   TCP (host may be [v6])
 *   unix:///path/to/socket[?db=N]                Unix socket
 *   redis+unix:///path/to/socket[?db=N]          the same
 * user and password are percent-decoded. rediss:// (TLS) is refused: the
 * hiredis this builds on has no TLS. All strings are owned.
 */
typedef struct kv_url {
	char *host;     /* TCP host without brackets; NULL for a Unix socket */
	int port;       /* TCP port (KV_DEFAULT_PORT when absent) */
	char *path;     /* Unix socket path; NULL for TCP */
	char *user;     /* ACL user name; NULL when none */
	char *password; /* AUTH password; NULL when none */
	long db;        /* the database to SELECT; 0 = Redis' default */
	char *display;  /* the URL for messages, any password replaced by "***" */
} kv_url;

/*
 * Parses url (NUL-terminated, borrowed) into *u, which owns its strings
 * afterwards (kv_url_deinit). Errors, with *u left empty: ST_EINVAL (not a
 * URL of the forms above, a bad port or database: the message says which),
 * ST_ENOSYS (rediss://).
 */
int kv_url_parse(kv_url *u, const char *url, st_err *err) ST_WARN_UNUSED;

/* Frees what u owns and leaves it empty. NULL is a no-op. */
void kv_url_deinit(kv_url *u);

/* How a kv_conn talks to Redis. */
typedef struct kv_conn_options {
	int pool_size;          /* connections at most (1..KV_MAX_POOL_SIZE) */
	int connect_timeout_ms; /* TCP connect (and AUTH/SELECT) */
	int command_timeout_ms; /* one command's round trip */
} kv_conn_options;

/* Sets o to the KV_DEFAULT_* values. */
void kv_conn_options_init(kv_conn_options *o);

/* One linked actor's Redis: a URL and a pool of connections (opaque). */
typedef struct kv_conn kv_conn;

/*
 * A kv_conn for url (copied), with opts (copied; NULL = the defaults).
 * Opens nothing: connections are made by kv_conn_connect or by the first
 * operations. An unusable url is remembered: every operation then fails
 * with the parse error. Never NULL (aborts on OOM). Any thread.
 */
kv_conn *kv_conn_new(const char *url, const kv_conn_options *opts);

/*
 * Closes the connections and frees c. No operation may be running on c.
 * NULL is a no-op.
 */
void kv_conn_free(kv_conn *c);

/* The URL for messages and logs (password hidden); borrowed from c, for its lifetime. */
const char *kv_conn_display(const kv_conn *c);

/*
 * Makes sure one connection of the pool is open and answering: connects
 * (with AUTH and SELECT as the URL says) when none is. Blocks up to the
 * timeouts. Any thread. Errors: those of kv_url_parse for a bad URL, and
 * ST_EIO "redis error: cannot connect to <url>: <reason>".
 */
int kv_conn_connect(kv_conn *c, st_err *err) ST_WARN_UNUSED;

/*
 * Runs the KeyValue operation operation ("KeyValue.Get", ...; borrowed)
 * with the MessagePack input msg (len bytes, borrowed) and appends its
 * MessagePack output to out (nothing for Set, whose output is the unit).
 * Blocks for the Redis round trip(s). Any thread; calls on one kv_conn may
 * run at once. On failure out is unchanged and err->msg holds the text for
 * the InvocationResponse:
 *   ST_ENOSYS      an operation this contract does not have
 *                  ("method not handled KeyValue::Foo", wasmbus-rpc's text);
 *   ST_EMALFORMED  the input does not decode ("deserialization: ...");
 *   ST_EIO         no working connection: "redis error: cannot connect
 *                  to ...", "... connection to ... lost: ...", "... no
 *                  answer from ... within N ms" (the next call reconnects);
 *   ST_EINVAL      Redis answered with an error ("redis error: <Redis'
 *                  message>", e.g. WRONGTYPE), an Increment result outside
 *                  i32, or the URL is unusable;
 *   ST_ETOOBIG     the output does not fit out->max.
 */
int kv_conn_invoke(kv_conn *c, const char *operation, const void *msg, size_t len, st_buf *out,
                   st_err *err) ST_WARN_UNUSED;

/*
 * Connections of c that are open (each as of when its last operation
 * ended), for tests and logs. Any thread.
 */
int kv_conn_open_count(kv_conn *c);

/*
 * The Redis URL among the link values of ld (the key "URL" in any case;
 * borrowed from ld), or NULL when there is none.
 */
const char *kv_link_url(const linkdef *ld);

/*
 * The provider-wide default URL of the host data's config_json (a JSON
 * object with "url", "URL" or "Url"; config_json may be NULL), as an owned
 * string (st_free), or NULL when it names none.
 */
char *kv_url_from_config(const char *config_json);

#endif
