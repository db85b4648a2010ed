/*
 * router.c - invocation routing (lattice.md §4.6, §4.7, actor-abi.md §6):
 * inbound invocations on an actor's wasmbus.rpc subject (decoded on the loop
 * thread; verified, capability-checked, run and answered on a pool worker),
 * and the
 * __host_call router: built-ins, local actors in-process, remote actors and
 * linked providers over NATS with signed invocations.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "codec/msgpack.h"
#include "core/log.h"
#include "core/mem.h"
#include "host/host_int.h"
#include "lattice/invocation.h"

#include "core/banned.h"

#define RESP_MAX ((size_t)80 << 20)
#define ERR_TIMEOUT "Failed to perform RPC call: request timeout"

/* ---- Inbound ------------------------------------------------------------------- */

/* One inbound invocation in flight: owned by the pool callback once submitted. */
typedef struct inbound {
	host *h;
	host_actor *ha; /* a reference */
	lat_msg *msg;
	inv_invocation inv;
	bool quiet; /* refused before the capability check: no invocation_failed event */
} inbound;

static void reply_response(host *h, lat_msg *msg, const inv_response *r)
{
	mp_writer w;
	st_err err;

	if (!lat_msg_reply(msg))
		return;
	mp_writer_init_default(&w, RESP_MAX);
	if (inv_response_encode(r, &w, &err) == 0 &&
	    lat_msg_respond(h->conn, msg, w.p, w.n, &err) < 0)
		st_log(ST_LOG_WARN, "invocation reply failed: %s", err.msg);
	mp_writer_deinit(&w);
}

static void reply_error(host *h, lat_msg *msg, const char *inv_id, const char *text)
{
	inv_response r;

	inv_response_init(&r);
	inv_response_set_error(&r, inv_id, text);
	reply_response(h, msg, &r);
	inv_response_deinit(&r);
}

static void publish_result(host *h, bool ok, const inv_entity *o, const inv_entity *t,
                           const char *op, uint64_t bytes)
{
	evt_src src = host_evt_src(h);
	claims_entity so = { o->public_key, o->contract_id, o->link_name };
	claims_entity st = { t->public_key, t->contract_id, t->link_name };

	host_publish_event(h, h->rpcevt_subject,
	                   evt_invocation_result(&src, ok, &so, &st, op, bytes));
}

/*
 * Worker thread, before the guest runs (pool_check_cb): the checks of
 * lattice.md §4.5-§4.7 that cost too much for the loop thread (the JWT's
 * Ed25519 signature above all), so that the workers share them.
 */
static int inbound_check(void *ud, char *text, size_t cap)
{
	inbound *in = ud;
	host *h = in->h;
	host_actor *ha = in->ha;
	st_err err;
	actor *a;
	bool allowed;

	if (inv_invocation_verify(&in->inv, h->issuers, (int64_t)time(NULL), NULL, &err) < 0) {
		st_log(ST_LOG_WARN, "invocation %s refused: %s", in->inv.id, err.msg);
		snprintf(text, cap, "%s", err.msg);
		in->quiet = true;
		return -1;
	}
	if (strcmp(in->inv.target.public_key, ha->id) != 0) {
		snprintf(text, cap, "Invocation received for actor %s that is not running",
		         in->inv.target.public_key);
		in->quiet = true;
		return -1;
	}
	if (in->inv.has_content_length && in->inv.content_length > in->inv.msg.n) {
		snprintf(text, cap, "Chunked invocations are not supported yet");
		in->quiet = true;
		return -1;
	}
	if (inv_entity_is_actor(&in->inv.origin))
		return 0;
	a = pool_actor(ha->pool);
	allowed = claims_has_cap(actor_claims(a), in->inv.origin.contract_id);
	actor_unref(a);
	if (!allowed) {
		snprintf(text, cap,
		         "Invocation source does not have the required capability claim %s",
		         in->inv.origin.contract_id);
		return -1;
	}
	return 0;
}

/* Worker thread: the guest answered (or failed, or a check refused the call). */
static void inbound_done(const pool_result *res, void *ud)
{
	inbound *in = ud;
	inv_response r;
	bool ok = res->rc == 0 && res->ok;

	inv_response_init(&r);
	if (ok) {
		inv_response_set_ok(&r, in->inv.id, res->data, res->len);
	} else {
		char *text = xstrndup((const char *)res->data, res->len);

		inv_response_set_error(&r, in->inv.id, text);
		reply_response(in->h, in->msg, &r);
		st_free(text);
		goto events;
	}
	reply_response(in->h, in->msg, &r);
events:
	if (!in->quiet)
		publish_result(in->h, ok, &in->inv.origin, &in->inv.target, in->inv.operation,
		               in->inv.msg.n);
	inv_response_deinit(&r);
	inv_invocation_deinit(&in->inv);
	lat_msg_free(in->msg);
	host_actor_unref(in->ha);
	st_free(in);
}

/* Counts the dot-separated tokens of s. */
static int ntokens(const char *s)
{
	int n = 1;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

void host_on_rpc(lat_sub *sub, lat_msg *msg, void *ud)
{
	host_actor *ha = ud;
	host *h = ha->h;
	st_slice data = lat_msg_data(msg);
	inbound *in = NULL;
	st_err err;

	(void)sub;
	if (ntokens(lat_msg_subject(msg)) != 4)
		goto drop;
	in = xcalloc(1, sizeof(*in));
	inv_invocation_init(&in->inv);
	if (inv_invocation_decode(&in->inv, data.p, data.n, &err) < 0) {
		st_log(ST_LOG_DEBUG, "undecodable invocation: %s", err.msg);
		reply_error(h, msg, "", INV_ERR_DESERIALIZE);
		goto drop;
	}
	in->h = h;
	in->msg = msg;
	atomic_fetch_add(&ha->refs, 1);
	in->ha = ha;
	if (pool_submit_checked(ha->pool, in->inv.operation, strlen(in->inv.operation),
	                        in->inv.msg.p, in->inv.msg.n, 0, inbound_check, inbound_done, in,
	                        &err) < 0) {
		in->msg = NULL;
		host_actor_unref(ha);
		in->ha = NULL;
		reply_error(h, msg, in->inv.id, err.msg);
		goto drop;
	}
	return;
drop:
	if (in) {
		inv_invocation_deinit(&in->inv);
		st_free(in);
	}
	lat_msg_free(msg);
}

/* ---- Built-ins (providers.md §11) -------------------------------------------- */

#define NS_LOGGING "wasmcloud:builtin:logging"
#define NS_NUMBERGEN "wasmcloud:builtin:numbergen"

static int fail(st_buf *out, const char *fmt, const char *a, const char *b) ST_PRINTF(2, 0);

/* Appends the host error text (fmt with up to two strings) to out; returns -1. */
static int fail(st_buf *out, const char *fmt, const char *a, const char *b)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (st_buf_appendf(out, fmt, a, b) < 0)
		return -1;
#pragma GCC diagnostic pop
	return -1;
}

static int builtin_logging(const actor_host_call *call, const char *op, st_buf *out)
{
	mp_reader r;
	uint32_t n;
	const char *level = NULL, *text = NULL;
	size_t llen = 0, tlen = 0;
	st_log_level lv = ST_LOG_DEBUG;
	char lname[16];

	if (strcmp(op, "Logging.WriteLog") != 0)
		return fail(out, "Unknown operation %s for %s", op, NS_LOGGING);
	mp_reader_init(&r, call->payload.p, call->payload.n);
	if (mp_read_map(&r, &n) < 0)
		return fail(out, "%s%s", "Failed to deserialize log entry", "");
	while (n--) {
		const char *k;
		size_t klen;

		if (mp_read_str(&r, &k, &klen) < 0)
			return fail(out, "%s%s", "Failed to deserialize log entry", "");
		if (mp_str_eq(k, klen, "level")) {
			if (mp_read_str(&r, &level, &llen) < 0)
				return fail(out, "%s%s", "Failed to deserialize log entry", "");
		} else if (mp_str_eq(k, klen, "text")) {
			if (mp_read_str(&r, &text, &tlen) < 0)
				return fail(out, "%s%s", "Failed to deserialize log entry", "");
		} else if (mp_skip(&r) < 0) {
			return fail(out, "%s%s", "Failed to deserialize log entry", "");
		}
	}
	if (level && llen < sizeof(lname)) {
		memcpy(lname, level, llen);
		lname[llen] = 0;
		if (st_log_level_parse(lname, &lv) < 0)
			lv = ST_LOG_DEBUG;
	}
	st_log(lv, "[%s] %.*s", actor_id(call->caller), (int)(text ? tlen : 0), text ? text : "");
	return 0;
}

static int builtin_numbergen(const char *op, const actor_host_call *call, st_buf *out)
{
	mp_writer w;
	int rc = 0;

	mp_writer_init_default(&w, 64);
	if (strcmp(op, "NumberGen.GenerateGuid") == 0) {
		char id[EVT_UUID_LEN + 1];

		evt_uuid_v4(id);
		mp_write_cstr(&w, id);
	} else if (strcmp(op, "NumberGen.Random32") == 0) {
		mp_write_uint(&w, randombytes_random());
	} else if (strcmp(op, "NumberGen.RandomInRange") == 0) {
		mp_reader r;
		uint32_t n;
		int64_t min = 0, max = 0xffffffffLL;

		mp_reader_init(&r, call->payload.p, call->payload.n);
		if (mp_read_map(&r, &n) < 0) {
			rc = fail(out, "%s%s", "Failed to deserialize range limit", "");
			goto done;
		}
		while (n--) {
			const char *k;
			size_t klen;
			int64_t v;

			if (mp_read_str(&r, &k, &klen) < 0 || mp_read_int(&r, &v) < 0) {
				rc = fail(out, "%s%s", "Failed to deserialize range limit", "");
				goto done;
			}
			if (mp_str_eq(k, klen, "min"))
				min = v < 0 ? 0 : v;
			else if (mp_str_eq(k, klen, "max"))
				max = v > 0xffffffffLL ? 0xffffffffLL : v;
		}
		if (max < min) {
			rc = fail(out, "%s%s", "Invalid range: max is below min", "");
			goto done;
		}
		mp_write_uint(&w, (uint64_t)min +
		                          (max - min == 0xffffffffLL ?
		                                   randombytes_random() :
		                                   randombytes_uniform((uint32_t)(max - min + 1))));
	} else {
		rc = fail(out, "Unknown operation %s for %s", op, NS_NUMBERGEN);
		goto done;
	}
	if (mp_writer_status(&w) < 0 || st_buf_append(out, w.p, w.n) < 0)
		rc = -1;
done:
	mp_writer_deinit(&w);
	return rc;
}

/* ---- Outbound ------------------------------------------------------------------ */

/* A local in-process call: shared between the waiting worker and the completion. */
typedef struct local_call {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs; /* under mu: the waiter and the completion */
	bool done;
	bool ok;
	uint8_t *data;
	size_t len;
} local_call;

static void local_call_unref(local_call *lc)
{
	bool last;

	pthread_mutex_lock(&lc->mu);
	last = --lc->refs == 0;
	pthread_mutex_unlock(&lc->mu);
	if (!last)
		return;
	pthread_cond_destroy(&lc->cv);
	pthread_mutex_destroy(&lc->mu);
	st_free(lc->data);
	st_free(lc);
}

static void local_done(const pool_result *res, void *ud)
{
	local_call *lc = ud;

	pthread_mutex_lock(&lc->mu);
	lc->ok = res->rc == 0 && res->ok;
	lc->data = res->len ? st_malloc(res->len) : NULL;
	lc->len = lc->data ? res->len : 0;
	if (lc->data)
		memcpy(lc->data, res->data, res->len);
	lc->done = true;
	pthread_cond_signal(&lc->cv);
	pthread_mutex_unlock(&lc->mu);
	local_call_unref(lc);
}

/*
 * Calls local actor ha in-process and waits until deadline_ns. A worker
 * waiting here holds its own worker; the callee runs on another one, so
 * when every worker waits, the wait ends at the deadline (request timeout).
 */
static int call_local(host_actor *ha, const char *op, const actor_host_call *call,
                      uint64_t deadline_ns, st_buf *out)
{
	local_call *lc = xcalloc(1, sizeof(*lc));
	uint64_t now = actor_now_ns();
	uint32_t ms = deadline_ns > now ? (uint32_t)((deadline_ns - now) / 1000000) + 1 : 1;
	struct timespec ts;
	bool done, ok = false;
	int rc = -1;
	st_err err;

	pthread_mutex_init(&lc->mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&lc->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	lc->refs = 2;
	if (pool_submit(ha->pool, op, strlen(op), call->payload.p, call->payload.n, ms, local_done,
	                lc, &err) < 0) {
		lc->refs = 1;
		local_call_unref(lc);
		return fail(out, "%s%s", err.msg, "");
	}
	ts.tv_sec = (time_t)(deadline_ns / 1000000000u);
	ts.tv_nsec = (long)(deadline_ns % 1000000000u);
	pthread_mutex_lock(&lc->mu);
	while (!lc->done)
		if (pthread_cond_timedwait(&lc->cv, &lc->mu, &ts) != 0)
			break;
	done = lc->done;
	if (done) {
		ok = lc->ok;
		if (st_buf_append(out, lc->data, lc->len) == 0)
			rc = ok ? 0 : -1;
	}
	pthread_mutex_unlock(&lc->mu);
	local_call_unref(lc);
	if (!done)
		return fail(out, "%s%s", ERR_TIMEOUT, "");
	return rc;
}

/* Sends a signed invocation to target over NATS and waits for the response. */
static int call_remote(host *h, const actor_host_call *call, const inv_entity *target,
                       const char *op, uint64_t deadline_ns, st_buf *out)
{
	inv_invocation inv;
	inv_response r;
	mp_writer w;
	char id[INV_ID_LEN + 1];
	char *subject;
	lat_msg *reply = NULL;
	uint64_t now = actor_now_ns();
	int64_t timeout = h->cfg.rpc_timeout_ms;
	st_slice data;
	int rc = -1;
	st_err err;

	if (call->payload.n > 900 * 1024)
		timeout = 15000;
	if (deadline_ns) {
		int64_t left = deadline_ns > now ? (int64_t)((deadline_ns - now) / 1000000) : 1;

		if (left < timeout)
			timeout = left > 0 ? left : 1;
	}
	inv_id_generate(id);
	inv_invocation_init(&inv);
	inv_response_init(&r);
	mp_writer_init_default(&w, RESP_MAX);
	inv.origin.public_key = actor_id(call->caller);
	inv.origin.link_name = "";
	inv.origin.contract_id = "";
	inv.target = *target;
	inv.operation = op;
	inv.msg = call->payload;
	inv.id = id;
	inv.host_id = h->cfg.host_id;
	inv.has_content_length = true;
	inv.content_length = call->payload.n;
	subject = inv_entity_subject(target, h->cfg.lattice_prefix);
	if (inv_invocation_sign(&inv, &h->cfg.cluster_key, &err) < 0 ||
	    inv_invocation_encode(&inv, &w, &err) < 0) {
		fail(out, "%s%s", err.msg, "");
		goto done;
	}
	if (lat_conn_request(h->conn, subject, NULL, 0, w.p, w.n, timeout, &reply, &err) < 0) {
		st_log(ST_LOG_DEBUG, "request on %s failed: %s", subject, err.msg);
		fail(out, "%s%s", ERR_TIMEOUT, "");
		goto done;
	}
	data = lat_msg_data(reply);
	if (inv_response_decode(&r, data.p, data.n, &err) < 0) {
		fail(out, "Failed to perform RPC call: %s%s", err.msg, "");
		goto done;
	}
	if (r.error) {
		fail(out, "%s%s", r.error, "");
		goto done;
	}
	if (r.has_content_length && r.content_length > r.msg.n) {
		fail(out, "%s%s", "Chunked responses are not supported yet", "");
		goto done;
	}
	if (st_buf_append(out, r.msg.p, r.msg.n) == 0)
		rc = 0;
done:
	publish_result(h, rc == 0, &inv.origin, target, op, call->payload.n);
	lat_msg_free(reply);
	st_free(subject);
	mp_writer_deinit(&w);
	inv_response_deinit(&r);
	inv_invocation_deinit(&inv);
	return rc;
}

static char *slice_str(st_slice s)
{
	return xstrndup((const char *)s.p, s.n);
}

int host_route_call(const actor_host_call *call, st_buf *out, void *ud)
{
	host *h = ud;
	char *binding = slice_str(call->binding), *ns = slice_str(call->ns);
	char *op = slice_str(call->operation);
	const claims *caller = actor_claims(call->caller);
	const char *self = actor_id(call->caller);
	char *provider = NULL, *target_key = NULL;
	uint64_t deadline = call->deadline_ns;
	uint64_t cap = actor_now_ns() + (uint64_t)h->cfg.rpc_timeout_ms * 1000000u;
	host_actor *ha;
	int rc;

	if (!deadline || deadline > cap)
		deadline = cap;
	/* 1. Built-ins, before any link lookup. */
	if (strcmp(ns, NS_LOGGING) == 0 || strcmp(ns, NS_NUMBERGEN) == 0) {
		if (!claims_has_cap(caller, ns)) {
			rc = fail(out,
			          "Invocation not authorized: missing capability claim for %s%s",
			          ns, "");
			goto done;
		}
		rc = ns[18] == 'l' ? builtin_logging(call, op, out) :
		                     builtin_numbergen(op, call, out);
		goto done;
	}
	/* 2. A link for (caller, namespace, binding). */
	pthread_rwlock_rdlock(&h->route_mu);
	for (size_t i = 0; i < h->nlinks; i++) {
		const linkdef *l = &h->links[i];

		if (strcmp(l->actor_id, self) == 0 && strcmp(l->contract_id, ns) == 0 &&
		    strcmp(l->link_name, binding) == 0) {
			provider = xstrdup(l->provider_id);
			break;
		}
	}
	/* 3., 4. An actor key or a call alias. */
	if (!provider) {
		if (ns[0] == 'M' && strlen(ns) == NKEY_PUBLIC_LEN) {
			target_key = xstrdup(ns);
		} else {
			const char *k = ctl_strmap_get(&h->aliases, ns);

			if (!k)
				for (host_actor *a = h->actors; a; a = a->next)
					if (a->call_alias && strcmp(a->call_alias, ns) == 0) {
						k = a->id;
						break;
					}
			if (k)
				target_key = xstrdup(k);
		}
	}
	pthread_rwlock_unlock(&h->route_mu);
	if (provider) {
		inv_entity t = { provider, binding, ns };

		if (!claims_has_cap(caller, ns)) {
			rc = fail(out,
			          "Invocation not authorized: missing capability claim for %s%s",
			          ns, "");
			goto done;
		}
		rc = call_remote(h, call, &t, op, deadline, out);
		goto done;
	}
	if (!target_key) {
		rc = fail(out, "Call alias not found: %s on %s", ns, h->cfg.lattice_prefix);
		goto done;
	}
	ha = host_actor_find(h, target_key);
	if (ha) {
		inv_entity o = { self, "", "" }, t = { target_key, "", "" };

		rc = call_local(ha, op, call, deadline, out);
		host_actor_unref(ha);
		publish_result(h, rc == 0, &o, &t, op, call->payload.n);
	} else {
		inv_entity t = { target_key, "", "" };

		rc = call_remote(h, call, &t, op, deadline, out);
	}
done:
	st_free(binding);
	st_free(ns);
	st_free(op);
	st_free(provider);
	st_free(target_key);
	return rc;
}
