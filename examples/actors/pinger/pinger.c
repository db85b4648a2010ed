/*
 * pinger.c - the pinger example: on an HTTP request it calls Pingpong.Ping
 * on the actor with call alias wasmcloud/ponger and answers "Ping " + the
 * reply ("Ping pong"), as wasmCloud's pinger does. A failed call answers
 * 500 with the host's error text.
 */
#include "example.h"
#include "gen/wc_pingpong.h"
#include "wasmbus.h"

static int handle(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                  wc_str *err)
{
	wc_str pong, why;
	wc_buf b;

	(void)in;
	(void)err;
	wc_buf_init(&b);
	if (wc_pingpong_ping("wasmcloud/ponger", &pong, &why) != 0) {
		wc_buf_add_str(&b, why);
		ex_respond_buf(out, 500, "text/plain", &b);
		return 0;
	}
	wc_buf_adds(&b, "Ping ");
	wc_buf_add_str(&b, pong);
	ex_respond_buf(out, 200, NULL, &b);
	return b.oom ? -1 : 0;
}

WC_HTTPSERVER_HANDLE_REQUEST_WASMBUS(handle)

const wasmbus_op wasmbus_ops[] = {
	WC_HTTPSERVER_HANDLE_REQUEST_ENTRY,
	{ NULL, NULL },
};
