/*
 * fetch.c - test actor for the wasmcloud:httpclient provider. On
 * HttpServer.HandleRequest it takes the URL from the query parameter
 * url=<url> (percent-decoded), calls HttpClient.Request (binding "default",
 * namespace wasmcloud:httpclient) with a GET of that URL, and answers 200
 * with the body "<upstream status> <upstream body>". A failed host call is
 * answered 502 with the host's error text as the body; a request without
 * a url parameter 400. MessagePack comes from src/codec/msgpack.c, which
 * builds freestanding; its writer allocates from the invocation arena.
 * Claims needed: wasmcloud:httpserver and wasmcloud:httpclient.
 */
#include "wasmbus.h"

#include "codec/msgpack.h"

/* Largest message this actor encodes. */
#define MSG_MAX (16u * 1024 * 1024)

/*
 * The writer's hook on the arena: each block is prefixed with its size so
 * a resize can copy the old bytes. The arena frees nothing by itself.
 */
static void *arena_realloc(void *p, size_t n, void *ud)
{
	size_t *blk, old;

	(void)ud;
	if (n == 0)
		return NULL;
	blk = wasmbus_alloc(n + sizeof(size_t) * 2); /* keeps 8-byte alignment */
	if (!blk)
		return NULL;
	blk[0] = n;
	if (p) {
		old = ((size_t *)p)[-2];
		memcpy(blk + 2, p, old < n ? old : n);
	}
	return blk + 2;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Finds the parameter url in the query (n bytes) and returns it
 * percent-decoded and NUL-terminated in the arena, or NULL when absent.
 */
static char *query_url(const char *q, size_t n, size_t *len)
{
	size_t i = 0;

	while (i < n) {
		size_t end = i;

		while (end < n && q[end] != '&')
			end++;
		if (end - i >= 4 && memcmp(q + i, "url=", 4) == 0) {
			char *out = wasmbus_alloc(end - i);
			size_t o = 0;

			if (!out)
				return NULL;
			for (size_t k = i + 4; k < end; k++) {
				int hi = k + 2 < end ? hexval((uint8_t)q[k + 1]) : -1;
				int lo = k + 2 < end ? hexval((uint8_t)q[k + 2]) : -1;

				if (q[k] == '%' && hi >= 0 && lo >= 0) {
					out[o++] = (char)(hi << 4 | lo);
					k += 2;
				} else {
					out[o++] = q[k];
				}
			}
			out[o] = '\0';
			*len = o;
			return out;
		}
		i = end + 1;
	}
	return NULL;
}

/* Answers an HttpServer HttpResponse {statusCode, header {}, body}. */
static int respond(unsigned status, const void *body, size_t len)
{
	mp_writer w;

	mp_writer_init(&w, MSG_MAX, arena_realloc, NULL);
	mp_write_map(&w, 3);
	mp_write_cstr(&w, "statusCode");
	mp_write_uint(&w, status);
	mp_write_cstr(&w, "header");
	mp_write_map(&w, 0);
	mp_write_cstr(&w, "body");
	mp_write_bin(&w, body, len);
	if (mp_writer_status(&w) != 0)
		return wasmbus_fail("fetch: response too large");
	wasmbus_reply(w.p, w.n);
	return WASMBUS_OK;
}

/* Reads a blob as bin, or as str (serde_bytes takes both). */
static int read_blob(mp_reader *r, const uint8_t **p, size_t *len)
{
	mp_type t;

	if (mp_peek(r, &t) != 0)
		return -1;
	if (t == MP_STR)
		return mp_read_str(r, (const char **)p, len);
	return mp_read_bin(r, p, len);
}

/* Decodes the query string of an HttpServer HttpRequest; 0 when malformed. */
static int request_query(const uint8_t *req, size_t len, const char **q, size_t *qlen)
{
	mp_reader r;
	uint32_t n;

	*q = "";
	*qlen = 0;
	mp_reader_init(&r, req, len);
	if (mp_read_map(&r, &n) != 0)
		return 0;
	while (n--) {
		const char *k;
		size_t kn;

		if (mp_read_str(&r, &k, &kn) != 0)
			return 0;
		if (mp_str_eq(k, kn, "queryString")) {
			if (mp_read_str(&r, q, qlen) != 0)
				return 0;
		} else if (mp_skip(&r) != 0) {
			return 0;
		}
	}
	return 1;
}

/* The HttpClient HttpRequest for a GET of url. */
static int encode_get(mp_writer *w, const char *url, size_t url_len)
{
	mp_writer_init(w, MSG_MAX, arena_realloc, NULL);
	mp_write_map(w, 4);
	mp_write_cstr(w, "method");
	mp_write_cstr(w, "GET");
	mp_write_cstr(w, "url");
	mp_write_str(w, url, url_len);
	mp_write_cstr(w, "headers");
	mp_write_map(w, 0);
	mp_write_cstr(w, "body");
	mp_write_bin(w, "", 0);
	return mp_writer_status(w) == 0;
}

/* Decodes an HttpClient HttpResponse; 0 when malformed or a field is missing. */
static int decode_response(const uint8_t *p, size_t len, uint64_t *status, const uint8_t **body,
                           size_t *body_len)
{
	mp_reader r;
	uint32_t n;
	int seen = 0;

	mp_reader_init(&r, p, len);
	if (mp_read_map(&r, &n) != 0)
		return 0;
	while (n--) {
		const char *k;
		size_t kn;
		int rc;

		if (mp_read_str(&r, &k, &kn) != 0)
			return 0;
		if (mp_str_eq(k, kn, "statusCode")) {
			rc = mp_read_uint(&r, status);
			seen |= 1;
		} else if (mp_str_eq(k, kn, "body")) {
			rc = read_blob(&r, body, body_len);
			seen |= 2;
		} else {
			rc = mp_skip(&r);
		}
		if (rc != 0)
			return 0;
	}
	return seen == 3;
}

/* Writes v in decimal at out (room for 20 digits); returns the digit count. */
static size_t put_uint(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[i++] = tmp[--n];
	return i;
}

static int handle_request(const uint8_t *req, size_t len)
{
	static const char no_url[] = "missing query parameter url";
	const char *q, *url;
	const uint8_t *body = (const uint8_t *)"";
	size_t qlen, url_len = 0, out_len, body_len = 0, at;
	uint64_t status = 0;
	uint8_t *out;
	char *text;
	mp_writer w;

	if (!request_query(req, len, &q, &qlen))
		return wasmbus_fail("fetch: malformed HttpRequest");
	url = query_url(q, qlen, &url_len);
	if (!url)
		return respond(400, no_url, sizeof(no_url) - 1);
	if (!encode_get(&w, url, url_len))
		return wasmbus_fail("fetch: request too large");
	if (!wasmbus_host_call("default", "wasmcloud:httpclient", "HttpClient.Request", w.p, w.n,
	                       &out, &out_len))
		return respond(502, out, out_len);
	if (!decode_response(out, out_len, &status, &body, &body_len))
		return wasmbus_fail("fetch: malformed HttpResponse from the provider");
	text = wasmbus_alloc(21 + body_len);
	if (!text)
		return wasmbus_fail("fetch: out of memory");
	at = put_uint(text, status);
	text[at++] = ' ';
	memcpy(text + at, body, body_len);
	return respond(200, text, at + body_len);
}

const wasmbus_op wasmbus_ops[] = {
	{ "HttpServer.HandleRequest", handle_request },
	{ 0, 0 },
};
