/*
 * example_actor.c - an actor written against the generated bindings
 * (sdk/c/gen) and their wasmbus glue: it answers Actor.HealthRequest and,
 * on HttpServer.HandleRequest, increments the keyvalue counter named by
 * the path, logs it and answers the new value. ctest idl.wasm32_compile
 * compiles it for wasm32 (freestanding) to check the glue macros; it is
 * also the example of tools/idlgen/README.md.
 */
#include "wasmbus.h"

#include "gen/wc_actor.h"
#include "gen/wc_httpserver.h"
#include "gen/wc_keyvalue.h"
#include "gen/wc_logging.h"
#include "core/banned.h"

static int health(const wc_actor_health_check_request *in, wc_actor_health_check_response *out,
                  wc_str *err)
{
	(void)in;
	(void)err;
	out->healthy = true;
	return 0;
}

/* Writes v in decimal at the end of buf (room for 11 bytes) and returns the first digit. */
static char *decimal(int32_t v, char *buf_end)
{
	uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
	char *p = buf_end;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return p;
}

static int handle(const wc_httpserver_http_request *req, wc_httpserver_http_response *resp,
                  wc_str *err)
{
	wc_keyvalue_increment_request inc = { .key = req->path, .value = 1 };
	wc_logging_log_entry entry;
	char *buf = wc_alloc(12), *num;
	int32_t count;
	int rc;

	if (!buf)
		return -1;
	rc = wc_keyvalue_increment(NULL, &inc, &count, err);
	if (rc < 0)
		return rc; /* *err holds the host's text */
	num = decimal(count, buf + 12);
	entry.level = WCG_STR("info");
	entry.text = (wc_str){ num, (size_t)(buf + 12 - num) };
	(void)wc_logging_write_log(NULL, &entry, NULL); /* best effort */
	resp->status_code = 200;
	resp->body = (wc_bytes){ (const uint8_t *)num, (size_t)(buf + 12 - num) };
	return 0;
}

WC_ACTOR_HEALTH_REQUEST_WASMBUS(health)
WC_HTTPSERVER_HANDLE_REQUEST_WASMBUS(handle)

const wasmbus_op wasmbus_ops[] = {
	WC_ACTOR_HEALTH_REQUEST_ENTRY,
	WC_HTTPSERVER_HANDLE_REQUEST_ENTRY,
	{ NULL, NULL },
};
