/*
 * randlogger.c - the randlogger example (numbergen + logging built-ins):
 * each request draws a GUID, a number in [1, 100] and a 32-bit random
 * number from wasmcloud:builtin:numbergen, logs them through
 * wasmcloud:builtin:logging, and answers them as JSON:
 *   {"guid":"...","in_range":42,"random32":123456789}
 */
#include "example.h"
#include "gen/wc_logging.h"
#include "gen/wc_numbergen.h"
#include "wasmbus.h"

static int handle(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                  wc_str *err)
{
	wc_numbergen_range_limit range = { 1, 100 };
	wc_logging_log_entry entry;
	uint32_t in_range = 0, r32 = 0;
	wc_str guid;
	wc_buf b;

	(void)in;
	if (wc_numbergen_generate_guid("default", &guid, err) != 0 ||
	    wc_numbergen_random_in_range("default", &range, &in_range, err) != 0 ||
	    wc_numbergen_random32("default", &r32, err) != 0)
		return -1;
	wc_buf_init(&b);
	wc_buf_adds(&b, "{\"guid\":");
	ex_json_str(&b, guid);
	wc_buf_adds(&b, ",\"in_range\":");
	wc_buf_add_u64(&b, in_range);
	wc_buf_adds(&b, ",\"random32\":");
	wc_buf_add_u64(&b, r32);
	wc_buf_addc(&b, '}');
	entry.level = wc_str_from("info");
	entry.text = wc_str_make(wc_buf_str(&b), b.n);
	if (wc_logging_write_log("default", &entry, err) != 0)
		return -1;
	ex_respond_buf(out, 200, "application/json", &b);
	return b.oom ? -1 : 0;
}

WC_HTTPSERVER_HANDLE_REQUEST_WASMBUS(handle)

const wasmbus_op wasmbus_ops[] = {
	WC_HTTPSERVER_HANDLE_REQUEST_ENTRY,
	{ NULL, NULL },
};
