/*
 * actor.c - the @NAME@ actor: answers every HTTP request
 * (HttpServer.HandleRequest of wasmcloud:httpserver) with a greeting, and
 * logs each request through the host's logger (wasmcloud:builtin:logging).
 * Both contracts are in the capabilities of actor.conf.
 *
 * Build and sign it with `stratus build`; README.md shows how to run it.
 * The request and response types, their MessagePack codecs and the glue
 * come from the bindings generated from interfaces/ (gen/wc_*.h). Memory
 * comes from the invocation arena of the SDK: nothing is freed.
 */
#include "gen/wc_actor.h"
#include "gen/wc_httpserver.h"
#include "wasmbus.h"
#include "wc_log.h"
#include "wc_str.h"

/* HttpServer.HandleRequest: 200 with a text/plain greeting. */
static int handle_request(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                          wc_str *err)
{
	static wc_str ctype_key = { "content-type", 12 };
	static wc_str ctype = { "text/plain; charset=utf-8", 25 };
	static wc_model_string_list ctype_values = { &ctype, 1 };
	const char *line;
	wc_buf text;

	/* "GET /path": the log line and the end of the greeting. */
	wc_buf_init(&text);
	wc_buf_add_str(&text, in->method);
	wc_buf_addc(&text, ' ');
	wc_buf_add_str(&text, in->path);
	line = wc_buf_str(&text);
	if (!line) {
		*err = wc_str_from("out of memory");
		return -1;
	}
	wc_log_info(line); /* fails only without the logging claim; not fatal here */

	wc_buf_init(&text);
	wc_buf_adds(&text, "Hello from @NAME@! You asked for ");
	wc_buf_adds(&text, line);
	wc_buf_addc(&text, '\n');
	if (!wc_buf_str(&text)) {
		*err = wc_str_from("out of memory");
		return -1;
	}
	out->status_code = 200;
	out->header.keys = &ctype_key;
	out->header.values = &ctype_values;
	out->header.n = 1;
	out->body.p = (const uint8_t *)text.p;
	out->body.n = text.n;
	return 0;
}

/* Actor.HealthRequest: {"healthy": true}. */
static int health(const wc_actor_health_check_request *in, wc_actor_health_check_response *out,
                  wc_str *err)
{
	(void)in;
	(void)err;
	out->healthy = true;
	return 0;
}

/* The glue the generated bindings define: decode, call the handler, encode. */
WC_HTTPSERVER_HANDLE_REQUEST_WASMBUS(handle_request)
WC_ACTOR_HEALTH_REQUEST_WASMBUS(health)

/* The operations this actor serves; anything else fails with "No handler registered ...". */
const wasmbus_op wasmbus_ops[] = {
	WC_HTTPSERVER_HANDLE_REQUEST_ENTRY,
	WC_ACTOR_HEALTH_REQUEST_ENTRY,
	{ NULL, NULL },
};
