/*
 * hello.c - the hello example: GET /?name=Ada answers "Hello, Ada!" (text),
 * "Hello, World!" without a name.
 */
#include "example.h"
#include "wasmbus.h"

static int handle(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                  wc_str *err)
{
	wc_str name;
	wc_buf b;

	(void)err;
	if (!ex_query_param(in->query_string, "name", &name) || name.n == 0)
		name = wc_str_from("World");
	wc_buf_init(&b);
	wc_buf_adds(&b, "Hello, ");
	wc_buf_add_str(&b, name);
	wc_buf_adds(&b, "!\n");
	ex_respond_buf(out, 200, "text/plain", &b);
	return b.oom ? -1 : 0;
}

WC_HTTPSERVER_HANDLE_REQUEST_WASMBUS(handle)

const wasmbus_op wasmbus_ops[] = {
	WC_HTTPSERVER_HANDLE_REQUEST_ENTRY,
	{ NULL, NULL },
};
