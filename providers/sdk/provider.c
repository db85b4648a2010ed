/*
 * provider.c - the provider SDK (see provider.h): host data parsing
 * (providers.md §2.4), the provider subjects (§3), links tracked per actor
 * (§4), inbound invocations (§5), health replies (§7) and shutdown (§8).
 * Chunked (object store) invocation bodies are not supported yet.
 */
#include "sdk/provider.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "codec/msgpack.h"
#include "core/log.h"
#include "core/mem.h"
#include "lattice/invocation.h"
#include "security/claims.h"
#include "core/banned.h"

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

void prov_provider_free(prov_provider *p)
{
	if (!p)
		return;
	close_subs(p);
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
