/*
 * main.c - the stratus-httpserver provider executable: the wasmcloud:httpserver
 * capability provider (interfaces.md §4) on the provider SDK. Each link opens
 * one listener (httpserver.h); each HTTP request becomes an
 * HttpServer.HandleRequest invocation of the linked actor, and the actor's
 * answer (or the failure or timeout of the call) becomes the HTTP response.
 * Everything runs on the one loop prov_main drives. Links whose values say
 * fastpath=true (or 1, yes) are served by the host itself (src/host/fastpath.c),
 * so this provider accepts them without listening.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

#include "httpserver/httpserver.h"
#include "sdk/provider.h"
#include "core/log.h"
#include "core/banned.h"

#define NAME "httpserver"
#define OPERATION "HttpServer.HandleRequest"

/* Loop thread only. */
static struct {
	uv_loop_t *loop;
	prov_provider *p;  /* set by the first put_link or before_run */
	hs_server *server; /* created with the first link, freed in after_stop */
} app;

static void on_reply(prov_provider *p, const prov_call_result *res, void *ud)
{
	hs_request *r = ud;

	(void)p;
	switch (res->status) {
	case PROV_CALL_OK:
		hs_request_finish(r, HS_OK, res->msg, res->len);
		return;
	case PROV_CALL_TIMEOUT:
		st_log(ST_LOG_WARN, NAME ": " OPERATION " timed out");
		hs_request_finish(r, HS_TIMEOUT, NULL, 0);
		return;
	default:
		st_log(ST_LOG_WARN, NAME ": " OPERATION " failed: %s",
		       res->error ? res->error : "unknown error");
		hs_request_finish(r, HS_FAILED, NULL, 0);
		return;
	}
}

/* The client went away (or the deadline passed): forget the call. */
static void on_cancel(void *arg)
{
	if (app.p)
		prov_call_cancel(app.p, arg);
}

static void on_dispatch(hs_request *r, const char *actor_id, const uint8_t *req, size_t len,
                        void *ud)
{
	prov_call *call = NULL;
	st_err err;

	(void)ud;
	if (!app.p) {
		hs_request_finish(r, HS_FAILED, NULL, 0);
		return;
	}
	if (prov_call_actor(app.p, actor_id, OPERATION, req, len, 0, on_reply, r, &call, &err) !=
	    0) {
		st_log(ST_LOG_WARN, NAME ": cannot invoke %s: %s", actor_id, err.msg);
		hs_request_finish(r, HS_FAILED, NULL, 0);
		return;
	}
	hs_request_on_cancel(r, on_cancel, call);
}

static bool ensure_server(void)
{
	st_err err;

	if (app.server)
		return true;
	if (hs_server_new(app.loop, on_dispatch, NULL, &app.server, &err) != 0) {
		st_log(ST_LOG_ERROR, NAME ": cannot create the HTTP server: %s", err.msg);
		return false;
	}
	return true;
}

/* Does the link ask for the host's in-process fast path? */
static bool fast_path_link(const linkdef *ld)
{
	const char *v = NULL;

	for (size_t i = 0; i < ld->nvalues; i++)
		if (strcasecmp(ld->values[i].key, "fastpath") == 0)
			v = ld->values[i].value;
	return v &&
	       (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0);
}

static bool on_put_link(prov_provider *p, const linkdef *ld, void *ud)
{
	char addr[HS_ADDRESS_MAX];
	hs_settings st;
	int64_t rpc_ms;
	st_err err;

	(void)ud;
	app.p = p;
	if (fast_path_link(ld)) {
		st_log(ST_LOG_INFO, NAME ": link for %s is served by the host's fast path",
		       ld->actor_id);
		return true;
	}
	/* The server's deadline stays behind the invocation's own timeout (503 first). */
	hs_settings_init(&st);
	rpc_ms = prov_provider_host_data(p)->default_rpc_timeout_ms;
	if (rpc_ms > 0 && (uint64_t)rpc_ms + 1000 > st.timeout_ms)
		st.timeout_ms = (uint64_t)rpc_ms + 1000;
	if (hs_settings_apply_link(&st, ld, &err) != 0) {
		st_log(ST_LOG_ERROR, NAME ": link for %s refused: %s", ld->actor_id, err.msg);
		return false;
	}
	if (!ensure_server())
		return false;
	if (hs_server_listen(app.server, ld->actor_id, &st, &err) != 0) {
		st_log(ST_LOG_ERROR, NAME ": link for %s refused: %s", ld->actor_id, err.msg);
		return false;
	}
	hs_settings_address(&st, addr, sizeof(addr));
	st_log(ST_LOG_INFO, NAME ": listening on %s for actor %s", addr, ld->actor_id);
	return true;
}

static void on_delete_link(prov_provider *p, const char *actor_id, void *ud)
{
	(void)p;
	(void)ud;
	if (app.server && hs_server_unlisten(app.server, actor_id))
		st_log(ST_LOG_INFO, NAME ": stopped listening for actor %s", actor_id);
}

static void on_health(prov_provider *p, bool *healthy, const char **message, void *ud)
{
	(void)p;
	(void)message;
	(void)ud;
	*healthy = true;
}

static void before_run(prov_provider *p, void *ud)
{
	(void)ud;
	app.p = p;
}

/* The loop has stopped: finish what is in flight while the provider still runs, then close. */
static void after_stop(prov_provider *p, void *ud)
{
	(void)p;
	(void)ud;
	hs_server_free(app.server);
	app.server = NULL;
	app.p = NULL;
}

int main(void)
{
	static uv_loop_t loop;
	prov_callbacks cb = {
		.put_link = on_put_link,
		.delete_link = on_delete_link,
		.health = on_health,
	};

	if (uv_loop_init(&loop) != 0)
		return 1;
	app.loop = &loop;
	return prov_main(NAME, &loop, &cb, before_run, after_stop);
}
