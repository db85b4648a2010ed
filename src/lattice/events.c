/*
 * events.c - CloudEvents envelope and the event catalogue (events.h).
 *
 * Each builder makes the data object with keys in the spec's order, then
 * wraps it with evt_envelope, which takes the data reference, so a builder
 * has one failure path: whatever failed, the result is NULL and nothing
 * leaks. Randomness (uuids) comes from libsodium's CSPRNG.
 */
#include "lattice/events.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "core/banned.h"

/* ---- Helpers ------------------------------------------------------------- */

/* Sets o[key] = v, taking v; false (v released) when either is NULL or OOM. */
static bool put(json_t *o, const char *key, json_t *v)
{
	if (!o || !v) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(o, key, v) == 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *str_or_empty(const char *s)
{
	return json_string(s ? s : "");
}

static json_t *finish(json_t *o, bool ok)
{
	if (ok)
		return o;
	json_decref(o);
	return NULL;
}

/* An array of n strings, or null when n is 0. */
static json_t *strv_or_null(char *const *v, size_t n)
{
	json_t *a;

	if (n == 0)
		return json_null();
	a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int64_t src_time_us(const evt_src *src)
{
	return src->time_us ? src->time_us : evt_now_us();
}

/* ---- Ids, times ----------------------------------------------------------- */

void evt_uuid_v4(char out[EVT_UUID_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t b[16];
	size_t at = 0;

	randombytes_buf(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (size_t i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[at++] = '-';
		out[at++] = digits[b[i] >> 4];
		out[at++] = digits[b[i] & 0x0f];
	}
	out[at] = '\0';
}

bool evt_uuid_v4_valid(const char *s)
{
	if (!s || strlen(s) != EVT_UUID_LEN)
		return false;
	for (size_t i = 0; i < EVT_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char ch = s[i];

		if (dash != (ch == '-'))
			return false;
		if (!dash && !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		               (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return s[14] == '4' && strchr("89abAB", s[19]) != NULL;
}

int64_t evt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void evt_time_format(int64_t unix_us, char out[EVT_TIME_LEN + 1])
{
	int64_t secs = unix_us / 1000000, us = unix_us % 1000000;
	char buf[96];
	time_t t;
	struct tm tm;
	int n;

	if (us < 0) {
		us += 1000000;
		secs--;
	}
	t = (time_t)secs;
	gmtime_r(&t, &tm);
	/* Years past 9999 would not fit; they are cut rather than overflow out. */
	n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
	             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)us);
	if (n < 0)
		n = 0;
	if (n > EVT_TIME_LEN)
		n = EVT_TIME_LEN;
	memcpy(out, buf, (size_t)n);
	out[n] = '\0';
}

void evt_human_relative(int64_t when, int64_t now, char *out, size_t cap)
{
	static const struct {
		int64_t secs;
		const char *name;
	} units[] = { { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" } };
	int64_t d = when - now;
	uint64_t mag;

	if (cap == 0)
		return;
	if (d == 0) {
		snprintf(out, cap, "now");
		return;
	}
	mag = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t n = mag / (uint64_t)units[i].secs;

		if (n == 0)
			continue;
		if (d > 0)
			snprintf(out, cap, "in %" PRIu64 " %s%s", n, units[i].name,
			         n == 1 ? "" : "s");
		else
			snprintf(out, cap, "%" PRIu64 " %s%s ago", n, units[i].name,
			         n == 1 ? "" : "s");
		return;
	}
}

static char *subject_for(const char *head, const char *lattice_prefix)
{
	size_t n = strlen(head) + strlen(lattice_prefix) + 2;
	char *s = xmalloc(n);

	snprintf(s, n, "%s.%s", head, lattice_prefix);
	return s;
}

char *evt_subject(const char *lattice_prefix)
{
	return subject_for("wasmbus.evt", lattice_prefix);
}

char *evt_rpc_subject(const char *lattice_prefix)
{
	return subject_for("wasmbus.rpcevt", lattice_prefix);
}

/* ---- Envelope ------------------------------------------------------------- */

json_t *evt_envelope(const evt_src *src, const char *source, const char *type, json_t *data)
{
	char id[EVT_UUID_LEN + 1], when[EVT_TIME_LEN + 1];
	size_t tn = strlen(EVT_TYPE_PREFIX) + strlen(type) + 1;
	char *full = xmalloc(tn);
	json_t *o = json_object();
	bool ok;

	if (!data)
		data = json_object();
	snprintf(full, tn, "%s%s", EVT_TYPE_PREFIX, type);
	if (src->id)
		snprintf(id, sizeof(id), "%s", src->id);
	else
		evt_uuid_v4(id);
	evt_time_format(src_time_us(src), when);
	/* put consumes data whatever happens, so it goes first. */
	ok = o != NULL;
	ok = put(o, "specversion", json_string("1.0")) && ok;
	ok = ok && put(o, "id", json_string(id));
	ok = ok && put(o, "type", json_string(full));
	ok = ok && put(o, "source", str_or_empty(source ? source : src->host_id));
	ok = ok && put(o, "time", json_string(when));
	ok = ok && put(o, "datacontenttype", json_string("application/json"));
	if (ok)
		ok = put(o, "data", data);
	else
		json_decref(data);
	st_free(full);
	return finish(o, ok);
}

/* Wraps a data object built with ok (released when !ok). */
static json_t *wrap(const evt_src *src, const char *source, const char *type, json_t *data, bool ok)
{
	if (!ok || !data) {
		json_decref(data);
		return NULL;
	}
	return evt_envelope(src, source, type, data);
}

static int64_t src_now_s(const evt_src *src)
{
	return src_time_us(src) / 1000000;
}

static bool put_times(json_t *o, const claims *c, int64_t now)
{
	char nbf[64], exp[64];

	if (c->has_nbf)
		evt_human_relative(c->nbf, now, nbf, sizeof(nbf));
	else
		snprintf(nbf, sizeof(nbf), "immediately");
	if (c->has_exp)
		evt_human_relative(c->exp, now, exp, sizeof(exp));
	else
		snprintf(exp, sizeof(exp), "never");
	return put(o, "not_before_human", json_string(nbf)) &&
	       put(o, "expires_human", json_string(exp));
}

json_t *evt_actor_claims_json(const claims *c, int64_t now)
{
	json_t *o = json_object();
	bool ok = put(o, "call_alias", str_or_null(c->call_alias)) &&
	          put(o, "caps", strv_or_null(c->caps, c->ncaps)) &&
	          put(o, "issuer", str_or_null(c->iss)) &&
	          put(o, "tags", strv_or_null(c->tags, c->ntags)) &&
	          put(o, "name", str_or_null(c->name)) && put(o, "version", str_or_null(c->ver)) &&
	          put(o, "revision", json_integer(claims_revision(c))) && put_times(o, c, now);

	return finish(o, ok);
}

json_t *evt_provider_claims_json(const claims *c, int64_t now)
{
	json_t *o = json_object();
	bool ok = put(o, "issuer", str_or_null(c->iss)) &&
	          put(o, "tags", strv_or_null(c->tags, c->ntags)) &&
	          put(o, "name", str_or_null(c->name)) && put(o, "version", str_or_null(c->ver)) &&
	          put_times(o, c, now);

	return finish(o, ok);
}

/* ---- Hosts ---------------------------------------------------------------- */

json_t *evt_host_started(const evt_src *src, const ctl_strmap *labels, const char *friendly_name,
                         uint64_t uptime_seconds, const char *version)
{
	json_t *d = json_object();
	bool ok = put(d, "labels", ctl_strmap_to_json(labels)) &&
	          put(d, "friendly_name", str_or_empty(friendly_name)) &&
	          put(d, "uptime_seconds", json_integer((json_int_t)uptime_seconds)) &&
	          put(d, "version", str_or_empty(version));

	return wrap(src, NULL, "host_started", d, ok);
}

json_t *evt_host_stopped(const evt_src *src, const ctl_strmap *labels)
{
	json_t *d = json_object();
	bool ok = put(d, "labels", ctl_strmap_to_json(labels));

	return wrap(src, NULL, "host_stopped", d, ok);
}

json_t *evt_host_heartbeat(const evt_src *src, const evt_heartbeat *hb)
{
	json_t *d = json_object(), *actors = json_object(), *providers = json_array();
	bool ok = actors && providers;
	char human[128];

	for (size_t i = 0; ok && i < hb->nactors; i++)
		ok = put(actors, hb->actors[i].public_key,
		         json_integer((json_int_t)hb->actors[i].count));
	for (size_t i = 0; ok && i < hb->nproviders; i++) {
		const evt_provider_desc *p = &hb->providers[i];
		json_t *po = json_object();
		bool pok = put(po, "public_key", str_or_empty(p->public_key)) &&
		           put(po, "link_name", str_or_empty(p->link_name)) &&
		           put(po, "contract_id",
		               str_or_empty(p->contract_id ? p->contract_id : "n/a"));

		ok = json_array_append_new(providers, finish(po, pok)) == 0;
	}
	ctl_uptime_human(hb->uptime_seconds, human, sizeof(human));
	/* Both containers are put unconditionally: put always consumes its value. */
	ok = put(d, "actors", actors) && ok;
	ok = put(d, "providers", providers) && ok;
	ok = ok && put(d, "labels", ctl_strmap_to_json(hb->labels)) &&
	     put(d, "friendly_name", str_or_empty(hb->friendly_name)) &&
	     put(d, "version", str_or_empty(hb->version)) &&
	     put(d, "uptime_seconds", json_integer((json_int_t)hb->uptime_seconds)) &&
	     put(d, "uptime_human", json_string(human));
	return wrap(src, NULL, "host_heartbeat", d, ok);
}

/* ---- Actors --------------------------------------------------------------- */

json_t *evt_actor_started(const evt_src *src, const char *public_key, const char *image_ref,
                          const char *instance_id, const ctl_strmap *annotations, const claims *c)
{
	json_t *d = json_object();
	bool ok = put(d, "public_key", str_or_empty(public_key)) &&
	          put(d, "image_ref", str_or_empty(image_ref)) &&
	          put(d, "api_version", json_string("n/a")) &&
	          put(d, "instance_id", str_or_empty(instance_id)) &&
	          put(d, "annotations", ctl_strmap_to_json(annotations)) &&
	          put(d, "claims", evt_actor_claims_json(c, src_now_s(src)));

	return wrap(src, NULL, "actor_started", d, ok);
}

json_t *evt_actors_started(const evt_src *src, const char *public_key, const char *image_ref,
                           const ctl_strmap *annotations, const claims *c, uint64_t count)
{
	json_t *d = json_object();
	bool ok = put(d, "public_key", str_or_empty(public_key)) &&
	          put(d, "image_ref", str_or_empty(image_ref)) &&
	          put(d, "annotations", ctl_strmap_to_json(annotations)) &&
	          put(d, "host_id", str_or_empty(src->host_id)) &&
	          put(d, "claims", evt_actor_claims_json(c, src_now_s(src))) &&
	          put(d, "count", json_integer((json_int_t)count));

	return wrap(src, NULL, "actors_started", d, ok);
}

json_t *evt_actor_start_failed(const evt_src *src, const char *actor_ref, const char *error)
{
	json_t *d = json_object();
	bool ok = put(d, "actor_ref", str_or_empty(actor_ref)) &&
	          put(d, "error", str_or_empty(error));

	return wrap(src, NULL, "actor_start_failed", d, ok);
}

json_t *evt_actors_start_failed(const evt_src *src, const char *public_key, const char *image_ref,
                                const ctl_strmap *annotations, const char *error)
{
	json_t *d = json_object();
	bool ok = put(d, "public_key", json_string(public_key ? public_key : "N/A")) &&
	          put(d, "image_ref", str_or_empty(image_ref)) &&
	          put(d, "annotations", ctl_strmap_to_json(annotations)) &&
	          put(d, "host_id", str_or_empty(src->host_id)) &&
	          put(d, "error", str_or_empty(error));

	return wrap(src, NULL, "actors_start_failed", d, ok);
}

json_t *evt_actor_stopped(const evt_src *src, const char *public_key, const char *instance_id,
                          const ctl_strmap *annotations)
{
	json_t *d = json_object();
	bool ok = put(d, "public_key", str_or_empty(public_key)) &&
	          put(d, "instance_id", str_or_empty(instance_id)) &&
	          put(d, "annotations", ctl_strmap_to_json(annotations));

	return wrap(src, NULL, "actor_stopped", d, ok);
}

json_t *evt_actors_stopped(const evt_src *src, const char *public_key, uint64_t count,
                           int64_t remaining, const ctl_strmap *annotations)
{
	json_t *d = json_object();
	bool ok = put(d, "host_id", str_or_empty(src->host_id)) &&
	          put(d, "public_key", str_or_empty(public_key)) &&
	          put(d, "count", json_integer((json_int_t)count)) &&
	          put(d, "remaining", json_integer(remaining)) &&
	          put(d, "annotations", ctl_strmap_to_json(annotations));

	return wrap(src, NULL, "actors_stopped", d, ok);
}

json_t *evt_actor_updated(const evt_src *src, const char *public_key, int64_t revision,
                          const char *instance_id)
{
	json_t *d = json_object();
	bool ok = put(d, "public_key", str_or_empty(public_key)) &&
	          put(d, "revision", json_integer(revision)) &&
	          put(d, "instance_id", str_or_empty(instance_id));

	return wrap(src, NULL, "actor_updated", d, ok);
}

json_t *evt_actor_update_failed(const evt_src *src, const char *public_key, int64_t revision,
                                const char *instance_id, const char *reason)
{
	json_t *d = json_object();
	bool ok = put(d, "public_key", str_or_empty(public_key)) &&
	          put(d, "revision", json_integer(revision)) &&
	          put(d, "instance_id", str_or_empty(instance_id)) &&
	          put(d, "reason", str_or_empty(reason));

	return wrap(src, NULL, "actor_update_failed", d, ok);
}

/* ---- Providers ------------------------------------------------------------ */

json_t *evt_provider_started(const evt_src *src, const char *public_key, const char *image_ref,
                             const char *link_name, const char *contract_id,
                             const char *instance_id, const ctl_strmap *annotations,
                             const claims *c)
{
	json_t *d = json_object();
	bool ok = put(d, "public_key", str_or_empty(public_key)) &&
	          put(d, "image_ref", str_or_empty(image_ref)) &&
	          put(d, "link_name", str_or_empty(link_name)) &&
	          put(d, "contract_id", str_or_empty(contract_id)) &&
	          put(d, "instance_id", str_or_empty(instance_id)) &&
	          put(d, "annotations", ctl_strmap_to_json(annotations)) &&
	          put(d, "claims", evt_provider_claims_json(c, src_now_s(src)));

	return wrap(src, NULL, "provider_started", d, ok);
}

json_t *evt_provider_start_failed(const evt_src *src, const char *provider_ref,
                                  const char *link_name, const char *error)
{
	json_t *d = json_object();
	bool ok = put(d, "provider_ref", str_or_empty(provider_ref)) &&
	          put(d, "link_name", str_or_empty(link_name)) &&
	          put(d, "error", str_or_empty(error));

	return wrap(src, NULL, "provider_start_failed", d, ok);
}

json_t *evt_provider_stopped(const evt_src *src, const char *public_key, const char *link_name,
                             const char *contract_id, const char *instance_id,
                             const ctl_strmap *annotations, const char *reason)
{
	json_t *d = json_object();
	bool ok = put(d, "public_key", str_or_empty(public_key)) &&
	          put(d, "link_name", str_or_empty(link_name)) &&
	          put(d, "contract_id", str_or_empty(contract_id)) &&
	          put(d, "instance_id", str_or_empty(instance_id)) &&
	          put(d, "annotations", ctl_strmap_to_json(annotations)) &&
	          put(d, "reason", json_string(reason ? reason : "normal"));

	return wrap(src, NULL, "provider_stopped", d, ok);
}

json_t *evt_health_check(const evt_src *src, evt_health kind, const char *public_key,
                         const char *link_name, const char *contract_id)
{
	static const char *const types[] = { "health_check_passed", "health_check_failed",
		                             "health_check_status" };
	json_t *d = json_object();
	bool ok = put(d, "public_key", str_or_empty(public_key)) &&
	          put(d, "link_name", str_or_empty(link_name)) &&
	          put(d, "contract_id", str_or_empty(contract_id));

	if ((unsigned)kind >= sizeof(types) / sizeof(types[0]))
		ST_BUG("bad evt_health %d", (int)kind);
	return wrap(src, NULL, types[kind], d, ok);
}

/* ---- Links, references ------------------------------------------------------ */

json_t *evt_linkdef_set(const evt_src *src, const linkdef *l)
{
	return wrap(src, EVT_SOURCE_NONE, "linkdef_set", linkdef_to_json(l), true);
}

json_t *evt_linkdef_deleted(const evt_src *src, const linkdef *l)
{
	return wrap(src, EVT_SOURCE_NONE, "linkdef_deleted", linkdef_to_json(l), true);
}

json_t *evt_refmap_set(const evt_src *src, const char *oci_url, const char *public_key)
{
	json_t *d = json_object();
	bool ok = put(d, "oci_url", str_or_empty(oci_url)) &&
	          put(d, "public_key", str_or_empty(public_key));

	return wrap(src, NULL, "refmap_set", d, ok);
}

/* ---- Invocation results ------------------------------------------------------ */

static json_t *entity_json(const claims_entity *e)
{
	json_t *o = json_object();
	bool ok = put(o, "public_key", str_or_empty(e->public_key)) &&
	          put(o, "contract_id", str_or_null(e->contract_id)) &&
	          put(o, "link_name", str_or_null(e->link_name));

	return finish(o, ok);
}

json_t *evt_invocation_result(const evt_src *src, bool ok, const claims_entity *source,
                              const claims_entity *dest, const char *operation, uint64_t bytes)
{
	json_t *d = json_object();
	bool good = put(d, "source", entity_json(source)) && put(d, "dest", entity_json(dest)) &&
	            put(d, "operation", str_or_empty(operation)) &&
	            put(d, "bytes", json_integer((json_int_t)bytes));

	return wrap(src, NULL, ok ? "invocation_succeeded" : "invocation_failed", d, good);
}
