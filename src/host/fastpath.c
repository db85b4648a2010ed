/*
 * fastpath.c - the in-host HTTP fast path: the httpserver provider's core
 * (providers/httpserver, hs_) run on the host's own loop, calling the actor
 * in-process through its pool, with no provider process and no NATS hop.
 *
 * Selected per link: a wasmcloud:httpserver link whose values hold
 * fastpath=true (key case-insensitive; also 1 or yes) is served by the host
 * that runs the link's actor, with the same settings keys as the provider
 * (address, port, config_json, ...). Our httpserver provider leaves such
 * links alone, so the external provider stays the default and both can run
 * side by side. The actor must claim wasmcloud:httpserver, as for an
 * invocation from the provider (lattice.md §4.7).
 *
 * Loop thread, except fast_done (a pool worker), which only posts.
 */
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/mem.h"
#include "host/host_int.h"
#include "httpserver/httpserver.h"
#include "core/banned.h"

#define HTTP_CONTRACT "wasmcloud:httpserver"
#define HANDLE_OP "HttpServer.HandleRequest"

/* One request on its way through the pool. */
typedef struct fast_call {
	host *h;
	hs_request *r;
	bool cancelled; /* the client went away or the deadline answered: drop the result */
	/* Filled on the worker: */
	int rc;
	bool ok;
	uint8_t *data;
	size_t len;
} fast_call;

bool host_fast_selected(const linkdef *l)
{
	const char *v = NULL;

	if (strcmp(l->contract_id, HTTP_CONTRACT) != 0)
		return false;
	for (size_t i = 0; i < l->nvalues; i++)
		if (strcasecmp(l->values[i].key, "fastpath") == 0)
			v = l->values[i].value;
	return v &&
	       (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0);
}

static void fast_on_cancel(void *arg)
{
	fast_call *fc = arg;

	fc->cancelled = true;
	fc->r = NULL;
}

/* Loop thread: the pool answered. */
static void fast_finish(void *arg)
{
	fast_call *fc = arg;

	if (!fc->cancelled) {
		hs_outcome o = HS_OK;

		if (!fc->ok) {
			bool deadline = fc->rc == ST_ETRAP && fc->data &&
			                strstr((const char *)fc->data, "deadline") != NULL;

			o = deadline ? HS_TIMEOUT : HS_FAILED;
			st_log(ST_LOG_DEBUG, "fast path: %s failed: %.*s", HANDLE_OP, (int)fc->len,
			       fc->data ? (const char *)fc->data : "");
		}
		hs_request_finish(fc->r, o, fc->data, fc->len);
	}
	st_free(fc->data);
	st_free(fc);
}

/* Pool worker (or the loop thread when the pool stops): copy and post. */
static void fast_done(const pool_result *res, void *ud)
{
	fast_call *fc = ud;

	fc->rc = res->rc;
	fc->ok = res->rc == 0 && res->ok;
	fc->len = res->len;
	fc->data = xmalloc(res->len + 1);
	if (res->len)
		memcpy(fc->data, res->data, res->len);
	fc->data[res->len] = 0;
	lat_conn_post(fc->h->conn, fast_finish, fc);
}

static void fast_dispatch(hs_request *r, const char *actor_id, const uint8_t *req, size_t len,
                          void *ud)
{
	host *h = ud;
	host_actor *ha = host_actor_find(h, actor_id);
	fast_call *fc;
	st_err err;
	actor *a;
	bool allowed;

	if (!ha) {
		st_log(ST_LOG_DEBUG, "fast path: actor %s is not running here", actor_id);
		hs_request_finish(r, HS_FAILED, NULL, 0);
		return;
	}
	a = pool_actor(ha->pool);
	allowed = claims_has_cap(actor_claims(a), HTTP_CONTRACT);
	actor_unref(a);
	if (!allowed) {
		st_log(ST_LOG_WARN, "fast path: actor %s does not claim %s", actor_id,
		       HTTP_CONTRACT);
		host_actor_unref(ha);
		hs_request_finish(r, HS_FAILED, NULL, 0);
		return;
	}
	fc = xcalloc(1, sizeof(*fc));
	fc->h = h;
	fc->r = r;
	hs_request_on_cancel(r, fast_on_cancel, fc);
	if (pool_submit(ha->pool, HANDLE_OP, strlen(HANDLE_OP), req, len, 0, fast_done, fc, &err) <
	    0) {
		st_log(ST_LOG_WARN, "fast path: %s", err.msg);
		if (!fc->cancelled)
			hs_request_finish(r, HS_FAILED, NULL, 0);
		st_free(fc);
	}
	host_actor_unref(ha);
}

/* Is actor_id running on this host? */
static bool actor_local(host *h, const char *actor_id)
{
	host_actor *ha = host_actor_find(h, actor_id);

	if (!ha)
		return false;
	host_actor_unref(ha);
	return true;
}

void host_fast_sync(host *h)
{
	ctl_strmap want;
	st_err err;

	if (h->stopping)
		return;
	ctl_strmap_init(&want);
	for (size_t i = 0; i < h->nlinks; i++) {
		const linkdef *l = &h->links[i];
		hs_settings st;
		char addr[HS_ADDRESS_MAX];

		if (!host_fast_selected(l) || !actor_local(h, l->actor_id))
			continue;
		if (hs_settings_from_link(&st, l, &err) < 0) {
			if (!ctl_strmap_get(&h->fast_failed, l->id))
				st_log(ST_LOG_ERROR, "fast path: link for %s refused: %s",
				       l->actor_id, err.msg);
			ctl_strmap_set(&h->fast_failed, l->id, "settings");
			continue;
		}
		hs_settings_address(&st, addr, sizeof(addr));
		ctl_strmap_set(&want, l->actor_id, addr);
		if (ctl_strmap_get(&h->fast_listening, l->actor_id)) {
			if (strcmp(ctl_strmap_get(&h->fast_listening, l->actor_id), addr) == 0)
				continue;
			hs_server_unlisten(h->http, l->actor_id); /* the address changed */
			ctl_strmap_del(&h->fast_listening, l->actor_id);
		}
		if (!h->http) {
			if (hs_server_new(&h->loop, fast_dispatch, h, &h->http, &err) < 0) {
				st_log(ST_LOG_ERROR, "fast path: %s", err.msg);
				break;
			}
		}
		if (hs_server_listen(h->http, l->actor_id, &st, &err) < 0) {
			const char *seen = ctl_strmap_get(&h->fast_failed, l->id);

			if (!seen || strcmp(seen, addr) != 0)
				st_log(ST_LOG_ERROR, "fast path: link for %s refused: %s",
				       l->actor_id, err.msg);
			ctl_strmap_set(&h->fast_failed, l->id, addr);
			continue;
		}
		ctl_strmap_set(&h->fast_listening, l->actor_id, addr);
		st_log(ST_LOG_INFO, "fast path: serving %s on http://%s (in-host, no provider)",
		       l->actor_id, addr);
	}
	/* Listeners whose link or actor went away. */
	for (size_t i = 0; i < h->fast_listening.n;) {
		char *actor_id = xstrdup(h->fast_listening.v[i].key);

		if (ctl_strmap_get(&want, actor_id)) {
			i++;
		} else {
			hs_server_unlisten(h->http, actor_id);
			st_log(ST_LOG_INFO, "fast path: stopped serving %s", actor_id);
			ctl_strmap_del(&h->fast_listening, actor_id);
		}
		st_free(actor_id);
	}
	ctl_strmap_deinit(&want);
}

void host_fast_free(host *h)
{
	hs_server_free(h->http);
	h->http = NULL;
}
