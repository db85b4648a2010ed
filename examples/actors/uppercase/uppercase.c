/*
 * uppercase.c - the uppercase example: answers the request body (or, with
 * no body, the query string) with ASCII letters upper-cased.
 */
#include "example.h"
#include "wasmbus.h"

static int handle(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                  wc_str *err)
{
	const uint8_t *src = in->body.p;
	size_t n = in->body.n;
	char *up;

	if (n == 0) {
		src = (const uint8_t *)in->query_string.p;
		n = in->query_string.n;
	}
	up = wc_alloc(n + 1);
	if (!up) {
		*err = wc_str_from("out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		up[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
	ex_respond(out, 200, "text/plain", up, n);
	return 0;
}

WC_HTTPSERVER_HANDLE_REQUEST_WASMBUS(handle)

const wasmbus_op wasmbus_ops[] = {
	WC_HTTPSERVER_HANDLE_REQUEST_ENTRY,
	{ NULL, NULL },
};
