/*
 * httpserver.c - HTTP listeners for the wasmcloud:httpserver provider on
 * libh2o's libuv flavour (see httpserver.h for the behaviour).
 *
 * One h2o context per hs_server, on the embedder's loop, with one host and
 * one handler. Each listener has its own accept context whose host list is
 * an array inside the listener, so h2o hands every connection (HTTP/2 ones
 * made by upgrade or prior knowledge included) that pointer as conn->hosts,
 * and the handler finds the listener from it. Connections are our uv_tcp_t
 * wrapped by h2o_uv_socket_create; the h2o socket's on_close.data points
 * back at them (h2o uses on_close only for client sockets).
 *
 * Lifetimes. A listener lives while its uv handle is open or a connection
 * accepted on it is (refs), because conn->hosts points into it. A request
 * (hs_request) is heap memory owned by the embedder from dispatch until
 * hs_request_finish or its cancel hook; the h2o request may go away first
 * (client gone, deadline, server stopping). The link between them is a
 * guard allocated with h2o_mem_alloc_shared in the h2o request's pool: its
 * dispose callback runs when h2o frees the request and detaches the
 * hs_request, and answering detaches it from our side, so neither ever
 * touches the other's freed memory. Each hs_request with a deadline owns a
 * uv timer and is freed in the timer's close callback.
 */
#define _GNU_SOURCE /* strncasecmp */
#include "httpserver/httpserver.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <h2o.h>
#include <jansson.h>
#include <sodium.h>

#include "codec/msgpack.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/banned.h"

typedef struct hs_conn hs_conn;
typedef struct hs_listener hs_listener;

/* The handler h2o calls for every request of the server. */
typedef struct hs_handler {
	h2o_handler_t super; /* first: h2o allocates and frees it */
	hs_server *s;
} hs_handler;

struct hs_listener {
	h2o_hostconf_t *hosts[2];    /* {the server's host, NULL}: every conn->hosts of ours */
	h2o_accept_ctx_t accept_ctx; /* hosts above, the server's context */
	uv_tcp_t tcp;                /* the listening socket */
	hs_server *s;
	char *actor_id; /* owned */
	hs_settings settings;
	bool open;                /* accepting; false from unlisten or a failed listen */
	size_t refs;              /* 1 while tcp is not closed, + 1 per connection */
	hs_conn *conns;           /* open connections accepted here */
	hs_listener *prev, *next; /* s->listeners: every listener not freed */
};

struct hs_conn {
	uv_tcp_t tcp;         /* owned; h2o's socket wraps it and closes it */
	hs_listener *l;       /* holds a ref */
	size_t pending;       /* dispatched requests not answered yet */
	bool shut;            /* reading was shut down */
	hs_conn *prev, *next; /* l->conns */
};

/* The pool-allocated link from an h2o request to its hs_request. */
typedef struct hs_guard {
	hs_request *r; /* NULL once detached */
} hs_guard;

struct hs_request {
	hs_server *s;
	hs_listener *l;  /* the request's listener, NULL once ended */
	hs_conn *c;      /* the connection (NULL when h2o did not tell), NULL once ended */
	h2o_req_t *req;  /* NULL once ended */
	hs_guard *guard; /* in req's pool, NULL once ended */
	bool ended;      /* answered by anyone, or the client went away */
	bool cancelled;  /* ended without the embedder's answer: its hook is due */
	bool has_timer;  /* timer was initialised (and must be closed) */
	void (*cancel_fn)(void *arg);
	void *cancel_arg;
	uv_timer_t timer;        /* the deadline */
	hs_request *prev, *next; /* s->requests: every request not released */
};

struct hs_server {
	uv_loop_t *loop;
	hs_dispatch_cb cb;
	void *ud;
	h2o_globalconf_t conf;
	h2o_context_t ctx;
	hs_listener *listeners; /* every listener not freed, open or closing */
	hs_request *requests;   /* every request not released */
	size_t nhandles;        /* our uv handles not closed: listeners, request timers */
	size_t nconns;          /* connections whose handle is not closed */
	uint64_t grace_ms;
	bool closing;    /* hs_server_free runs */
	uv_timer_t wait; /* hs_server_free's time limits */
	bool wait_expired;
	hs_stats st;
};

/* ---- Settings --------------------------------------------------------------- */

void hs_settings_init(hs_settings *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->host, sizeof(s->host), "%s", HS_DEFAULT_HOST);
	s->port = HS_DEFAULT_PORT;
	s->timeout_ms = HS_DEFAULT_TIMEOUT_MS;
	s->max_body_bytes = HS_DEFAULT_MAX_BODY_BYTES;
}

void hs_settings_address(const hs_settings *s, char *buf, size_t n)
{
	if (strchr(s->host, ':'))
		snprintf(buf, n, "[%s]:%u", s->host, (unsigned)s->port);
	else
		snprintf(buf, n, "%s:%u", s->host, (unsigned)s->port);
}

/* A decimal number of at most max, digits only. */
static bool parse_uint(const char *p, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

int hs_settings_set_address(hs_settings *s, const char *address, st_err *err)
{
	const char *host, *colon;
	size_t host_len;
	char tmp[HS_HOST_MAX];
	unsigned char bin[16];
	uint64_t port;
	int af;

	if (address[0] == '[') {
		const char *close = strchr(address, ']');

		if (!close || close[1] != ':')
			goto bad;
		host = address + 1;
		host_len = (size_t)(close - host);
		colon = close + 1;
		af = AF_INET6;
	} else {
		colon = strrchr(address, ':');
		if (!colon)
			goto bad;
		host = address;
		host_len = (size_t)(colon - address);
		if (memchr(host, ':', host_len))
			goto bad; /* IPv6 needs brackets */
		af = AF_INET;
	}
	if (host_len == 0 || host_len >= sizeof(tmp))
		goto bad;
	memcpy(tmp, host, host_len);
	tmp[host_len] = 0;
	if (uv_inet_pton(af, tmp, bin) != 0)
		goto bad;
	if (!parse_uint(colon + 1, strlen(colon + 1), 65535, &port))
		goto bad;
	memcpy(s->host, tmp, host_len + 1);
	s->port = (uint16_t)port;
	return 0;
bad:
	return st_err_set(
		err, ST_EINVAL,
		"address \"%s\" is not ip:port (IPv4, or [IPv6]:port) with a port 0-65535",
		address);
}

static int json_uint(json_t *v, const char *what, const char *key, uint64_t min, uint64_t max,
                     uint64_t *out, st_err *err)
{
	json_int_t i;

	if (!json_is_integer(v))
		return st_err_set(err, ST_EINVAL, "%s: %s must be an integer", what, key);
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
		return st_err_set(err, ST_EINVAL, "%s: %s must be %llu..%llu", what, key,
		                  (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)i;
	return 0;
}

static int json_tls(json_t *tls, const char *what, st_err *err)
{
	static const char *const keys[] = { "cert_file", "priv_key_file" };

	if (json_is_null(tls))
		return 0;
	if (!json_is_object(tls))
		return st_err_set(err, ST_EINVAL, "%s: tls must be an object", what);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(tls, keys[i]);

		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v))
			return st_err_set(err, ST_EINVAL, "%s: tls.%s must be a string", what,
			                  keys[i]);
		if (json_string_length(v) > 0)
			return st_err_set(err, ST_ENOSYS, "%s: TLS (tls.%s) is not supported", what,
			                  keys[i]);
	}
	return 0;
}

int hs_settings_apply_json(hs_settings *s, const char *json, size_t len, const char *what,
                           st_err *err)
{
	json_error_t jerr;
	json_t *root, *v;
	uint64_t u;
	int rc = 0;

	if (!what)
		what = "settings";
	root = json_loadb(json, len, 0, &jerr);
	if (!root)
		return st_err_set(err, ST_EINVAL, "%s: invalid JSON at line %d column %d: %s", what,
		                  jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		rc = st_err_set(err, ST_EINVAL, "%s: settings must be a JSON object", what);
		goto out;
	}
	if ((v = json_object_get(root, "tls")) && (rc = json_tls(v, what, err)) != 0)
		goto out;
	if ((v = json_object_get(root, "address")) && !json_is_null(v)) {
		if (!json_is_string(v)) {
			rc = st_err_set(err, ST_EINVAL, "%s: address must be a string", what);
			goto out;
		}
		rc = hs_settings_set_address(s, json_string_value(v), err);
		if (rc) {
			char msg[ST_ERR_MSG_MAX];

			snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
			st_err_set(err, rc, "%s: %s", what, msg);
			goto out;
		}
	}
	if ((v = json_object_get(root, "timeout_ms")) && !json_is_null(v)) {
		rc = json_uint(v, what, "timeout_ms", 0, HS_MAX_TIMEOUT_MS, &u, err);
		if (rc)
			goto out;
		s->timeout_ms = u;
	}
	if ((v = json_object_get(root, "max_body_bytes")) && !json_is_null(v)) {
		rc = json_uint(v, what, "max_body_bytes", 1, HS_MAX_BODY_BYTES_LIMIT, &u, err);
		if (rc)
			goto out;
		s->max_body_bytes = (size_t)u;
	}
out:
	json_decref(root);
	return rc;
}

/* The value of link setting key (any case), or NULL. Keys were checked unique. */
static const char *link_value(const linkdef *ld, const char *key)
{
	for (size_t i = 0; i < ld->nvalues; i++)
		if (ld->values[i].key && strcasecmp(ld->values[i].key, key) == 0)
			return ld->values[i].value ? ld->values[i].value : "";
	return NULL;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int apply_file(hs_settings *s, const char *path, st_err *err)
{
	st_buf b;
	int rc;

	if (has_suffix(path, ".toml"))
		return st_err_set(err, ST_ENOSYS, "config_file %s: TOML settings are not supported",
		                  path);
	if (!has_suffix(path, ".json"))
		return st_err_set(err, ST_EINVAL, "config_file %s: must name a .json file", path);
	rc = st_file_read(path, HS_MAX_CONFIG_FILE_BYTES, &b, err);
	if (rc) {
		if (rc == ST_ENOTFOUND)
			rc = st_err_set(err, ST_EIO, "config_file %s: no such file", path);
		return rc;
	}
	rc = hs_settings_apply_json(s, b.n ? (const char *)b.p : "", b.n, "config_file", err);
	st_buf_deinit(&b);
	return rc;
}

static int apply_b64(hs_settings *s, const char *b64, st_err *err)
{
	size_t n = strlen(b64), binlen = 0;
	unsigned char *bin = xmalloc(n / 4 * 3 + 4);
	int rc;

	if (sodium_base642bin(bin, n / 4 * 3 + 4, b64, n, " \t\r\n", &binlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 &&
	    sodium_base642bin(bin, n / 4 * 3 + 4, b64, n, " \t\r\n", &binlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
		st_free(bin);
		return st_err_set(err, ST_EINVAL, "config_b64 is not valid base64");
	}
	rc = hs_settings_apply_json(s, (const char *)bin, binlen, "config_b64", err);
	st_free(bin);
	return rc;
}

int hs_settings_apply_link(hs_settings *s, const linkdef *ld, st_err *err)
{
	const char *v;
	uint64_t u;
	int rc;

	for (size_t i = 0; i < ld->nvalues; i++)
		for (size_t j = i + 1; j < ld->nvalues; j++)
			if (strcasecmp(ld->values[i].key, ld->values[j].key) == 0)
				return st_err_set(
					err, ST_EINVAL,
					"link settings \"%s\" and \"%s\" are the same key",
					ld->values[i].key, ld->values[j].key);
	if ((v = link_value(ld, "config_file")) && (rc = apply_file(s, v, err)) != 0)
		return rc;
	if ((v = link_value(ld, "config_b64")) && (rc = apply_b64(s, v, err)) != 0)
		return rc;
	if ((v = link_value(ld, "config_json")) &&
	    (rc = hs_settings_apply_json(s, v, strlen(v), "config_json", err)) != 0)
		return rc;
	if ((v = link_value(ld, "address")) && (rc = hs_settings_set_address(s, v, err)) != 0)
		return rc;
	if ((v = link_value(ld, "port"))) {
		if (!parse_uint(v, strlen(v), 65535, &u))
			return st_err_set(err, ST_EINVAL, "port \"%s\" is not a number 0-65535", v);
		snprintf(s->host, sizeof(s->host), "%s", HS_DEFAULT_HOST);
		s->port = (uint16_t)u;
	}
	if ((v = link_value(ld, "timeout_ms"))) {
		if (!parse_uint(v, strlen(v), HS_MAX_TIMEOUT_MS, &u))
			return st_err_set(err, ST_EINVAL, "timeout_ms \"%s\" is not a number 0-%u",
			                  v, HS_MAX_TIMEOUT_MS);
		s->timeout_ms = u;
	}
	if ((v = link_value(ld, "max_body_bytes"))) {
		if (!parse_uint(v, strlen(v), HS_MAX_BODY_BYTES_LIMIT, &u) || u == 0)
			return st_err_set(err, ST_EINVAL,
			                  "max_body_bytes \"%s\" is not a number 1-%u", v,
			                  HS_MAX_BODY_BYTES_LIMIT);
		s->max_body_bytes = (size_t)u;
	}
	return 0;
}

int hs_settings_from_link(hs_settings *s, const linkdef *ld, st_err *err)
{
	hs_settings_init(s);
	return hs_settings_apply_link(s, ld, err);
}

/* ---- Responses -------------------------------------------------------------- */

static const char *reason_of(int status)
{
	static const struct {
		int status;
		const char *reason;
	} reasons[] = {
		{ 200, "OK" },
		{ 201, "Created" },
		{ 202, "Accepted" },
		{ 204, "No Content" },
		{ 206, "Partial Content" },
		{ 301, "Moved Permanently" },
		{ 302, "Found" },
		{ 303, "See Other" },
		{ 304, "Not Modified" },
		{ 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" },
		{ 400, "Bad Request" },
		{ 401, "Unauthorized" },
		{ 403, "Forbidden" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 409, "Conflict" },
		{ 413, "Payload Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Entity" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 501, "Not Implemented" },
		{ 502, "Bad Gateway" },
		{ 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "";
}

static void count_status(hs_server *s, int status)
{
	if (status < 300)
		s->st.status_2xx++;
	else if (status < 400)
		s->st.status_3xx++;
	else if (status < 500)
		s->st.status_4xx++;
	else
		s->st.status_5xx++;
}

/* Sends status with body (which must live as long as req: in its pool, or static). */
static void send_response(hs_server *s, h2o_req_t *req, int status, const void *body, size_t len,
                          bool close)
{
	static h2o_generator_t generator = { NULL, NULL };
	h2o_iovec_t iov;
	bool no_body = status == 204 || status == 304;

	count_status(s, status);
	req->res.status = status;
	req->res.reason = reason_of(status);
	if (close)
		req->http1_is_persistent = 0;
	/* No Content-Length at all on 204 and 304 (RFC 9110 §8.6); h2o adds no chunking to them. */
	req->res.content_length = no_body ? SIZE_MAX : len;
	if (no_body || h2o_memis(req->input.method.base, req->input.method.len, H2O_STRLIT("HEAD")))
		len = 0;
	iov = h2o_iovec_init(len ? body : "", len);
	h2o_start_response(req, &generator);
	h2o_send(req, &iov, len ? 1 : 0, H2O_SEND_STATE_FINAL);
}

static void send_empty(hs_server *s, h2o_req_t *req, int status, bool close)
{
	send_response(s, req, status, "", 0, close);
}

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool valid_name(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)p[i]))
			return false;
	return true;
}

/* Field values: visible ASCII, space, tab and obs-text; no CR, LF, NUL or other controls. */
static bool valid_response_value(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* Headers h2o writes itself, or that are specific to one connection. */
static bool managed_header(const char *p, size_t n)
{
	static const char *const names[] = {
		"content-length", "transfer-encoding", "connection", "keep-alive",
		"upgrade",        "proxy-connection",  "te",         "date"
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], p, n) == 0)
			return true;
	return false;
}

/* What parse_response found: the header map is read again from hdr_pos. */
typedef struct parsed_response {
	uint64_t status;
	const uint8_t *body;
	size_t body_len;
	size_t hdr_pos;  /* offset of the header map, SIZE_MAX when nil */
	bool has_header; /* required: a map or nil */
} parsed_response;

static int read_blob(mp_reader *r, const uint8_t **p, size_t *n)
{
	mp_type t;
	const char *s;
	int rc = mp_peek(r, &t);

	if (rc)
		return rc;
	if (t == MP_NIL) {
		*p = NULL;
		*n = 0;
		return mp_read_nil(r);
	}
	if (t == MP_STR) {
		rc = mp_read_str(r, &s, n);
		*p = (const uint8_t *)s;
		return rc;
	}
	return mp_read_bin(r, p, n);
}

/* Checks the header map's shape: str -> array of str. */
static int check_header_map(mp_reader *r)
{
	uint32_t n, m;
	const char *s;
	size_t len;
	int rc;

	if ((rc = mp_read_map(r, &n)) != 0)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		if ((rc = mp_read_str(r, &s, &len)) != 0 || (rc = mp_read_array(r, &m)) != 0)
			return rc;
		for (uint32_t j = 0; j < m; j++)
			if ((rc = mp_read_str(r, &s, &len)) != 0)
				return rc;
	}
	return 0;
}

static int parse_response(const uint8_t *p, size_t n, parsed_response *out)
{
	mp_reader r;
	uint32_t nfields;
	const char *key;
	size_t klen;
	mp_type t;
	int rc;

	memset(out, 0, sizeof(*out));
	out->hdr_pos = SIZE_MAX;
	mp_reader_init(&r, p, n);
	if ((rc = mp_read_map(&r, &nfields)) != 0)
		return rc;
	for (uint32_t i = 0; i < nfields; i++) {
		if ((rc = mp_read_str(&r, &key, &klen)) != 0)
			return rc;
		if (mp_str_eq(key, klen, "statusCode")) {
			rc = mp_read_uint(&r, &out->status);
		} else if (mp_str_eq(key, klen, "header")) {
			out->has_header = true;
			rc = mp_peek(&r, &t);
			if (rc == 0 && t == MP_NIL) {
				out->hdr_pos = SIZE_MAX;
				rc = mp_read_nil(&r);
			} else if (rc == 0) {
				out->hdr_pos = r.pos;
				rc = check_header_map(&r);
			}
		} else if (mp_str_eq(key, klen, "body")) {
			rc = read_blob(&r, &out->body, &out->body_len);
		} else {
			rc = mp_skip(&r);
		}
		if (rc)
			return rc;
	}
	return out->has_header ? 0 : ST_EMALFORMED;
}

/* Adds the valid headers of the (already checked) map at hdr_pos to req's response. */
static void add_response_headers(h2o_req_t *req, const uint8_t *p, size_t n, size_t hdr_pos)
{
	mp_reader r;
	uint32_t nnames, nvals;
	const char *name, *val;
	size_t nlen, vlen;

	mp_reader_init(&r, p, n);
	r.pos = hdr_pos;
	if (mp_read_map(&r, &nnames) != 0)
		return;
	for (uint32_t i = 0; i < nnames; i++) {
		bool ok;

		if (mp_read_str(&r, &name, &nlen) != 0 || mp_read_array(&r, &nvals) != 0)
			return;
		ok = valid_name(name, nlen) && !managed_header(name, nlen);
		for (uint32_t j = 0; j < nvals; j++) {
			h2o_iovec_t nc, vc;

			if (mp_read_str(&r, &val, &vlen) != 0)
				return;
			if (!ok || !valid_response_value(val, vlen))
				continue;
			nc = h2o_strdup(&req->pool, name, nlen);
			h2o_strtolower(nc.base, nc.len);
			vc = h2o_strdup(&req->pool, val, vlen);
			h2o_add_header_by_str(&req->pool, &req->res.headers, nc.base, nc.len, 1,
			                      NULL, vc.base, vc.len);
		}
	}
}

/* Sends the HttpResponse resp, or 500 when it does not decode or has a bad status. */
static void send_http_response(hs_server *s, h2o_req_t *req, const uint8_t *resp, size_t len,
                               bool close)
{
	parsed_response pr;
	void *body = NULL;

	if (!resp || parse_response(resp, len, &pr) != 0 || pr.status < 200 || pr.status > 599) {
		send_empty(s, req, 500, close);
		return;
	}
	if (pr.hdr_pos != SIZE_MAX)
		add_response_headers(req, resp, len, pr.hdr_pos);
	if (pr.body_len) {
		body = h2o_mem_alloc_pool(&req->pool, pr.body_len);
		memcpy(body, pr.body, pr.body_len);
	}
	send_response(s, req, (int)pr.status, body, pr.body_len, close);
}

/* ---- Requests --------------------------------------------------------------- */

/* One request header for the encoder. */
typedef struct req_header {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
	size_t idx; /* original position: keeps the values of one name in order */
} req_header;

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int name_cmp(const req_header *a, const req_header *b)
{
	size_t n = a->nlen < b->nlen ? a->nlen : b->nlen;

	for (size_t i = 0; i < n; i++) {
		int d = lower((unsigned char)a->name[i]) - lower((unsigned char)b->name[i]);

		if (d)
			return d;
	}
	return a->nlen < b->nlen ? -1 : a->nlen > b->nlen;
}

static int header_sort(const void *pa, const void *pb)
{
	const req_header *a = pa, *b = pb;
	int d = name_cmp(a, b);

	if (d)
		return d;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Request header values the actor sees: visible ASCII, space and tab only. */
static bool visible_ascii(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return false;
	}
	return true;
}

/* Writes a str and lower- or upper-cases it in the output. */
static void write_cased(mp_writer *w, const char *p, size_t n, bool upper)
{
	if (mp_write_str(w, p, n) != 0)
		return;
	for (size_t i = w->n - n; i < w->n; i++) {
		uint8_t c = w->p[i];

		if (upper && c >= 'a' && c <= 'z')
			w->p[i] = (uint8_t)(c - ('a' - 'A'));
		else if (!upper && c >= 'A' && c <= 'Z')
			w->p[i] = (uint8_t)(c + ('a' - 'A'));
	}
}

static void encode_headers(h2o_req_t *req, mp_writer *w)
{
	size_t n = 0, cap = req->headers.size + 2, ngroups = 0;
	req_header *h = xcalloc(cap, sizeof(*h));
	char cl[32];
	bool has_cl = false;

	for (size_t i = 0; i < req->headers.size; i++) {
		const h2o_header_t *e = &req->headers.entries[i];

		if (e->name->len == 14 && strncasecmp(e->name->base, "content-length", 14) == 0)
			has_cl = true;
		if (!visible_ascii(e->value.base, e->value.len))
			continue;
		h[n] = (req_header){ e->name->base, e->name->len, e->value.base, e->value.len, n };
		n++;
	}
	/* h2o keeps Host (HTTP/1) and Content-Length out of the list; hyper has them. */
	if (req->version < 0x200 && req->input.authority.base &&
	    req->input.authority.base != req->hostconf->authority.hostport.base &&
	    visible_ascii(req->input.authority.base, req->input.authority.len)) {
		h[n] = (req_header){ "host", 4, req->input.authority.base, req->input.authority.len,
			             n };
		n++;
	}
	if (req->entity.base && !has_cl) {
		int m = snprintf(cl, sizeof(cl), "%zu", req->entity.len);

		h[n] = (req_header){ "content-length", 14, cl, (size_t)m, n };
		n++;
	}
	qsort(h, n, sizeof(*h), header_sort);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || name_cmp(&h[i - 1], &h[i]) != 0)
			ngroups++;
	(void)mp_write_map(w, (uint32_t)ngroups);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && name_cmp(&h[i], &h[j]) == 0)
			j++;
		write_cased(w, h[i].name, h[i].nlen, false);
		(void)mp_write_array(w, (uint32_t)(j - i));
		for (size_t k = i; k < j; k++)
			(void)mp_write_str(w, h[k].val, h[k].vlen);
		i = j;
	}
	st_free(h);
}

/* Appends req's HttpRequest (interfaces.md §3.2) to w; w's status says how it went. */
static int encode_request(h2o_req_t *req, mp_writer *w)
{
	size_t path_len = req->path.len, qlen = 0;
	const char *query = "";

	if (req->query_at != SIZE_MAX && req->query_at < req->path.len) {
		path_len = req->query_at;
		query = req->path.base + req->query_at + 1;
		qlen = req->path.len - req->query_at - 1;
	}
	(void)mp_write_map(w, 5);
	(void)mp_write_cstr(w, "method");
	write_cased(w, req->method.base, req->method.len, true);
	(void)mp_write_cstr(w, "path");
	(void)mp_write_str(w, path_len ? req->path.base : "", path_len);
	(void)mp_write_cstr(w, "queryString");
	(void)mp_write_str(w, query, qlen);
	(void)mp_write_cstr(w, "header");
	encode_headers(req, w);
	(void)mp_write_cstr(w, "body");
	(void)mp_write_bin(w, req->entity.base ? req->entity.base : "", req->entity.len);
	return mp_writer_status(w);
}

static void conn_shut(hs_conn *c);

static void on_timer_closed(uv_handle_t *h)
{
	hs_request *r = h->data;

	r->s->nhandles--;
	st_free(r);
}

/* Frees r (after its timer closed): the embedder is done with it. */
static void request_release(hs_request *r)
{
	hs_server *s = r->s;

	if (r->prev)
		r->prev->next = r->next;
	else
		s->requests = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	if (r->has_timer)
		uv_close((uv_handle_t *)&r->timer, on_timer_closed);
	else
		st_free(r);
}

/* r is answered (the caller sends on the saved req) or its client is gone. */
static void request_end(hs_request *r)
{
	hs_server *s = r->s;
	hs_conn *c = r->c;

	r->ended = true;
	s->st.in_flight--;
	if (r->has_timer)
		uv_timer_stop(&r->timer);
	if (r->guard)
		r->guard->r = NULL;
	r->guard = NULL;
	r->req = NULL;
	r->l = NULL;
	r->c = NULL;
	if (c && c->pending > 0 && --c->pending == 0 && (!c->l->open || s->closing))
		conn_shut(c);
}

/* Runs r's cancel hook, which releases it; without a hook r waits for finish. */
static void request_cancel(hs_request *r)
{
	void (*fn)(void *) = r->cancel_fn;

	r->cancelled = true;
	if (!fn)
		return;
	r->cancel_fn = NULL;
	fn(r->cancel_arg);
	request_release(r);
}

/* h2o frees the request before we answered: the client went away. */
static void on_guard_dispose(void *p)
{
	hs_guard *g = p;
	hs_request *r = g->r;

	if (!r)
		return;
	r->guard = NULL; /* g is freed right after this */
	r->s->st.disconnects++;
	request_end(r);
	request_cancel(r);
}

/* Should the answer close the connection (its listener is closed)? */
static bool request_closes(const hs_request *r)
{
	return r->s->closing || (r->l && !r->l->open);
}

static void on_deadline(uv_timer_t *t)
{
	hs_request *r = t->data;
	hs_server *s = r->s;
	h2o_req_t *req = r->req;
	bool close = request_closes(r);

	if (r->ended)
		return;
	s->st.deadlines++;
	request_end(r);
	send_empty(s, req, 504, close);
	request_cancel(r);
}

void hs_request_finish(hs_request *r, hs_outcome outcome, const uint8_t *resp, size_t len)
{
	hs_server *s;

	if (!r)
		return;
	s = r->s;
	if (!r->ended) {
		h2o_req_t *req = r->req;
		bool close = request_closes(r);

		request_end(r);
		switch (outcome) {
		case HS_OK:
			send_http_response(s, req, resp, len, close);
			break;
		case HS_TIMEOUT:
			send_empty(s, req, 503, close);
			break;
		case HS_FAILED:
		default:
			send_empty(s, req, 500, close);
			break;
		}
	}
	r->cancel_fn = NULL;
	request_release(r);
}

void hs_request_on_cancel(hs_request *r, void (*fn)(void *arg), void *arg)
{
	r->cancel_fn = fn;
	r->cancel_arg = arg;
	if (r->cancelled && fn)
		request_cancel(r);
}

static hs_listener *listener_of(h2o_req_t *req)
{
	return (hs_listener *)(void *)((char *)req->conn->hosts - offsetof(hs_listener, hosts));
}

static hs_conn *conn_of(h2o_req_t *req)
{
	h2o_socket_t *sock = NULL;

	if (req->conn->callbacks->get_socket)
		sock = req->conn->callbacks->get_socket(req->conn);
	return sock ? sock->on_close.data : NULL;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
	hs_server *s = ((hs_handler *)self)->s;
	hs_listener *l = listener_of(req);
	hs_conn *c = conn_of(req);
	hs_request *r;
	mp_writer w;
	int rc;

	s->st.requests++;
	if (s->closing || !l->open) {
		send_empty(s, req, 503, true);
		return 0;
	}
	if (req->entity.len > l->settings.max_body_bytes) {
		send_empty(s, req, 413, false);
		return 0;
	}
	mp_writer_init_default(&w, req->entity.len + HS_MAX_HEAD_BYTES);
	rc = encode_request(req, &w);
	if (rc) {
		mp_writer_deinit(&w);
		send_empty(s, req, rc == ST_ETOOBIG ? 431 : 500, false);
		return 0;
	}
	r = xcalloc(1, sizeof(*r));
	r->s = s;
	r->l = l;
	r->c = c;
	r->req = req;
	r->guard = h2o_mem_alloc_shared(&req->pool, sizeof(*r->guard), on_guard_dispose);
	r->guard->r = r;
	r->next = s->requests;
	if (s->requests)
		s->requests->prev = r;
	s->requests = r;
	s->st.dispatched++;
	s->st.in_flight++;
	if (c)
		c->pending++;
	if (l->settings.timeout_ms) {
		uv_timer_init(s->loop, &r->timer);
		r->timer.data = r;
		r->has_timer = true;
		s->nhandles++;
		uv_timer_start(&r->timer, on_deadline, l->settings.timeout_ms, 0);
	}
	s->cb(r, l->actor_id, w.p, w.n, s->ud);
	mp_writer_deinit(&w);
	return 0;
}

/* ---- Connections and listeners ---------------------------------------------- */

static void listener_unref(hs_listener *l)
{
	hs_server *s = l->s;

	if (--l->refs > 0)
		return;
	if (l->prev)
		l->prev->next = l->next;
	else
		s->listeners = l->next;
	if (l->next)
		l->next->prev = l->prev;
	st_free(l->actor_id);
	st_free(l);
}

/* No more requests on c: h2o reads end of file and closes it once its writes are done. */
static void conn_shut(hs_conn *c)
{
	uv_os_fd_t fd;

	if (c->shut || uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	c->shut = true;
	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
		shutdown(fd, SHUT_RD);
}

/* The last resort: writes fail too. */
static void conn_kill(hs_conn *c)
{
	uv_os_fd_t fd;

	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	c->shut = true;
	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
		shutdown(fd, SHUT_RDWR);
}

static void on_conn_closed(uv_handle_t *h)
{
	hs_conn *c = (hs_conn *)(void *)h;
	hs_listener *l = c->l;
	hs_server *s = l->s;

	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	s->st.connections--;
	st_free(c);
	listener_unref(l);
}

static void on_refused_closed(uv_handle_t *h)
{
	st_free(h);
}

static void on_accept(uv_stream_t *server, int status)
{
	hs_listener *l = server->data;
	hs_server *s = l->s;
	h2o_socket_t *sock;
	hs_conn *c;

	if (status < 0 || !l->open)
		return;
	c = xcalloc(1, sizeof(*c));
	uv_tcp_init(s->loop, &c->tcp);
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		uv_close((uv_handle_t *)&c->tcp, on_refused_closed);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	c->l = l;
	l->refs++;
	c->next = l->conns;
	if (l->conns)
		l->conns->prev = c;
	l->conns = c;
	s->nconns++;
	s->st.connections++;
	sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_closed);
	sock->on_close.data = c;
	h2o_accept(&l->accept_ctx, sock);
}

static void on_listener_closed(uv_handle_t *h)
{
	hs_listener *l = h->data;

	l->s->nhandles--;
	listener_unref(l);
}

/* The largest body any open listener takes: h2o refuses longer ones before reading them. */
static void update_body_limit(hs_server *s)
{
	size_t max = 0;

	for (hs_listener *l = s->listeners; l; l = l->next)
		if (l->open && l->settings.max_body_bytes > max)
			max = l->settings.max_body_bytes;
	s->conf.max_request_entity_size = max ? max : 1;
}

static void listener_close(hs_listener *l)
{
	hs_server *s = l->s;

	if (l->open) {
		l->open = false;
		s->st.listeners--;
	}
	if (!uv_is_closing((uv_handle_t *)&l->tcp))
		uv_close((uv_handle_t *)&l->tcp, on_listener_closed);
	for (hs_conn *c = l->conns; c; c = c->next)
		if (c->pending == 0)
			conn_shut(c);
	update_body_limit(s);
}

static hs_listener *find_listener(const hs_server *s, const char *actor_id)
{
	for (hs_listener *l = s->listeners; l; l = l->next)
		if (l->open && strcmp(l->actor_id, actor_id) == 0)
			return l;
	return NULL;
}

int hs_server_listen(hs_server *s, const char *actor_id, const hs_settings *st, st_err *err)
{
	struct sockaddr_storage sa;
	char addr[HS_ADDRESS_MAX];
	hs_listener *l;
	int rc;

	if (!s || !actor_id || !st)
		return st_err_set(err, ST_EINVAL, "hs_server_listen: NULL argument");
	if (s->closing)
		return st_err_set(err, ST_ESTATE, "the HTTP server is stopping");
	if (find_listener(s, actor_id))
		return st_err_set(err, ST_ESTATE, "actor %s has a listener already", actor_id);
	hs_settings_address(st, addr, sizeof(addr));
	if (strchr(st->host, ':'))
		rc = uv_ip6_addr(st->host, st->port, (struct sockaddr_in6 *)&sa);
	else
		rc = uv_ip4_addr(st->host, st->port, (struct sockaddr_in *)&sa);
	if (rc)
		return st_err_set(err, ST_EINVAL, "bad bind address %s", addr);
	l = xcalloc(1, sizeof(*l));
	l->s = s;
	l->actor_id = xstrdup(actor_id);
	l->settings = *st;
	l->hosts[0] = s->conf.hosts[0];
	l->accept_ctx.ctx = &s->ctx;
	l->accept_ctx.hosts = l->hosts;
	l->refs = 1;
	uv_tcp_init(s->loop, &l->tcp);
	l->tcp.data = l;
	s->nhandles++;
	l->next = s->listeners;
	if (s->listeners)
		s->listeners->prev = l;
	s->listeners = l;
	/* libuv sets SO_REUSEADDR; a busy port shows at bind or, deferred, at listen. */
	rc = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&sa, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&l->tcp, SOMAXCONN, on_accept);
	if (rc) {
		uv_close((uv_handle_t *)&l->tcp, on_listener_closed);
		if (rc == UV_EADDRINUSE)
			return st_err_set(err, ST_EIO, "address %s is in use", addr);
		return st_err_set(err, ST_EIO, "cannot listen on %s: %s", addr, uv_strerror(rc));
	}
	l->open = true;
	s->st.listeners++;
	update_body_limit(s);
	return 0;
}

bool hs_server_unlisten(hs_server *s, const char *actor_id)
{
	hs_listener *l = s && actor_id ? find_listener(s, actor_id) : NULL;

	if (!l)
		return false;
	listener_close(l);
	return true;
}

int hs_server_local_port(const hs_server *s, const char *actor_id)
{
	hs_listener *l = find_listener(s, actor_id);
	struct sockaddr_storage sa;
	int len = sizeof(sa);

	if (!l || uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&sa, &len) != 0)
		return ST_ENOTFOUND;
	if (sa.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	return ntohs(((struct sockaddr_in *)&sa)->sin_port);
}

void hs_server_stats(const hs_server *s, hs_stats *out)
{
	*out = s->st;
}

void hs_server_set_grace_ms(hs_server *s, uint64_t grace_ms)
{
	s->grace_ms = grace_ms;
}

/* ---- The server -------------------------------------------------------------- */

/* How long hs_server_free waits for connections to close, twice at most. */
#define CLOSE_WAIT_MS 1000

int hs_server_new(uv_loop_t *loop, hs_dispatch_cb cb, void *ud, hs_server **out, st_err *err)
{
	h2o_hostconf_t *host;
	h2o_pathconf_t *path;
	hs_handler *h;
	hs_server *s;

	*out = NULL;
	if (!loop || !cb)
		return st_err_set(err, ST_EINVAL, "hs_server_new: NULL loop or callback");
	s = xcalloc(1, sizeof(*s));
	s->loop = loop;
	s->cb = cb;
	s->ud = ud;
	s->grace_ms = HS_DEFAULT_GRACE_MS;
	h2o_config_init(&s->conf);
	s->conf.server_name = h2o_iovec_init(H2O_STRLIT(""));
	host = h2o_config_register_host(&s->conf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	/* Every path, and the fallback for targets such as "*". */
	path = h2o_config_register_path(host, "/", 0);
	h = (hs_handler *)h2o_create_handler(path, sizeof(*h));
	h->super.on_req = on_req;
	h->s = s;
	h = (hs_handler *)h2o_create_handler(&host->fallback_path, sizeof(*h));
	h->super.on_req = on_req;
	h->s = s;
	update_body_limit(s);
	h2o_context_init(&s->ctx, loop, &s->conf);
	*out = s;
	return 0;
}

static void on_wait_timer(uv_timer_t *t)
{
	((hs_server *)t->data)->wait_expired = true;
}

static void on_wait_closed(uv_handle_t *h)
{
	((hs_server *)h->data)->nhandles--;
}

/* Runs the loop until done(s) or ms passed. Returns done(s). */
static bool run_until(hs_server *s, bool (*done)(const hs_server *), uint64_t ms)
{
	s->wait_expired = false;
	uv_timer_start(&s->wait, on_wait_timer, ms, 0);
	while (!done(s) && !s->wait_expired)
		uv_run(s->loop, UV_RUN_ONCE);
	uv_timer_stop(&s->wait);
	return done(s);
}

static bool no_requests_in_flight(const hs_server *s)
{
	return s->st.in_flight == 0;
}

static bool no_connections(const hs_server *s)
{
	return s->nconns == 0;
}

void hs_server_free(hs_server *s)
{
	hs_request *r;

	if (!s)
		return;
	s->closing = true;
	uv_timer_init(s->loop, &s->wait);
	s->wait.data = s;
	s->nhandles++;
	for (hs_listener *l = s->listeners; l; l = l->next)
		listener_close(l);
	/*
	 * Not h2o_context_request_shutdown: its HTTP/2 GOAWAY timer would still be
	 * linked when the context is disposed. Answers given from now on close
	 * their connections (request_closes), and connections are shut below.
	 */
	if (s->st.in_flight && s->grace_ms)
		run_until(s, no_requests_in_flight, s->grace_ms);
	/* Whatever is left gets 503; the embedder hears of it through the hooks. */
	while ((r = s->requests) != NULL) {
		void (*fn)(void *) = r->cancel_fn;

		if (!r->ended) {
			h2o_req_t *req = r->req;

			request_end(r);
			send_empty(s, req, 503, true);
		}
		r->cancel_fn = NULL;
		if (fn)
			fn(r->cancel_arg);
		request_release(r);
	}
	/* Connections end once their last answers are written; stragglers are cut. */
	for (hs_listener *l = s->listeners; l; l = l->next)
		for (hs_conn *c = l->conns; c; c = c->next)
			conn_shut(c);
	if (!run_until(s, no_connections, CLOSE_WAIT_MS)) {
		for (hs_listener *l = s->listeners; l; l = l->next)
			for (hs_conn *c = l->conns; c; c = c->next)
				conn_kill(c);
		run_until(s, no_connections, CLOSE_WAIT_MS);
	}
	uv_close((uv_handle_t *)&s->wait, on_wait_closed);
	while (s->nhandles > 0)
		uv_run(s->loop, UV_RUN_ONCE); /* only closes are left: no blocking */
	if (s->nconns > 0)
		return; /* never seen: h2o kept a dead connection; a leak beats freeing under it */
	h2o_context_dispose(&s->ctx);
	h2o_config_dispose(&s->conf);
	st_free(s);
}
