/*
 * actor.c - the @NAME@ actor: answers every HTTP request
 * (HttpServer.HandleRequest of wasmcloud:httpserver) with a greeting, and
 * logs each request through the host's logger (wasmcloud:builtin:logging).
 * Both contracts are in the capabilities of actor.conf.
 *
 * Build and sign it with `stratus build`; README.md shows how to run it.
 * Memory comes from the invocation arena of the SDK: nothing is freed.
 */
#include "codec/msgpack.h"
#include "wasmbus.h"
#include "wc_log.h"
#include "wc_reply.h"
#include "wc_rt.h"
#include "wc_str.h"

/* The largest response this actor encodes, in bytes. */
#define RESPONSE_MAX (1u << 20)

/* The fields of an HttpRequest (interfaces.md §3.2) this actor reads. */
typedef struct request {
	wc_str method;
	wc_str path;
	wc_str query;
} request;

/* Decodes the HttpRequest map, skipping the fields not used here. */
static int decode_request(mp_reader *r, request *req)
{
	uint32_t n;
	int rc = mp_read_map(r, &n);

	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		const char *key;
		size_t len;

		rc = mp_read_str(r, &key, &len);
		if (rc != 0)
			break;
		if (mp_str_eq(key, len, "method"))
			rc = mp_read_str(r, &req->method.p, &req->method.n);
		else if (mp_str_eq(key, len, "path"))
			rc = mp_read_str(r, &req->path.p, &req->path.n);
		else if (mp_str_eq(key, len, "queryString"))
			rc = mp_read_str(r, &req->query.p, &req->query.n);
		else
			rc = mp_skip(r);
	}
	return rc;
}

/* HttpServer.HandleRequest: 200 with a text/plain greeting. */
static int handle_request(const uint8_t *msg, size_t len)
{
	request req = { { "", 0 }, { "", 0 }, { "", 0 } };
	const char *line;
	mp_reader r;
	mp_writer w;
	wc_buf text;
	int rc;

	mp_reader_init(&r, msg, len);
	rc = decode_request(&r, &req);
	if (rc != 0)
		return wc_fail_decode("HttpRequest", &r, rc);

	/* "GET /path": the log line and the end of the greeting. */
	wc_buf_init(&text);
	wc_buf_add_str(&text, req.method);
	wc_buf_addc(&text, ' ');
	wc_buf_add_str(&text, req.path);
	line = wc_buf_str(&text);
	if (!line)
		return wc_fail("out of memory");
	wc_log_info(line); /* fails only without the logging claim; not fatal here */

	wc_buf_init(&text);
	wc_buf_adds(&text, "Hello from @NAME@! You asked for ");
	wc_buf_adds(&text, line);
	wc_buf_addc(&text, '\n');
	if (!wc_buf_str(&text))
		return wc_fail("out of memory");

	/* HttpResponse: statusCode, header (name -> list of values), body. */
	wc_writer_init(&w, RESPONSE_MAX);
	mp_write_map(&w, 3);
	mp_write_cstr(&w, "statusCode");
	mp_write_uint(&w, 200);
	mp_write_cstr(&w, "header");
	mp_write_map(&w, 1);
	mp_write_cstr(&w, "content-type");
	mp_write_array(&w, 1);
	mp_write_cstr(&w, "text/plain; charset=utf-8");
	mp_write_cstr(&w, "body");
	mp_write_bin(&w, text.p, text.n);
	return wc_reply_writer(&w);
}

/* Actor.HealthRequest: {"healthy": true}. */
static int health(const uint8_t *msg, size_t len)
{
	mp_writer w;

	(void)msg;
	(void)len;
	wc_writer_init(&w, 64);
	mp_write_map(&w, 1);
	mp_write_cstr(&w, "healthy");
	mp_write_bool(&w, true);
	return wc_reply_writer(&w);
}

/* The operations this actor serves; anything else fails with "No handler registered ...". */
const wasmbus_op wasmbus_ops[] = {
	{ "HttpServer.HandleRequest", handle_request },
	{ "Actor.HealthRequest", health },
	{ NULL, NULL },
};
