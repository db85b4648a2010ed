/*
 * httpserver.h - the core of the wasmcloud:httpserver provider (hs_): HTTP
 * listeners on libh2o (libuv flavour) that turn every request into a
 * msgpack HttpRequest (interfaces.md §3.2), hand it to a dispatcher and send
 * back the HttpResponse it answers with. It knows nothing of NATS or the
 * provider SDK, so the provider executable (main.c) and the host (an
 * in-process fast path) can both embed it. Everything runs on the one libuv
 * loop of the hs_server: every function is loop-thread only.
 *
 * Behaviour (interfaces.md §4, plus our limits):
 *  - One listener per linked actor (hs_server_listen), bound with
 *    SO_REUSEADDR (never SO_REUSEPORT). HTTP/1.0, HTTP/1.1 with keep-alive,
 *    HTTP/2 over cleartext (prior knowledge, and "Upgrade: h2c"). No TLS,
 *    no CORS layer. Malformed HTTP/1 gets h2o's 400 and the connection
 *    closes; nothing else is disturbed.
 *  - Request mapping: method upper-cased; path as received without the
 *    query; queryString the raw query without '?' ("" when none); header
 *    names lower-case, every value of a repeated header in one list, values
 *    with bytes outside visible ASCII (0x20-0x7e and tab) dropped, names
 *    left without values omitted. h2o keeps some headers out of its list;
 *    "host" (HTTP/1, when the client sent one) and "content-length" (when
 *    there is a body) are put back. Body: the raw bytes (bin).
 *  - Status mapping of the answer (hs_request_finish):
 *      HS_OK       the HttpResponse: statusCode 200..599 is used (anything
 *                  else, 1xx included since it cannot end a request, gives
 *                  500 with an empty body); header names that are not
 *                  HTTP tokens, values with CR, LF, NUL or other control
 *                  bytes, and the headers h2o writes itself (content-length,
 *                  transfer-encoding, connection, keep-alive, upgrade,
 *                  proxy-connection, te, date) are skipped; the body is sent
 *                  as is (none for HEAD, 204 and 304). A response that does
 *                  not decode gives 500 with an empty body.
 *      HS_FAILED   500, empty body (the invocation failed).
 *      HS_TIMEOUT  503, empty body (the invocation timed out).
 *    And by the server itself, all with empty bodies: 413 for a body over
 *    max_body_bytes (the dispatcher is not called; over HTTP/1 h2o answers
 *    413 before reading a too long Content-Length body, over HTTP/2 it
 *    resets the stream with REFUSED_STREAM), 431 for a request whose
 *    encoding exceeds HS_MAX_HEAD_BYTES besides the body, 503 for requests
 *    reaching a listener that was closed (hs_server_unlisten) or a server
 *    that is stopping, 504 when the dispatcher has not answered within
 *    timeout_ms.
 *  - Settings (hs_settings_apply_link): link value keys are matched
 *    case-insensitively and must stay unique when lower-cased. Applied in
 *    this order, later wins: config_file (a .json file; .toml is refused),
 *    config_b64 (base64 of JSON), config_json (JSON), address ("ip:port",
 *    IPv4 or "[IPv6]:port"), port (binds 127.0.0.1:port), then our
 *    timeout_ms and max_body_bytes. JSON settings read the keys address,
 *    timeout_ms and max_body_bytes; tls with a cert_file or priv_key_file
 *    is refused (no TLS); cors, log and unknown keys are ignored. Defaults:
 *    127.0.0.1:8000, HS_DEFAULT_TIMEOUT_MS, HS_DEFAULT_MAX_BODY_BYTES.
 *
 * The process must ignore SIGPIPE (prov_main does): libuv writes to sockets
 * with write(2).
 */
#ifndef STRATUS_PROVIDERS_HTTPSERVER_H
#define STRATUS_PROVIDERS_HTTPSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "core/err.h"
#include "lattice/linkdef.h"

/* Defaults of hs_settings_init. */
#define HS_DEFAULT_HOST "127.0.0.1"
#define HS_DEFAULT_PORT 8000
#define HS_DEFAULT_TIMEOUT_MS 30000
#define HS_DEFAULT_MAX_BODY_BYTES (10u * 1024 * 1024)
/* Largest accepted values of the settings. */
#define HS_MAX_TIMEOUT_MS (60u * 60 * 1000)
#define HS_MAX_BODY_BYTES_LIMIT (256u * 1024 * 1024)
/* Most bytes an encoded HttpRequest may take besides the body (431 past it). */
#define HS_MAX_HEAD_BYTES (1024u * 1024)
/* Largest settings file read for config_file. */
#define HS_MAX_CONFIG_FILE_BYTES (1024u * 1024)
/* Default time hs_server_free gives requests in flight. */
#define HS_DEFAULT_GRACE_MS 5000

/* The textual forms are at most this long, NUL included ("[v6%scope]:65535"). */
#define HS_HOST_MAX 64
#define HS_ADDRESS_MAX 80

/* One listener's settings: a value struct, copied freely. */
typedef struct hs_settings {
	char host[HS_HOST_MAX]; /* numeric IPv4 or IPv6 address, no brackets */
	uint16_t port;          /* 0 picks a free port (hs_server_local_port tells it) */
	uint64_t timeout_ms;    /* deadline for the dispatcher's answer; 0 = none */
	size_t max_body_bytes;  /* request bodies over this get 413 */
} hs_settings;

/* Sets s to the defaults above. */
void hs_settings_init(hs_settings *s);

/*
 * Applies the link values of ld (borrowed) over s, in the order and with
 * the keys of the header comment. On failure s may hold some of the values
 * and err says which key was bad: ST_EINVAL (bad value or type, duplicate
 * key), ST_ENOSYS (TLS, TOML settings), ST_EIO (config_file unreadable),
 * ST_ETOOBIG (config_file over HS_MAX_CONFIG_FILE_BYTES).
 */
int hs_settings_apply_link(hs_settings *s, const linkdef *ld, st_err *err) ST_WARN_UNUSED;

/* hs_settings_init, then hs_settings_apply_link. */
int hs_settings_from_link(hs_settings *s, const linkdef *ld, st_err *err) ST_WARN_UNUSED;

/*
 * Applies a JSON settings object (len bytes, borrowed) over s: the keys of
 * the header comment. Errors: ST_EINVAL (not a JSON object, a key of the
 * wrong type or range), ST_ENOSYS (TLS). what names the source in err.
 */
int hs_settings_apply_json(hs_settings *s, const char *json, size_t len, const char *what,
                           st_err *err) ST_WARN_UNUSED;

/*
 * Parses "ip:port" (IPv4) or "[ipv6]:port" into s->host and s->port.
 * ST_EINVAL when it is neither; s is unchanged then.
 */
int hs_settings_set_address(hs_settings *s, const char *address, st_err *err) ST_WARN_UNUSED;

/* Writes s's bind address as "ip:port" or "[ipv6]:port" into buf (NUL-terminated, cut to n). */
void hs_settings_address(const hs_settings *s, char *buf, size_t n);

/* ---- The server ---------------------------------------------------------- */

typedef struct hs_server hs_server;

/* One request waiting for its answer. */
typedef struct hs_request hs_request;

/* How the dispatcher's invocation ended (hs_request_finish). */
typedef enum hs_outcome {
	HS_OK = 0,  /* resp is the msgpack HttpResponse */
	HS_FAILED,  /* the invocation failed: 500 */
	HS_TIMEOUT, /* the invocation timed out: 503 */
} hs_outcome;

/*
 * A request for actor_id arrived: req (len bytes) is its msgpack
 * HttpRequest. Both are borrowed for the call only. The embedder answers
 * exactly once with hs_request_finish, now or later on the loop thread,
 * unless the request is cancelled first (hs_request_on_cancel).
 */
typedef void (*hs_dispatch_cb)(hs_request *r, const char *actor_id, const uint8_t *req, size_t len,
                               void *ud);

/* Counters of one server, as hs_server_stats reports them. */
typedef struct hs_stats {
	uint64_t requests;   /* requests that reached the server's handler */
	uint64_t dispatched; /* of those, handed to the dispatcher */
	uint64_t status_2xx; /* responses sent by the server, by class */
	uint64_t status_3xx; /* (h2o's own 400s and 413s are not counted) */
	uint64_t status_4xx;
	uint64_t status_5xx;
	uint64_t deadlines;   /* 504s: the dispatcher did not answer in time */
	uint64_t disconnects; /* requests whose client went away before the answer */
	uint64_t in_flight;   /* dispatched requests not answered yet */
	uint64_t connections; /* open connections */
	uint64_t listeners;   /* open listeners */
} hs_stats;

/*
 * Creates a server on loop (borrowed; it must outlive the server). cb and
 * ud receive every request. Loop thread. No errors today besides ST_EINVAL
 * for a NULL loop or cb; *out is NULL on failure.
 */
int hs_server_new(uv_loop_t *loop, hs_dispatch_cb cb, void *ud, hs_server **out,
                  st_err *err) ST_WARN_UNUSED;

/*
 * Opens the listener of actor_id (copied) with settings st (copied).
 * Errors: ST_ESTATE (actor_id has a listener already, or the server is
 * stopping), ST_EIO ("address 127.0.0.1:8080 is in use", or another bind or
 * listen failure; nothing else is disturbed), ST_EINVAL.
 */
int hs_server_listen(hs_server *s, const char *actor_id, const hs_settings *st,
                     st_err *err) ST_WARN_UNUSED;

/*
 * Closes the listener of actor_id: no new connections. Requests already
 * dispatched finish normally; later requests on its open connections get
 * 503 and the connections close (idle ones at once). Returns false when
 * actor_id had no listener.
 */
bool hs_server_unlisten(hs_server *s, const char *actor_id);

/* The port the listener of actor_id is bound to, or ST_ENOTFOUND. */
int hs_server_local_port(const hs_server *s, const char *actor_id);

/* Copies the counters into *out. */
void hs_server_stats(const hs_server *s, hs_stats *out);

/* Sets how long hs_server_free lets requests in flight run (default HS_DEFAULT_GRACE_MS). */
void hs_server_set_grace_ms(hs_server *s, uint64_t grace_ms);

/*
 * Stops and frees s: closes the listeners, lets requests in flight run for
 * the grace time, answers the rest with 503 (their cancel hooks run), closes
 * every connection and waits until all of s's handles are closed, so that
 * uv_loop_close can succeed afterwards. It runs the loop itself, so call it
 * on the loop thread while uv_run is NOT running (e.g. after it returned);
 * other handles of the loop get their callbacks meanwhile. Every
 * hs_request of s is invalid afterwards. Connections get up to 1 s to
 * flush their last answers before they are cut; should one still not
 * close (never seen), s is left allocated rather than freed under h2o.
 * NULL is a no-op.
 */
void hs_server_free(hs_server *s);

/*
 * Answers r and releases it: r must not be used afterwards. outcome HS_OK:
 * resp (len bytes, borrowed for the call) is the HttpResponse; otherwise
 * resp is ignored (may be NULL). When the client went away or the deadline
 * answered already, nothing is sent but r is still released. Must not be
 * called once r's cancel hook ran.
 */
void hs_request_finish(hs_request *r, hs_outcome outcome, const uint8_t *resp, size_t len);

/*
 * Registers fn(arg), run at most once, if r ends before the embedder
 * answers: the client disconnected (HTTP/2 at once; HTTP/1 stops reading
 * while a request is pending, so there it is noticed only when answering),
 * the deadline passed (504 sent) or the server is freed. r is released
 * when fn returns: never use it again, and do not call hs_ functions from
 * fn. If r is already in that state, fn runs now. Without a hook, such an r
 * stays valid until hs_request_finish (which then sends nothing) or
 * hs_server_free.
 */
void hs_request_on_cancel(hs_request *r, void (*fn)(void *arg), void *arg);

#endif
