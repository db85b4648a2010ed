/*
 * echo.c - the echo example: answers every HTTP request with a JSON
 * description of it, the same shape as wasmCloud's echo actor:
 *   {"body":[104,105],"method":"POST","path":"/x","query_string":"a=1"}
 * (keys sorted, the body as an array of byte values, no headers, 200).
 */
#include "example.h"
#include "wasmbus.h"

static int handle(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                  wc_str *err)
{
	wc_buf b;

	(void)err;
	wc_buf_init(&b);
	wc_buf_adds(&b, "{\"body\":[");
	for (size_t i = 0; i < in->body.n; i++) {
		if (i)
			wc_buf_addc(&b, ',');
		wc_buf_add_u64(&b, in->body.p[i]);
	}
	wc_buf_adds(&b, "],\"method\":");
	ex_json_str(&b, in->method);
	wc_buf_adds(&b, ",\"path\":");
	ex_json_str(&b, in->path);
	wc_buf_adds(&b, ",\"query_string\":");
	ex_json_str(&b, in->query_string);
	wc_buf_addc(&b, '}');
	ex_respond_buf(out, 200, NULL, &b);
	return b.oom ? -1 : 0;
}

WC_HTTPSERVER_HANDLE_REQUEST_WASMBUS(handle)

const wasmbus_op wasmbus_ops[] = {
	WC_HTTPSERVER_HANDLE_REQUEST_ENTRY,
	{ NULL, NULL },
};
