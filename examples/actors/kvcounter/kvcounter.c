/*
 * kvcounter.c - the kvcounter example (httpserver + keyvalue), like
 * wasmCloud's kvcounter: each request increments the counter named after
 * its path ("counter:" + path with '/' turned into ':') by ?amount=N
 * (default 1; a value that is not an i32 counts as 1) through
 * wasmcloud:keyvalue KeyValue.Increment, and answers {"counter":N}; a failed
 * call answers 500 {"error":"Host send error <reason>"} (the text wasmCloud's
 * Rust kvcounter gives, so both answer the same bytes).
 */
#include "example.h"
#include "gen/wc_keyvalue.h"
#include "wasmbus.h"

static int handle(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                  wc_str *err)
{
	wc_keyvalue_increment_request req;
	int64_t amount = 1;
	int32_t value = 0;
	wc_str a, why;
	wc_buf key, b;

	(void)err;
	if (ex_query_param(in->query_string, "amount", &a) &&
	    (!wc_parse_i64(a, &amount) || amount < INT32_MIN || amount > INT32_MAX))
		amount = 1;
	wc_buf_init(&key);
	wc_buf_adds(&key, "counter:");
	for (size_t i = 0; i < in->path.n; i++)
		wc_buf_addc(&key, in->path.p[i] == '/' ? ':' : in->path.p[i]);
	req.key = wc_str_make(wc_buf_str(&key), key.n);
	req.value = (int32_t)amount;
	wc_buf_init(&b);
	if (wc_keyvalue_increment("default", &req, &value, &why) != 0) {
		wc_buf_adds(&b, "{\"error\":");
		wc_buf_init(&key);
		wc_buf_adds(&key, "Host send error ");
		wc_buf_add_str(&key, why);
		ex_json_str(&b, wc_str_make(wc_buf_str(&key), key.n));
		wc_buf_addc(&b, '}');
		ex_respond_buf(out, 500, "application/json", &b);
		return 0;
	}
	wc_buf_adds(&b, "{\"counter\":");
	wc_buf_add_i64(&b, value);
	wc_buf_addc(&b, '}');
	ex_respond_buf(out, 200, "application/json", &b);
	return b.oom || key.oom ? -1 : 0;
}

WC_HTTPSERVER_HANDLE_REQUEST_WASMBUS(handle)

const wasmbus_op wasmbus_ops[] = {
	WC_HTTPSERVER_HANDLE_REQUEST_ENTRY,
	{ NULL, NULL },
};
