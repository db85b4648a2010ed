/*
 * provider.c - the provider SDK (see provider.h): host data parsing
 * (providers.md §2.4), the provider subjects (§3), links tracked per actor
 * (§4), inbound invocations (§5), health replies (§7) and shutdown (§8).
 * Chunked (object store) invocation bodies are not supported yet.
 */
#include "sdk/provider.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "codec/msgpack.h"
#include "core/log.h"
#include "core/mem.h"
#include "lattice/invocation.h"
#include "security/claims.h"
#include "security/nkey.h"
#include "core/banned.h"

/*
 * What deferred invocations need to answer after the provider may be gone:
 * the connection, cleared (under mu) when the provider is freed. Counted:
 * the provider holds one reference, each open deferred one more.
 */
typedef struct prov_shared {
	pthread_mutex_t mu;
	lat_conn *conn; /* NULL once the provider is being freed */
	atomic_int refs;
} prov_shared;

struct prov_deferred {
	prov_shared *sh;
	char *reply;  /* the request's reply subject (owned), NULL when none */
	char *inv_id; /* the invocation id (owned) */
};

/* Pending calls are hashed by token into this many buckets. */
#define CALL_BUCKETS 256

struct prov_call {
	struct prov_call *next; /* bucket chain */
	prov_provider *p;
	uint64_t token;
	char *id; /* invocation id */
	uv_timer_t timer;
	prov_call_cb cb;
	void *ud;
};

struct prov_provider {
	const prov_host_data *hd;
	const prov_callbacks *cb;
	lat_conn *conn;
	char *subject;       /* P */
	lat_sub *sub_rpc;    /* P, queue group rpc */
	lat_sub *sub_put;    /* P.linkdefs.put */
	lat_sub *sub_del;    /* P.linkdefs.del */
	lat_sub *sub_health; /* P.health */
	lat_sub *sub_stop;   /* P.shutdown */
	linkdef *links;      /* stored links, one per actor */
	size_t nlinks, caplinks;
	bool stopped;
	prov_shared *sh;
	/* Calls to actors (§6): replies come to inbox.{token}. */
	char inbox[64];
	lat_sub *sub_inbox; /* inbox.*, opened on the first call */
	uint64_t next_token;
	prov_call *calls[CALL_BUCKETS];
	size_t ncalls;
	nkey cluster; /* from invocation_seed; valid when has_cluster */
	bool has_cluster;
};

/* ---- host data ---- */

void prov_host_data_init(prov_host_data *hd)
{
	memset(hd, 0, sizeof(*hd));
}

void prov_host_data_deinit(prov_host_data *hd)
{
	if (!hd)
		return;
	st_free(hd->host_id);
	st_free(hd->lattice_rpc_prefix);
	st_free(hd->link_name);
	st_free(hd->lattice_rpc_user_jwt);
	st_free(hd->lattice_rpc_user_seed);
	st_free(hd->lattice_rpc_url);
	st_free(hd->provider_key);
	st_free(hd->invocation_seed);
	st_free(hd->instance_id);
	for (size_t i = 0; i < hd->nlinks; i++)
		linkdef_deinit(&hd->links[i]);
	st_free(hd->links);
	for (size_t i = 0; i < hd->ncluster_issuers; i++)
		st_free(hd->cluster_issuers[i]);
	st_free(hd->cluster_issuers);
	st_free(hd->config_json);
	st_free(hd->js_domain);
	st_free(hd->log_level);
	prov_host_data_init(hd);
}

/*
 * Reads string field name of o into *out (owned): absent or null gives
 * NULL when nullable, else a copy of "".
 */
static int get_str(const json_t *o, const char *name, bool nullable, char **out, st_err *err)
{
	const json_t *v = json_object_get(o, name);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!nullable)
			*out = xstrdup("");
		return 0;
	}
	if (!json_is_string(v))
		return st_err_set(err, ST_EMALFORMED, "host data: %s is not a string", name);
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

int prov_host_data_parse_json(prov_host_data *hd, const char *json, size_t len, st_err *err)
{
	struct {
		const char *name;
		char **dst;
		bool nullable;
	} strs[] = {
		{ "host_id", &hd->host_id, false },
		{ "lattice_rpc_prefix", &hd->lattice_rpc_prefix, false },
		{ "link_name", &hd->link_name, false },
		{ "lattice_rpc_user_jwt", &hd->lattice_rpc_user_jwt, false },
		{ "lattice_rpc_user_seed", &hd->lattice_rpc_user_seed, false },
		{ "lattice_rpc_url", &hd->lattice_rpc_url, false },
		{ "provider_key", &hd->provider_key, false },
		{ "invocation_seed", &hd->invocation_seed, false },
		{ "instance_id", &hd->instance_id, false },
		{ "config_json", &hd->config_json, true },
		{ "js_domain", &hd->js_domain, true },
		{ "log_level", &hd->log_level, true },
	};
	json_error_t jerr;
	json_t *root, *v;
	int rc = 0;

	prov_host_data_deinit(hd);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return st_err_set(err, ST_EMALFORMED, "host data: JSON at %d: %s", jerr.position,
		                  jerr.text);
	if (!json_is_object(root)) {
		rc = st_err_set(err, ST_EMALFORMED, "host data: not a JSON object");
		goto fail;
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		rc = get_str(root, strs[i].name, strs[i].nullable, strs[i].dst, err);
		if (rc)
			goto fail;
	}
	v = json_object_get(root, "lattice_rpc_tls");
	if (v && json_is_integer(v))
		hd->lattice_rpc_tls = json_integer_value(v) != 0;
	else if (v && json_is_boolean(v))
		hd->lattice_rpc_tls = json_is_true(v);
	else if (v && !json_is_null(v)) {
		rc = st_err_set(err, ST_EMALFORMED, "host data: lattice_rpc_tls is not 0/1");
		goto fail;
	}
	v = json_object_get(root, "default_rpc_timeout_ms");
	if (v && json_is_integer(v) && json_integer_value(v) >= 0)
		hd->default_rpc_timeout_ms = json_integer_value(v);
	else if (v && !json_is_null(v)) {
		rc = st_err_set(err, ST_EMALFORMED,
		                "host data: default_rpc_timeout_ms is not a non-negative integer");
		goto fail;
	}
	v = json_object_get(root, "structured_logging");
	if (v && json_is_boolean(v))
		hd->structured_logging = json_is_true(v);
	else if (v && !json_is_null(v)) {
		rc = st_err_set(err, ST_EMALFORMED, "host data: structured_logging is not a bool");
		goto fail;
	}

	v = json_object_get(root, "env_values");
	if (!v || !json_is_object(v)) {
		rc = st_err_set(err, ST_EMALFORMED, "host data: env_values %s",
		                v ? "is not an object" : "is missing");
		goto fail;
	}

	v = json_object_get(root, "cluster_issuers");
	if (!v || !json_is_array(v)) {
		rc = st_err_set(err, ST_EMALFORMED, "host data: cluster_issuers %s",
		                v ? "is not an array" : "is missing");
		goto fail;
	}
	hd->cluster_issuers = xcalloc(json_array_size(v) + 1, sizeof(*hd->cluster_issuers));
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *s = json_array_get(v, i);

		if (!json_is_string(s)) {
			rc = st_err_set(err, ST_EMALFORMED,
			                "host data: cluster_issuers[%zu] is not a string", i);
			goto fail;
		}
		hd->cluster_issuers[hd->ncluster_issuers++] = xstrdup(json_string_value(s));
	}

	v = json_object_get(root, "link_definitions");
	if (!v || !json_is_array(v)) {
		rc = st_err_set(err, ST_EMALFORMED, "host data: link_definitions %s",
		                v ? "is not an array" : "is missing");
		goto fail;
	}
	hd->links = xcalloc(json_array_size(v) + 1, sizeof(*hd->links));
	for (size_t i = 0; i < json_array_size(v); i++) {
		st_err lerr;

		linkdef_init(&hd->links[i]);
		hd->nlinks = i + 1;
		rc = linkdef_from_json(&hd->links[i], json_array_get(v, i), 0, &lerr);
		if (rc) {
			st_err_set(err, rc, "host data: link_definitions[%zu]: %s", i, lerr.msg);
			goto fail;
		}
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	prov_host_data_deinit(hd);
	return rc;
}

int prov_host_data_parse_line(prov_host_data *hd, const char *line, size_t len, st_err *err)
{
	unsigned char *bin = NULL;
	size_t binlen = 0;
	const char *end = NULL;
	int rc;

	prov_host_data_deinit(hd);
	while (len > 0 && strchr(" \t\r\n", line[0]))
		line++, len--;
	while (len > 0 && strchr(" \t\r\n", line[len - 1]))
		len--;
	if (len == 0)
		return st_err_set(err, ST_EMALFORMED, "host data: empty line");
	if (sodium_init() < 0)
		return st_err_set(err, ST_EIO, "host data: libsodium did not initialise");
	bin = st_malloc(len / 4 * 3 + 3);
	if (!bin)
		return st_err_set(err, ST_ENOMEM, "host data: out of memory");
	if (sodium_base642bin(bin, len / 4 * 3 + 3, line, len, NULL, &binlen, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != line + len) {
		rc = st_err_set(err, ST_EMALFORMED, "host data: not valid base64 (at byte %zu)",
		                end ? (size_t)(end - line) : (size_t)0);
		goto out;
	}
	rc = prov_host_data_parse_json(hd, (const char *)bin, binlen, err);
out:
	st_free(bin);
	return rc;
}

int prov_host_data_read(prov_host_data *hd, FILE *in, st_err *err)
{
	st_buf b;
	int c, rc;

	prov_host_data_deinit(hd);
	st_buf_init(&b, PROV_HOST_DATA_MAX);
	while ((c = fgetc(in)) != EOF && c != '\n') {
		char ch = (char)c;

		if (st_buf_append(&b, &ch, 1) != 0) {
			rc = st_err_set(err, ST_ETOOBIG, "host data: line longer than %d bytes",
			                PROV_HOST_DATA_MAX);
			goto out;
		}
	}
	if (b.n == 0 && c == EOF) {
		rc = st_err_set(err, ST_EIO, "host data: nothing on stdin");
		goto out;
	}
	rc = prov_host_data_parse_line(hd, (const char *)b.p, b.n, err);
out:
	st_buf_deinit(&b);
	return rc;
}

char *prov_host_data_nats_url(const prov_host_data *hd)
{
	const char *u = hd->lattice_rpc_url;
	size_t n;
	char *out;

	if (!u || !*u)
		return xstrdup("nats://127.0.0.1:4222");
	if (strstr(u, "://"))
		return xstrdup(u);
	n = strlen(u) + sizeof("nats://");
	out = xmalloc(n);
	snprintf(out, n, "nats://%s", u);
	return out;
}

/* ---- the running provider ---- */

static linkdef *find_link(const prov_provider *p, const char *actor_id)
{
	for (size_t i = 0; i < p->nlinks; i++)
		if (strcmp(p->links[i].actor_id, actor_id) == 0)
			return &p->links[i];
	return NULL;
}

/* Offers ld to put_link unless its actor is linked already; takes ld's contents. */
static void link_put(prov_provider *p, linkdef *ld)
{
	bool keep = true;

	if (find_link(p, ld->actor_id)) {
		st_log(ST_LOG_DEBUG, "provider: duplicate link put for %s ignored", ld->actor_id);
		linkdef_deinit(ld);
		return;
	}
	if (p->cb->put_link)
		keep = p->cb->put_link(p, ld, p->cb->ud);
	if (!keep) {
		linkdef_deinit(ld);
		return;
	}
	if (p->nlinks == p->caplinks) {
		p->caplinks = p->caplinks ? p->caplinks * 2 : 4;
		p->links = xrealloc(p->links, p->caplinks * sizeof(*p->links));
	}
	p->links[p->nlinks++] = *ld;
	linkdef_init(ld);
}

static void link_del(prov_provider *p, const char *actor_id)
{
	linkdef *l = find_link(p, actor_id);

	if (l) {
		linkdef_deinit(l);
		*l = p->links[--p->nlinks];
	}
	if (p->cb->delete_link)
		p->cb->delete_link(p, actor_id, p->cb->ud);
}

static void on_linkdef(prov_provider *p, lat_msg *msg, bool put)
{
	st_slice d = lat_msg_data(msg);
	linkdef ld;
	st_err err;

	linkdef_init(&ld);
	if (linkdef_decode(&ld, d.p, d.n, &err) != 0) {
		st_log(ST_LOG_WARN, "provider: bad link definition on %s: %s", lat_msg_subject(msg),
		       err.msg);
		return;
	}
	if (put) {
		link_put(p, &ld);
	} else {
		link_del(p, ld.actor_id);
		linkdef_deinit(&ld);
	}
}

static void on_health(prov_provider *p, lat_msg *msg)
{
	bool healthy = true;
	const char *message = NULL;
	mp_writer w;
	st_err err;

	if (!lat_msg_reply(msg))
		return;
	if (p->cb->health)
		p->cb->health(p, &healthy, &message, p->cb->ud);
	mp_writer_init_default(&w, 64 * 1024);
	mp_write_map(&w, message ? 2 : 1);
	mp_write_cstr(&w, "healthy");
	mp_write_bool(&w, healthy);
	if (message) {
		mp_write_cstr(&w, "message");
		mp_write_cstr(&w, message);
	}
	if (mp_writer_status(&w) == 0 && lat_msg_respond(p->conn, msg, w.p, w.n, &err) != 0)
		st_log(ST_LOG_WARN, "provider: health reply: %s", err.msg);
	mp_writer_deinit(&w);
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/*
 * Runs the checks of §5 steps 3-4 on inv; on failure writes the
 * InvocationResponse error text into text and returns false.
 */
static bool inv_accept(prov_provider *p, const inv_invocation *inv, char *text, size_t cap)
{
	const char *prefix = INV_ERR_ANTIFORGERY_PREFIX;
	const char *reason;
	claims c;
	st_err err;
	bool ok = false;

	claims_init(&c);
	if (inv_invocation_verify(inv, (const char *const *)p->hd->cluster_issuers,
	                          (int64_t)time(NULL), &c, &err) != 0) {
		reason = err.msg;
		if (strncmp(reason, prefix, strlen(prefix)) == 0)
			reason += strlen(prefix);
		if (err.kind == CLAIMS_ERR_ISSUER) {
			snprintf(text, cap,
			         "Issuer of this invocation is not in list of cluster issuers");
		} else if (err.kind == CLAIMS_ERR_TARGET_URL) {
			char *url = inv_entity_url(&inv->target);

			snprintf(text, cap, "%s: %s != %s/%s", reason, nz(c.target_url), url,
			         nz(inv->operation));
			st_free(url);
		} else {
			snprintf(text, cap, "%s", reason);
		}
		goto out;
	}
	if (strcmp(nz(inv->target.public_key), p->hd->provider_key) != 0) {
		snprintf(text, cap, "target key mismatch: %s != %s", nz(inv->target.public_key),
		         nz(p->hd->host_id));
		goto out;
	}
	if (!find_link(p, nz(inv->origin.public_key))) {
		snprintf(text, cap, "unlinked actor: '%s'", nz(inv->origin.public_key));
		goto out;
	}
	ok = true;
out:
	claims_deinit(&c);
	return ok;
}

static void on_invocation(prov_provider *p, lat_msg *msg)
{
	st_slice d = lat_msg_data(msg);
	char text[ST_ERR_MSG_MAX + 512];
	inv_invocation inv;
	inv_response r;
	const char *id = "";
	mp_writer w;
	st_buf out;
	st_err err;

	text[0] = '\0';
	inv_invocation_init(&inv);
	inv_response_init(&r);
	st_buf_init(&out, PROV_RESPONSE_MAX);
	mp_writer_init_default(&w, PROV_RESPONSE_MAX + 4096);
	if (inv_invocation_decode(&inv, d.p, d.n, &err) != 0) {
		snprintf(text, sizeof(text), "deser error: %s", err.msg);
		goto reply;
	}
	id = nz(inv.id);
	if (inv.has_content_length && inv.content_length > inv.msg.n) {
		snprintf(text, sizeof(text), "chunked invocations are not supported");
		goto reply;
	}
	if (!inv_accept(p, &inv, text, sizeof(text)))
		goto reply;
	if (p->cb->invoke_async) {
		prov_deferred *df = xcalloc(1, sizeof(*df));

		df->sh = p->sh;
		atomic_fetch_add(&p->sh->refs, 1);
		df->reply = lat_msg_reply(msg) ? xstrdup(lat_msg_reply(msg)) : NULL;
		df->inv_id = xstrdup(id);
		p->cb->invoke_async(p, inv.origin.public_key, nz(inv.operation), inv.msg, df,
		                    p->cb->ud);
		goto done;
	}
	if (!p->cb->invoke) {
		snprintf(text, sizeof(text), "no handler for operation %s", nz(inv.operation));
		goto reply;
	}
	st_err_clear(&err);
	if (p->cb->invoke(p, inv.origin.public_key, nz(inv.operation), inv.msg, &out, &err,
	                  p->cb->ud) != 0)
		snprintf(text, sizeof(text), "%s", err.msg[0] ? err.msg : "operation failed");
reply:
	if (text[0])
		inv_response_set_error(&r, id, text);
	else
		inv_response_set_ok(&r, id, out.p, out.n);
	if (lat_msg_reply(msg)) {
		if (inv_response_encode(&r, &w, &err) != 0 ||
		    lat_msg_respond(p->conn, msg, w.p, w.n, &err) != 0)
			st_log(ST_LOG_WARN, "provider: invocation reply: %s", err.msg);
	}
done:
	mp_writer_deinit(&w);
	st_buf_deinit(&out);
	inv_response_deinit(&r);
	inv_invocation_deinit(&inv);
}

static void close_subs(prov_provider *p)
{
	lat_sub_close(p->sub_rpc);
	lat_sub_close(p->sub_put);
	lat_sub_close(p->sub_del);
	lat_sub_close(p->sub_health);
	lat_sub_close(p->sub_stop);
	p->sub_rpc = p->sub_put = p->sub_del = p->sub_health = p->sub_stop = NULL;
}

/* Is the shutdown body (JSON {"host_id":...}, possibly empty) meant for this host? */
static bool stop_is_ours(const prov_provider *p, st_slice d)
{
	json_t *root, *v;
	bool ours = false;

	if (d.n == 0)
		return true;
	root = json_loadb((const char *)d.p, d.n, 0, NULL);
	if (!root || !json_is_object(root)) {
		st_log(ST_LOG_WARN, "provider: shutdown body is not a JSON object; ignored");
		goto out;
	}
	v = json_object_get(root, "host_id");
	ours = !v || json_is_null(v) ||
	       (json_is_string(v) &&
	        (json_string_length(v) == 0 || strcmp(json_string_value(v), p->hd->host_id) == 0));
out:
	json_decref(root);
	return ours;
}

static void on_shutdown(prov_provider *p, lat_msg *msg)
{
	st_err err;

	if (p->stopped || !lat_msg_reply(msg))
		return; /* wasmbus-rpc ignores shutdowns without a reply subject */
	if (!stop_is_ours(p, lat_msg_data(msg)))
		return;
	p->stopped = true;
	st_log(ST_LOG_INFO, "provider: shutdown requested");
	if (lat_msg_respond(p->conn, msg, PROV_SHUTDOWN_REPLY, strlen(PROV_SHUTDOWN_REPLY), &err) !=
	    0)
		st_log(ST_LOG_WARN, "provider: shutdown reply: %s", err.msg);
	close_subs(p);
	if (p->cb->shutdown)
		p->cb->shutdown(p, p->cb->ud);
}

static void on_msg(lat_sub *sub, lat_msg *msg, void *ud)
{
	prov_provider *p = ud;

	if (p->stopped)
		;
	else if (sub == p->sub_rpc)
		on_invocation(p, msg);
	else if (sub == p->sub_put)
		on_linkdef(p, msg, true);
	else if (sub == p->sub_del)
		on_linkdef(p, msg, false);
	else if (sub == p->sub_health)
		on_health(p, msg);
	else if (sub == p->sub_stop)
		on_shutdown(p, msg);
	lat_msg_free(msg);
}

static int sub(prov_provider *p, const char *suffix, lat_sub **out, st_err *err)
{
	size_t n = strlen(p->subject) + strlen(suffix) + 2;
	char *s = xmalloc(n);
	int rc;

	snprintf(s, n, "%s.%s", p->subject, suffix);
	rc = lat_conn_subscribe(p->conn, s, NULL, on_msg, p, out, err);
	st_free(s);
	return rc;
}

int prov_provider_start(const prov_host_data *hd, uv_loop_t *loop, const prov_callbacks *cb,
                        prov_provider **out, st_err *err)
{
	static const prov_callbacks none;
	prov_provider *p = NULL;
	lat_conn_opts o;
	char *url = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if (!hd || !loop || !hd->provider_key || !*hd->provider_key)
		return st_err_set(err, ST_EINVAL, "provider: host data without provider_key");
	if ((hd->lattice_rpc_user_jwt && *hd->lattice_rpc_user_jwt) ||
	    (hd->lattice_rpc_user_seed && *hd->lattice_rpc_user_seed))
		return st_err_set(err, ST_ENOSYS,
		                  "provider: NATS JWT/seed auth is not supported yet");
	p = xcalloc(1, sizeof(*p));
	p->hd = hd;
	p->cb = cb ? cb : &none;
	p->sh = xcalloc(1, sizeof(*p->sh));
	pthread_mutex_init(&p->sh->mu, NULL);
	atomic_init(&p->sh->refs, 1);
	{
		char id[INV_ID_LEN + 1];

		inv_id_generate(id);
		snprintf(p->inbox, sizeof(p->inbox), "_INBOX.%s", id);
	}
	if (hd->invocation_seed && *hd->invocation_seed) {
		st_err kerr;

		if (nkey_from_seed_text(&p->cluster, hd->invocation_seed,
		                        strlen(hd->invocation_seed), &kerr) == 0 &&
		    nkey_check_type(&p->cluster, NKEY_CLUSTER, "invocation_seed", &kerr) == 0)
			p->has_cluster = true;
		else
			st_log(ST_LOG_WARN,
			       "provider: unusable invocation_seed (%s): cannot call actors",
			       kerr.msg);
	}
	n = strlen("wasmbus.rpc...") +
	    strlen(hd->lattice_rpc_prefix ? hd->lattice_rpc_prefix : "") +
	    strlen(hd->provider_key) + strlen(hd->link_name ? hd->link_name : "") + 1;
	p->subject = xmalloc(n);
	snprintf(p->subject, n, "wasmbus.rpc.%s.%s.%s",
	         hd->lattice_rpc_prefix ? hd->lattice_rpc_prefix : "", hd->provider_key,
	         hd->link_name ? hd->link_name : "");

	url = prov_host_data_nats_url(hd);
	lat_conn_opts_init(&o);
	o.url = url;
	o.loop = loop;
	o.send_asap = true; /* a responder */
	o.name = hd->provider_key;
	rc = lat_conn_connect(&o, &p->conn, err);
	if (rc)
		goto fail;
	p->sh->conn = p->conn;
	rc = lat_conn_subscribe(p->conn, p->subject, "rpc", on_msg, p, &p->sub_rpc, err);
	if (rc)
		goto fail;
	if ((rc = sub(p, "linkdefs.put", &p->sub_put, err)) != 0 ||
	    (rc = sub(p, "linkdefs.del", &p->sub_del, err)) != 0 ||
	    (rc = sub(p, "health", &p->sub_health, err)) != 0 ||
	    (rc = sub(p, "shutdown", &p->sub_stop, err)) != 0)
		goto fail;
	/* Only pings the server; the loop is not needed for the reply. */
	rc = lat_conn_flush(p->conn, 2000, err);
	if (rc)
		goto fail;
	for (size_t i = 0; i < hd->nlinks; i++) {
		linkdef ld;

		linkdef_init(&ld);
		linkdef_set(&ld, hd->links[i].actor_id, hd->links[i].provider_id,
		            hd->links[i].link_name, hd->links[i].contract_id);
		for (size_t k = 0; k < hd->links[i].nvalues; k++)
			linkdef_add_value(&ld, hd->links[i].values[k].key,
			                  hd->links[i].values[k].value);
		link_put(p, &ld);
	}
	st_free(url);
	*out = p;
	return 0;
fail:
	st_free(url);
	prov_provider_free(p);
	return rc;
}

static void shared_unref(prov_shared *sh)
{
	if (atomic_fetch_sub(&sh->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&sh->mu);
	st_free(sh);
}

static void calls_fail_all(prov_provider *p, const char *why);

void prov_provider_free(prov_provider *p)
{
	if (!p)
		return;
	close_subs(p);
	calls_fail_all(p, "provider stopping");
	lat_sub_close(p->sub_inbox);
	p->sub_inbox = NULL;
	if (p->sh) {
		pthread_mutex_lock(&p->sh->mu);
		p->sh->conn = NULL;
		pthread_mutex_unlock(&p->sh->mu);
		shared_unref(p->sh);
	}
	if (p->has_cluster)
		nkey_wipe(&p->cluster);
	lat_conn_free(p->conn);
	for (size_t i = 0; i < p->nlinks; i++)
		linkdef_deinit(&p->links[i]);
	st_free(p->links);
	st_free(p->subject);
	st_free(p);
}

const linkdef *prov_provider_link(const prov_provider *p, const char *actor_id)
{
	return find_link(p, actor_id);
}

size_t prov_provider_nlinks(const prov_provider *p)
{
	return p->nlinks;
}

bool prov_provider_stopped(const prov_provider *p)
{
	return p->stopped;
}

lat_conn *prov_provider_conn(prov_provider *p)
{
	return p->conn;
}

const char *prov_provider_subject(const prov_provider *p)
{
	return p->subject;
}

const prov_host_data *prov_provider_host_data(const prov_provider *p)
{
	return p->hd;
}

/* ---- deferred invocations ---- */

void prov_deferred_finish(prov_deferred *d, int rc, const void *resp, size_t len, const char *error)
{
	inv_response r;
	mp_writer w;
	st_err err;

	if (!d)
		return;
	inv_response_init(&r);
	if (rc == 0 && len > PROV_RESPONSE_MAX) {
		rc = ST_ETOOBIG;
		error = "response too large (chunking is not supported)";
	}
	if (rc == 0)
		inv_response_set_ok(&r, d->inv_id, resp, len);
	else
		inv_response_set_error(&r, d->inv_id, error ? error : "operation failed");
	mp_writer_init_default(&w, PROV_RESPONSE_MAX + 4096);
	pthread_mutex_lock(&d->sh->mu);
	if (d->sh->conn && d->reply) {
		if (inv_response_encode(&r, &w, &err) != 0 ||
		    lat_conn_publish(d->sh->conn, d->reply, w.p, w.n, &err) != 0)
			st_log(ST_LOG_WARN, "provider: invocation reply: %s", err.msg);
	}
	pthread_mutex_unlock(&d->sh->mu);
	mp_writer_deinit(&w);
	inv_response_deinit(&r);
	shared_unref(d->sh);
	st_free(d->reply);
	st_free(d->inv_id);
	st_free(d);
}

/* ---- calls to actors (§6) ---- */

static void call_closed(uv_handle_t *h)
{
	prov_call *c = h->data;

	st_free(c->id);
	st_free(c);
}

/* Unhashes the call with token (NULL when unknown). */
static prov_call *call_take(prov_provider *p, uint64_t token)
{
	prov_call **pp = &p->calls[token % CALL_BUCKETS];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->token == token) {
			prov_call *c = *pp;

			*pp = c->next;
			p->ncalls--;
			return c;
		}
	return NULL;
}

/* Runs the callback of an unhashed call (unless cb is NULL) and releases it. */
static void call_end(prov_call *c, const prov_call_result *r)
{
	if (c->cb)
		c->cb(c->p, r, c->ud);
	uv_close((uv_handle_t *)&c->timer, call_closed);
}

static void calls_fail_all(prov_provider *p, const char *why)
{
	prov_call_result r = { PROV_CALL_FAILED, NULL, 0, why };

	for (size_t b = 0; b < CALL_BUCKETS; b++)
		while (p->calls[b]) {
			prov_call *c = p->calls[b];

			p->calls[b] = c->next;
			p->ncalls--;
			call_end(c, &r);
		}
}

static void on_call_timeout(uv_timer_t *t)
{
	prov_call *c = t->data;
	prov_call_result r = { PROV_CALL_TIMEOUT, NULL, 0, "timed out" };

	if (call_take(c->p, c->token) != c)
		return;
	call_end(c, &r);
}

static void on_inbox(lat_sub *sub, lat_msg *msg, void *ud)
{
	prov_provider *p = ud;
	const char *subj = lat_msg_subject(msg), *tail, *status;
	st_slice d = lat_msg_data(msg);
	prov_call_result res = { PROV_CALL_FAILED, NULL, 0, NULL };
	char text[ST_ERR_MSG_MAX + 64];
	inv_response r;
	prov_call *c;
	uint64_t token = 0;
	st_err err;

	(void)sub;
	tail = strrchr(subj, '.');
	if (tail)
		for (tail++; *tail >= '0' && *tail <= '9'; tail++)
			token = token * 10 + (uint64_t)(*tail - '0');
	c = tail && !*tail ? call_take(p, token) : NULL;
	if (!c) {
		lat_msg_free(msg); /* late (timed out or cancelled) */
		return;
	}
	inv_response_init(&r);
	status = lat_msg_header(msg, "Status");
	if (d.n == 0 && status && strcmp(status, "503") == 0) {
		res.status = PROV_CALL_NO_ACTOR;
		res.error = "no responders";
	} else if (inv_response_decode(&r, d.p, d.n, &err) != 0) {
		snprintf(text, sizeof(text), "undecodable InvocationResponse: %s", err.msg);
		res.error = text;
	} else if (r.error) {
		res.status = PROV_CALL_ERROR;
		res.error = r.error;
	} else if (r.has_content_length && r.content_length > r.msg.n) {
		res.error = "chunked responses are not supported";
	} else {
		res.status = PROV_CALL_OK;
		res.msg = r.msg.p;
		res.len = r.msg.n;
	}
	uv_timer_stop(&c->timer);
	call_end(c, &res);
	inv_response_deinit(&r);
	lat_msg_free(msg);
}

int prov_call_actor(prov_provider *p, const char *actor_id, const char *operation, const void *msg,
                    size_t len, int64_t timeout_ms, prov_call_cb cb, void *ud, prov_call **out,
                    st_err *err)
{
	const linkdef *ld = find_link(p, actor_id);
	char id[INV_ID_LEN + 1], reply[96];
	inv_invocation inv;
	inv_entity target = { actor_id, "", "" };
	char *subject;
	prov_call *c;
	mp_writer w;
	int rc;

	if (out)
		*out = NULL;
	if (p->stopped)
		return st_err_set(err, ST_ESTATE, "provider is stopping");
	if (!ld)
		return st_err_set(err, ST_ENOTFOUND, "no link for actor %s", actor_id);
	if (!p->has_cluster)
		return st_err_set(err, ST_EINVALID, "no usable invocation_seed in the host data");
	if (!cb)
		return st_err_set(err, ST_EINVAL, "prov_call_actor: no callback");
	if (!p->sub_inbox) {
		char wild[80];

		snprintf(wild, sizeof(wild), "%s.*", p->inbox);
		rc = lat_conn_subscribe(p->conn, wild, NULL, on_inbox, p, &p->sub_inbox, err);
		if (rc)
			return rc;
	}
	if (timeout_ms <= 0)
		timeout_ms =
			p->hd->default_rpc_timeout_ms > 0 ? p->hd->default_rpc_timeout_ms : 2000;
	inv_id_generate(id);
	inv_invocation_init(&inv);
	inv.origin.public_key = p->hd->provider_key;
	inv.origin.contract_id = ld->contract_id;
	inv.origin.link_name = ld->link_name;
	inv.target = target;
	inv.operation = operation;
	inv.msg.p = msg;
	inv.msg.n = len;
	inv.id = id;
	inv.host_id = p->hd->host_id;
	inv.has_content_length = true;
	inv.content_length = len;
	mp_writer_init_default(&w, PROV_RESPONSE_MAX + 64 * 1024);
	rc = inv_invocation_sign(&inv, &p->cluster, err);
	if (rc == 0)
		rc = inv_invocation_encode(&inv, &w, err);
	if (rc) {
		mp_writer_deinit(&w);
		inv_invocation_deinit(&inv);
		return rc;
	}
	c = xcalloc(1, sizeof(*c));
	c->p = p;
	c->token = ++p->next_token;
	c->id = xstrdup(id);
	c->cb = cb;
	c->ud = ud;
	snprintf(reply, sizeof(reply), "%s.%" PRIu64, p->inbox, c->token);
	subject = inv_entity_subject(&target, p->hd->lattice_rpc_prefix);
	rc = lat_conn_publish_msg(p->conn, subject, reply, NULL, 0, w.p, w.n, err);
	st_free(subject);
	mp_writer_deinit(&w);
	inv_invocation_deinit(&inv);
	if (rc) {
		st_free(c->id);
		st_free(c);
		return rc;
	}
	uv_timer_init(lat_conn_loop(p->conn), &c->timer);
	c->timer.data = c;
	uv_timer_start(&c->timer, on_call_timeout, (uint64_t)timeout_ms, 0);
	c->next = p->calls[c->token % CALL_BUCKETS];
	p->calls[c->token % CALL_BUCKETS] = c;
	p->ncalls++;
	if (out)
		*out = c;
	return 0;
}

void prov_call_cancel(prov_provider *p, prov_call *c)
{
	if (!c || call_take(p, c->token) != c)
		return;
	c->cb = NULL;
	call_end(c, NULL);
}

size_t prov_calls_pending(const prov_provider *p)
{
	return p->ncalls;
}

/* ---- prov_main ---- */

/* The one provider a process runs with prov_main. Loop thread. */
static struct {
	uv_loop_t *loop;
	prov_callbacks cb;   /* the embedder's, with shutdown wrapped */
	prov_callbacks user; /* the embedder's as given */
	uv_signal_t sigterm, sigint;
	uv_pipe_t in;
	bool in_open;
	uv_idle_t stopper;
	const char *name;
} pm;

static void main_on_stopper(uv_idle_t *i)
{
	uv_idle_stop(i);
	uv_stop(i->loop);
}

static void main_stop(const char *why)
{
	st_log(ST_LOG_INFO, "%s: stopping (%s)", pm.name, why);
	uv_idle_start(&pm.stopper, main_on_stopper);
}

static void main_on_shutdown(prov_provider *p, void *ud)
{
	if (pm.user.shutdown)
		pm.user.shutdown(p, ud);
	main_stop("shutdown requested by the host");
}

static void main_on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	main_stop(signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void main_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char scratch[256];

	(void)h;
	(void)hint;
	*b = uv_buf_init(scratch, sizeof(scratch));
}

/* stdin stays open while the host lives: end of file means the host is gone. */
static void main_on_stdin(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	(void)b;
	if (n >= 0)
		return;
	uv_read_stop(s);
	main_stop("stdin closed: the host is gone");
}

static void main_closed(uv_handle_t *h)
{
	(void)h;
}

int prov_main(const char *name, uv_loop_t *loop, const prov_callbacks *cb,
              void (*before_run)(prov_provider *p, void *ud),
              void (*after_stop)(prov_provider *p, void *ud))
{
	prov_host_data hd;
	prov_provider *p = NULL;
	st_log_level level;
	st_err err;
	int status = 1;

	memset(&pm, 0, sizeof(pm));
	pm.name = name;
	pm.loop = loop;
	if (cb)
		pm.user = *cb;
	pm.cb = pm.user;
	pm.cb.shutdown = main_on_shutdown;
	signal(SIGPIPE, SIG_IGN);
	prov_host_data_init(&hd);
	if (prov_host_data_read(&hd, stdin, &err) != 0) {
		st_log(ST_LOG_ERROR, "%s: cannot read the host data on stdin: %s", name, err.msg);
		return 1;
	}
	if (hd.log_level && st_log_level_parse(hd.log_level, &level) == 0)
		st_log_set_level(level);
	st_log_set_json(hd.structured_logging);
	if (prov_provider_start(&hd, loop, &pm.cb, &p, &err) != 0) {
		st_log(ST_LOG_ERROR, "%s: cannot start: %s", name, err.msg);
		goto out;
	}
	st_log(ST_LOG_INFO, "%s: provider %s link '%s' on lattice '%s' (%zu link(s))", name,
	       hd.provider_key, hd.link_name, hd.lattice_rpc_prefix, hd.nlinks);
	uv_idle_init(loop, &pm.stopper);
	uv_signal_init(loop, &pm.sigterm);
	uv_signal_init(loop, &pm.sigint);
	uv_signal_start(&pm.sigterm, main_on_signal, SIGTERM);
	uv_signal_start(&pm.sigint, main_on_signal, SIGINT);
	if (uv_guess_handle(0) == UV_NAMED_PIPE && uv_pipe_init(loop, &pm.in, 0) == 0) {
		pm.in_open = true;
		if (uv_pipe_open(&pm.in, 0) == 0)
			uv_read_start((uv_stream_t *)&pm.in, main_alloc, main_on_stdin);
	}
	if (before_run)
		before_run(p, pm.user.ud);
	uv_run(loop, UV_RUN_DEFAULT);
	if (after_stop)
		after_stop(p, pm.user.ud);
	uv_close((uv_handle_t *)&pm.stopper, main_closed);
	uv_close((uv_handle_t *)&pm.sigterm, main_closed);
	uv_close((uv_handle_t *)&pm.sigint, main_closed);
	if (pm.in_open)
		uv_close((uv_handle_t *)&pm.in, main_closed);
	status = 0;
out:
	prov_provider_free(p);
	uv_run(loop, UV_RUN_DEFAULT);
	if (uv_loop_close(loop) != 0)
		st_log(ST_LOG_DEBUG, "%s: loop still had handles at close", name);
	prov_host_data_deinit(&hd);
	lat_lib_close();
	st_log(ST_LOG_INFO, "%s: stopped", name);
	return status;
}
