/*
 * httpclient.h - the core of the wasmcloud:httpclient provider (hc_):
 * HttpClient.Request (interfaces.md §5) decoded from MessagePack, performed
 * with one libcurl easy handle per request, the HttpResponse encoded back.
 * Any thread, after hc_global_init; calls share nothing, so several threads
 * may each run a request at once.
 */
#ifndef STRATUS_PROVIDERS_HTTPCLIENT_H
#define STRATUS_PROVIDERS_HTTPCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Defaults of hc_options_init. */
#define HC_DEFAULT_TIMEOUT_MS 30000
#define HC_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define HC_DEFAULT_MAX_BODY_BYTES (16u * 1024 * 1024)
/* At most this many request or response header values, and bytes of response headers. */
#define HC_MAX_HEADERS 256
#define HC_MAX_HEADER_BYTES (64u * 1024)

/*
 * How requests are performed; the provider reads them once (the spec has
 * no link settings), so they are provider-wide.
 */
typedef struct hc_options {
	long timeout_ms;         /* whole request, connect included; 0 = none */
	long connect_timeout_ms; /* connection set-up; 0 = libcurl's default */
	size_t max_body_bytes;   /* response body cap; more fails the request */
	bool verify_tls;         /* verify peer certificate and host name */
	long max_redirects;      /* redirects followed; 0 = a 3xx is returned as is */
} hc_options;

/* Sets o to the defaults: the timeouts above, TLS verified, no redirects followed. */
void hc_options_init(hc_options *o);

/* One request header value, borrowed from the decoded input. */
typedef struct hc_header {
	st_slice name;
	st_slice value;
} hc_header;

/*
 * A decoded HttpRequest. Every slice borrows the input bytes given to
 * hc_request_decode; headers (one entry per value) is owned.
 */
typedef struct hc_request {
	st_slice method;
	st_slice url;
	hc_header *headers; /* owned, nheaders entries */
	size_t nheaders;
	st_slice body;
} hc_request;

/*
 * Decodes an HttpRequest map (method, url, headers, body, all required;
 * unknown fields skipped; body as bin or str). p (borrowed) must outlive
 * req. ST_EMALFORMED / ST_ETRUNC with a message in err, ST_ETOOBIG past
 * HC_MAX_HEADERS values. On success release req with hc_request_deinit.
 */
int hc_request_decode(hc_request *req, const uint8_t *p, size_t len, st_err *err) ST_WARN_UNUSED;

/* Frees what hc_request_decode allocated; req may be decoded again. */
void hc_request_deinit(hc_request *req);

/*
 * Initialises libcurl once for the process. Call it before any thread runs
 * a request (libcurl's global init is not thread-safe). ST_EIO on failure.
 */
int hc_global_init(void) ST_WARN_UNUSED;

/*
 * Performs req with options o and appends the encoded HttpResponse map
 * (statusCode u16, header map name -> list of str with lower-case names and
 * non-ASCII values dropped, body bin) to out. Any HTTP status is a normal
 * response. On failure out is unchanged and err->msg holds the spec's
 * error text:
 *   ST_EINVAL  "invalid parameter: method: <m>:invalid HTTP method" (or a
 *              header/url fault, same prefix);
 *   ST_EIO     "sending request: <reason>" (connect, TLS, timeout before
 *              the response head);
 *   ST_EIO / ST_ETOOBIG "receiving response body: <reason>" (after the
 *              head: a broken body, a timeout, more than max_body_bytes);
 *   ST_ENOMEM  allocation failure.
 */
int hc_request_perform(const hc_options *o, const hc_request *req, st_buf *out,
                       st_err *err) ST_WARN_UNUSED;

/*
 * The whole operation HttpClient.Request: decodes the msgpack payload
 * (borrowed), performs it and appends the encoded response to out.
 * Errors as hc_request_decode and hc_request_perform.
 */
int hc_handle_request(const hc_options *o, const uint8_t *p, size_t len, st_buf *out,
                      st_err *err) ST_WARN_UNUSED;

#endif
