/*
 * ctl.c - control-interface JSON (ctl.h): string maps, subjects, request
 * parsers and reply builders of lattice.md §5.
 *
 * Parsers load the body with jansson, then read each key through one of
 * three helpers (string, count, string map) that implement the 0.6x host's
 * rules: null counts as absent, unknown keys are ignored. Builders insert
 * keys in the order the spec prints them, so dumps (JSON_PRESERVE_ORDER)
 * read like the spec; receivers do not depend on order.
 */
#include "lattice/ctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

/* ---- String maps ------------------------------------------------------ */

void ctl_strmap_init(ctl_strmap *m)
{
	m->v = NULL;
	m->n = 0;
}

void ctl_strmap_deinit(ctl_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		st_free(m->v[i].key);
		st_free(m->v[i].value);
	}
	st_free(m->v);
	ctl_strmap_init(m);
}

static ctl_strpair *strmap_find(const ctl_strmap *m, const char *key)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			return &m->v[i];
	return NULL;
}

void ctl_strmap_set(ctl_strmap *m, const char *key, const char *value)
{
	ctl_strpair *p = strmap_find(m, key);
	char *copy = xstrdup(value);

	if (p) {
		st_free(p->value);
		p->value = copy;
		return;
	}
	m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
	m->v[m->n].key = xstrdup(key);
	m->v[m->n].value = copy;
	m->n++;
}

const char *ctl_strmap_get(const ctl_strmap *m, const char *key)
{
	ctl_strpair *p = strmap_find(m, key);

	return p ? p->value : NULL;
}

void ctl_strmap_del(ctl_strmap *m, const char *key)
{
	ctl_strpair *p = strmap_find(m, key);
	size_t i;

	if (!p)
		return;
	i = (size_t)(p - m->v);
	st_free(p->key);
	st_free(p->value);
	memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof(*m->v));
	m->n--;
}

void ctl_strmap_copy(ctl_strmap *dst, const ctl_strmap *src)
{
	ctl_strmap_deinit(dst);
	for (size_t i = 0; src && i < src->n; i++)
		ctl_strmap_set(dst, src->v[i].key, src->v[i].value);
}

bool ctl_strmap_contains_all(const ctl_strmap *m, const ctl_strmap *sub)
{
	for (size_t i = 0; sub && i < sub->n; i++) {
		const char *have = ctl_strmap_get(m, sub->v[i].key);

		if (!have || strcmp(have, sub->v[i].value) != 0)
			return false;
	}
	return true;
}

json_t *ctl_strmap_to_json(const ctl_strmap *m)
{
	json_t *o = json_object();

	for (size_t i = 0; o && m && i < m->n; i++) {
		if (json_object_set_new(o, m->v[i].key, json_string(m->v[i].value)) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int ctl_strmap_from_json(ctl_strmap *m, const json_t *obj, bool null_as_empty, const char *what,
                         st_err *err)
{
	const char *key;
	json_t *val;

	ctl_strmap_deinit(m);
	if (!json_is_object(obj))
		return st_err_set(err, ST_EMALFORMED, "\"%s\" must be an object", what);
	/* json_object_foreach needs a non-const object; it does not modify it. */
	json_object_foreach((json_t *)obj, key, val)
	{
		if (json_is_string(val)) {
			ctl_strmap_set(m, key, json_string_value(val));
		} else if (null_as_empty && json_is_null(val)) {
			ctl_strmap_set(m, key, "");
		} else {
			ctl_strmap_deinit(m);
			return st_err_set(err, ST_EMALFORMED,
			                  "\"%s\" must map strings to strings (key \"%s\")", what,
			                  key);
		}
	}
	return 0;
}

/* ---- JSON helpers ----------------------------------------------------- */

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

char *ctl_json_dump(const json_t *j, size_t *len)
{
	size_t n;
	char *s;

	if (!j)
		return NULL;
	n = json_dumpb(j, NULL, 0, DUMP_FLAGS);
	if (n == 0)
		return NULL;
	s = st_malloc(n + 1);
	if (!s)
		return NULL;
	if (json_dumpb(j, s, n, DUMP_FLAGS) != n) {
		st_free(s);
		return NULL;
	}
	s[n] = '\0';
	if (len)
		*len = n;
	return s;
}

char *ctl_json_dump_take(json_t *j, size_t *len)
{
	char *s = ctl_json_dump(j, len);

	json_decref(j);
	return s;
}

/* Sets o[key] = v, taking v; false (v released) when either is NULL or OOM. */
static bool put(json_t *o, const char *key, json_t *v)
{
	if (!o || !v) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(o, key, v) == 0;
}

/* A JSON string, or null when s is NULL. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A JSON string, "" when s is NULL. */
static json_t *str_or_empty(const char *s)
{
	return json_string(s ? s : "");
}

/* Joins n strings (borrowed) with ",". Returns an owned string (st_free). */
static char *join_strv(const char *const *v, size_t n)
{
	size_t len = 1, at = 0;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = xmalloc(len);
	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(s + at, len - at, "%s%s", i ? "," : "", v[i]);
	return s;
}

/* join_strv as a JSON string. */
static json_t *joined(const char *const *v, size_t n)
{
	char *s = join_strv(v, n);
	json_t *j = json_string(s);

	st_free(s);
	return j;
}

/* Returns o when ok, else releases it and returns NULL. */
static json_t *finish(json_t *o, bool ok)
{
	if (ok)
		return o;
	json_decref(o);
	return NULL;
}

/* ---- Subjects ---------------------------------------------------------- */

static const struct {
	ctl_op op;
	const char *name;    /* the subject after "{ctl}.{prefix}.", "%s" = host id */
	const char *failure; /* §5.2 failure-ack text */
} op_table[] = {
	{ CTL_OP_UNKNOWN, "", "" },
	{ CTL_OP_PING_HOSTS, "ping.hosts", "" },
	{ CTL_OP_GET_CLAIMS, "get.claims", "" },
	{ CTL_OP_GET_LINKS, "get.links", "" },
	{ CTL_OP_GET_INVENTORY, "get.%s.inv",
	  "Command received by incorrect host and could not be processed" },
	{ CTL_OP_LINKDEF_PUT, "linkdefs.put", "Invalid link definition put request" },
	{ CTL_OP_LINKDEF_DEL, "linkdefs.del", "Invalid link definition removal request" },
	{ CTL_OP_AUCTION_ACTOR, "auction.actor", "Invalid JSON request for actor auction" },
	{ CTL_OP_AUCTION_PROVIDER, "auction.provider", "Invalid JSON request to auction provider" },
	{ CTL_OP_LAUNCH_ACTOR, "cmd.%s.la", "Invalid launch actor JSON request" },
	{ CTL_OP_STOP_ACTOR, "cmd.%s.sa", "Invalid request to stop actor" },
	{ CTL_OP_SCALE_ACTOR, "cmd.%s.scale", "Invalid scale actor JSON request" },
	{ CTL_OP_UPDATE_ACTOR, "cmd.%s.upd", "Invalid JSON request to update actor" },
	{ CTL_OP_LAUNCH_PROVIDER, "cmd.%s.lp", "Improperly formed start provider command JSON" },
	{ CTL_OP_STOP_PROVIDER, "cmd.%s.sp", "Invalid JSON request for stop provider" },
	{ CTL_OP_STOP_HOST, "cmd.%s.stop", "Unable to parse stop host command: " },
	{ CTL_OP_REGISTRIES_PUT, "registries.put", "Failed to update registry credential map" },
};

#define NOPS (sizeof(op_table) / sizeof(op_table[0]))

const char *ctl_op_name(ctl_op op)
{
	for (size_t i = 0; i < NOPS; i++)
		if (op_table[i].op == op)
			return op_table[i].name;
	return "";
}

const char *ctl_op_failure_text(ctl_op op)
{
	for (size_t i = 0; i < NOPS; i++)
		if (op_table[i].op == op)
			return op_table[i].failure;
	return "";
}

/* Matches rest against pattern (one optional "%s" = one non-empty token). */
static bool subject_match(const char *rest, const char *pattern, const char **tok, size_t *toklen)
{
	const char *pct = strstr(pattern, "%s");
	size_t head, tail, n = strlen(rest);

	if (!pct)
		return strcmp(rest, pattern) == 0;
	head = (size_t)(pct - pattern);
	tail = strlen(pct + 2);
	if (n <= head + tail || strncmp(rest, pattern, head) != 0 ||
	    strcmp(rest + n - tail, pct + 2) != 0)
		return false;
	*tok = rest + head;
	*toklen = n - head - tail;
	return memchr(*tok, '.', *toklen) == NULL;
}

int ctl_subject_parse(const char *subject, const char *topic_prefix, const char *lattice_prefix,
                      ctl_subject *out, st_err *err)
{
	size_t tl, ll;
	const char *rest;

	if (!topic_prefix)
		topic_prefix = CTL_DEFAULT_TOPIC_PREFIX;
	out->op = CTL_OP_UNKNOWN;
	out->host_id[0] = '\0';
	tl = strlen(topic_prefix);
	ll = strlen(lattice_prefix);
	if (strncmp(subject, topic_prefix, tl) != 0 || subject[tl] != '.' ||
	    strncmp(subject + tl + 1, lattice_prefix, ll) != 0 || subject[tl + 1 + ll] != '.')
		return st_err_set(err, ST_ENOTFOUND, "not a control subject of lattice %s",
		                  lattice_prefix);
	rest = subject + tl + 1 + ll + 1;
	for (size_t i = 1; i < NOPS; i++) {
		const char *tok = NULL;
		size_t toklen = 0;

		if (!subject_match(rest, op_table[i].name, &tok, &toklen))
			continue;
		if (tok) {
			if (toklen >= sizeof(out->host_id))
				return st_err_set(err, ST_ETOOBIG, "host id of %zu bytes", toklen);
			memcpy(out->host_id, tok, toklen);
			out->host_id[toklen] = '\0';
		}
		out->op = op_table[i].op;
		return 0;
	}
	return st_err_set(err, ST_ENOTFOUND, "unknown control operation \"%s\"", rest);
}

char *ctl_subject_build(ctl_op op, const char *topic_prefix, const char *lattice_prefix,
                        const char *host_id)
{
	const char *name = ctl_op_name(op);
	const char *pct = strstr(name, "%s");
	size_t n;
	char *s;

	if (!topic_prefix)
		topic_prefix = CTL_DEFAULT_TOPIC_PREFIX;
	if (op == CTL_OP_UNKNOWN || !*name || (pct && !host_id))
		return NULL;
	if (!pct)
		host_id = "";
	n = strlen(topic_prefix) + strlen(lattice_prefix) + strlen(name) + strlen(host_id) + 3;
	s = xmalloc(n);
	if (pct)
		snprintf(s, n, "%s.%s.%.*s%s%s", topic_prefix, lattice_prefix, (int)(pct - name),
		         name, host_id, pct + 2);
	else
		snprintf(s, n, "%s.%s.%s", topic_prefix, lattice_prefix, name);
	return s;
}

/* ---- Request parsing --------------------------------------------------- */

/* Loads body as a JSON object. On success *out is a new reference. */
static int load_object(const void *body, size_t len, json_t **out, st_err *err)
{
	json_error_t jerr;
	json_t *root;

	*out = NULL;
	if (len > CTL_MAX_BODY_BYTES)
		return st_err_set(err, ST_ETOOBIG, "request body of %zu bytes (at most %d)", len,
		                  CTL_MAX_BODY_BYTES);
	if (len == 0)
		return st_err_set(err, ST_EMALFORMED, "empty request body (JSON object expected)");
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root)
		return st_err_setat(err, ST_EMALFORMED, jerr.position,
		                    "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
		                    jerr.column);
	if (!json_is_object(root)) {
		json_decref(root);
		return st_err_set(err, ST_EMALFORMED, "request body is not a JSON object");
	}
	*out = root;
	return 0;
}

/*
 * Reads string key of o into *out (owned copy). A missing or null key is
 * an error when required, else leaves *out NULL.
 */
static int get_str(const json_t *o, const char *key, bool required, char **out, st_err *err)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return st_err_set(err, ST_EMALFORMED, "missing or null \"%s\"", key);
		return 0;
	}
	if (!json_is_string(v))
		return st_err_set(err, ST_EMALFORMED, "\"%s\" must be a string", key);
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* As get_str, with a default copied in when the key is missing. */
static int get_str_def(const json_t *o, const char *key, const char *def, char **out, st_err *err)
{
	int rc = get_str(o, key, false, out, err);

	if (rc == 0 && !*out)
		*out = xstrdup(def);
	return rc;
}

/* Reads an instance count (integer 0..CTL_MAX_COUNT); def when missing and optional. */
static int get_count(const json_t *o, const char *key, bool required, uint32_t def, uint32_t *out,
                     st_err *err)
{
	json_t *v = json_object_get(o, key);
	json_int_t n;

	*out = def;
	if (!v || json_is_null(v)) {
		if (required)
			return st_err_set(err, ST_EMALFORMED, "missing or null \"%s\"", key);
		return 0;
	}
	if (!json_is_integer(v))
		return st_err_set(err, ST_EMALFORMED, "\"%s\" must be an integer", key);
	n = json_integer_value(v);
	if (n < 0 || n > CTL_MAX_COUNT)
		return st_err_set(err, ST_EMALFORMED, "\"%s\" must be in 0..%d, got %" PRId64, key,
		                  CTL_MAX_COUNT, (int64_t)n);
	*out = (uint32_t)n;
	return 0;
}

/* Reads an optional string map (empty when missing or null). */
static int get_map(const json_t *o, const char *key, ctl_strmap *out, st_err *err)
{
	json_t *v = json_object_get(o, key);

	ctl_strmap_init(out);
	if (!v || json_is_null(v))
		return 0;
	return ctl_strmap_from_json(out, v, false, key, err);
}

void ctl_launch_actor_deinit(ctl_launch_actor *r)
{
	if (!r)
		return;
	st_free(r->actor_ref);
	st_free(r->host_id);
	ctl_strmap_deinit(&r->annotations);
	memset(r, 0, sizeof(*r));
}

int ctl_launch_actor_parse(ctl_launch_actor *out, const void *body, size_t len, st_err *err)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	if ((rc = get_str(o, "actor_ref", true, &out->actor_ref, err)) < 0 ||
	    (rc = get_count(o, "count", false, 1, &out->count, err)) < 0 ||
	    (rc = get_str(o, "host_id", false, &out->host_id, err)) < 0 ||
	    (rc = get_map(o, "annotations", &out->annotations, err)) < 0)
		goto fail;
	/* The client documents 0 as "start one"; the OTP host would start two (§5.8). */
	if (out->count == 0)
		out->count = 1;
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	ctl_launch_actor_deinit(out);
	return rc;
}

void ctl_stop_actor_deinit(ctl_stop_actor *r)
{
	if (!r)
		return;
	st_free(r->actor_ref);
	st_free(r->host_id);
	ctl_strmap_deinit(&r->annotations);
	memset(r, 0, sizeof(*r));
}

int ctl_stop_actor_parse(ctl_stop_actor *out, const void *body, size_t len, st_err *err)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	if ((rc = get_str(o, "actor_ref", true, &out->actor_ref, err)) < 0 ||
	    (rc = get_count(o, "count", true, 0, &out->count, err)) < 0 ||
	    (rc = get_str(o, "host_id", false, &out->host_id, err)) < 0 ||
	    (rc = get_map(o, "annotations", &out->annotations, err)) < 0)
		goto fail;
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	ctl_stop_actor_deinit(out);
	return rc;
}

void ctl_scale_actor_deinit(ctl_scale_actor *r)
{
	if (!r)
		return;
	st_free(r->actor_id);
	st_free(r->actor_ref);
	st_free(r->host_id);
	ctl_strmap_deinit(&r->annotations);
	memset(r, 0, sizeof(*r));
}

int ctl_scale_actor_parse(ctl_scale_actor *out, const void *body, size_t len, st_err *err)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	if ((rc = get_str(o, "actor_id", true, &out->actor_id, err)) < 0 ||
	    (rc = get_str(o, "actor_ref", true, &out->actor_ref, err)) < 0 ||
	    (rc = get_count(o, "count", true, 0, &out->count, err)) < 0 ||
	    (rc = get_str(o, "host_id", false, &out->host_id, err)) < 0 ||
	    (rc = get_map(o, "annotations", &out->annotations, err)) < 0)
		goto fail;
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	ctl_scale_actor_deinit(out);
	return rc;
}

void ctl_update_actor_deinit(ctl_update_actor *r)
{
	if (!r)
		return;
	st_free(r->actor_id);
	st_free(r->new_actor_ref);
	st_free(r->host_id);
	ctl_strmap_deinit(&r->annotations);
	memset(r, 0, sizeof(*r));
}

int ctl_update_actor_parse(ctl_update_actor *out, const void *body, size_t len, st_err *err)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	if ((rc = get_str(o, "actor_id", false, &out->actor_id, err)) < 0 ||
	    (rc = get_str(o, "new_actor_ref", true, &out->new_actor_ref, err)) < 0 ||
	    (rc = get_str(o, "host_id", false, &out->host_id, err)) < 0 ||
	    (rc = get_map(o, "annotations", &out->annotations, err)) < 0)
		goto fail;
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	ctl_update_actor_deinit(out);
	return rc;
}

void ctl_launch_provider_deinit(ctl_launch_provider *r)
{
	if (!r)
		return;
	st_free(r->provider_ref);
	st_free(r->link_name);
	st_free(r->host_id);
	st_free(r->configuration);
	ctl_strmap_deinit(&r->annotations);
	memset(r, 0, sizeof(*r));
}

int ctl_launch_provider_parse(ctl_launch_provider *out, const void *body, size_t len, st_err *err)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	if ((rc = get_str(o, "provider_ref", true, &out->provider_ref, err)) < 0 ||
	    (rc = get_str(o, "link_name", true, &out->link_name, err)) < 0 ||
	    (rc = get_str(o, "host_id", false, &out->host_id, err)) < 0 ||
	    (rc = get_str_def(o, "configuration", "", &out->configuration, err)) < 0 ||
	    (rc = get_map(o, "annotations", &out->annotations, err)) < 0)
		goto fail;
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	ctl_launch_provider_deinit(out);
	return rc;
}

void ctl_stop_provider_deinit(ctl_stop_provider *r)
{
	if (!r)
		return;
	st_free(r->provider_ref);
	st_free(r->link_name);
	st_free(r->contract_id);
	st_free(r->host_id);
	ctl_strmap_deinit(&r->annotations);
	memset(r, 0, sizeof(*r));
}

int ctl_stop_provider_parse(ctl_stop_provider *out, const void *body, size_t len, st_err *err)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	if ((rc = get_str(o, "provider_ref", true, &out->provider_ref, err)) < 0 ||
	    (rc = get_str(o, "link_name", true, &out->link_name, err)) < 0 ||
	    (rc = get_str(o, "contract_id", false, &out->contract_id, err)) < 0 ||
	    (rc = get_str(o, "host_id", false, &out->host_id, err)) < 0 ||
	    (rc = get_map(o, "annotations", &out->annotations, err)) < 0)
		goto fail;
	/* 0.6x only stops by public key (§5.12). */
	if (strlen(out->provider_ref) != 56) {
		rc = st_err_set(err, ST_EMALFORMED,
		                "\"provider_ref\" must be a provider public key (56 characters)");
		goto fail;
	}
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	ctl_stop_provider_deinit(out);
	return rc;
}

void ctl_stop_host_deinit(ctl_stop_host *r)
{
	if (!r)
		return;
	st_free(r->host_id);
	memset(r, 0, sizeof(*r));
}

int ctl_stop_host_parse(ctl_stop_host *out, const void *body, size_t len, st_err *err)
{
	json_t *o, *t;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	rc = get_str(o, "host_id", false, &out->host_id, err);
	if (rc < 0)
		goto fail;
	t = json_object_get(o, "timeout");
	if (t && !json_is_null(t)) {
		if (!json_is_integer(t) || json_integer_value(t) < 0) {
			rc = st_err_set(err, ST_EMALFORMED,
			                "\"timeout\" must be a non-negative integer");
			goto fail;
		}
		out->has_timeout = true;
		out->timeout = (uint64_t)json_integer_value(t);
	}
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	ctl_stop_host_deinit(out);
	return rc;
}

/* Loads body and reads it with linkdef_from_json (flags). */
static int linkdef_parse(linkdef *out, const void *body, size_t len, unsigned flags, st_err *err)
{
	json_t *o;
	int rc;

	linkdef_init(out);
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	rc = linkdef_from_json(out, o, flags, err);
	json_decref(o);
	return rc;
}

int ctl_linkdef_put_parse(linkdef *out, const void *body, size_t len, st_err *err)
{
	return linkdef_parse(out, body, len, LINKDEF_JSON_NEW_ID, err);
}

int ctl_linkdef_del_parse(linkdef *out, const void *body, size_t len, st_err *err)
{
	return linkdef_parse(out, body, len, LINKDEF_JSON_NEW_ID | LINKDEF_JSON_NO_PROVIDER, err);
}

void ctl_auction_actor_deinit(ctl_auction_actor *r)
{
	if (!r)
		return;
	st_free(r->actor_ref);
	ctl_strmap_deinit(&r->constraints);
	memset(r, 0, sizeof(*r));
}

int ctl_auction_actor_parse(ctl_auction_actor *out, const void *body, size_t len, st_err *err)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	if ((rc = get_str(o, "actor_ref", true, &out->actor_ref, err)) < 0 ||
	    (rc = get_map(o, "constraints", &out->constraints, err)) < 0)
		goto fail;
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	ctl_auction_actor_deinit(out);
	return rc;
}

void ctl_auction_provider_deinit(ctl_auction_provider *r)
{
	if (!r)
		return;
	st_free(r->provider_ref);
	st_free(r->link_name);
	ctl_strmap_deinit(&r->constraints);
	memset(r, 0, sizeof(*r));
}

int ctl_auction_provider_parse(ctl_auction_provider *out, const void *body, size_t len, st_err *err)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	if ((rc = get_str(o, "provider_ref", true, &out->provider_ref, err)) < 0 ||
	    (rc = get_str_def(o, "link_name", "default", &out->link_name, err)) < 0 ||
	    (rc = get_map(o, "constraints", &out->constraints, err)) < 0)
		goto fail;
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	ctl_auction_provider_deinit(out);
	return rc;
}

/* ---- Request builders -------------------------------------------------- */

/* Adds "annotations" when m is not empty. */
static bool put_annotations(json_t *o, const ctl_strmap *m)
{
	if (!m || m->n == 0)
		return true;
	return put(o, "annotations", ctl_strmap_to_json(m));
}

/* Adds key when s is not NULL. */
static bool put_opt_str(json_t *o, const char *key, const char *s)
{
	return s ? put(o, key, json_string(s)) : true;
}

json_t *ctl_launch_actor_to_json(const ctl_launch_actor *r)
{
	json_t *o = json_object();
	bool ok = put(o, "actor_ref", str_or_empty(r->actor_ref)) &&
	          put(o, "count", json_integer(r->count)) &&
	          put_opt_str(o, "host_id", r->host_id) && put_annotations(o, &r->annotations);

	return finish(o, ok);
}

json_t *ctl_stop_actor_to_json(const ctl_stop_actor *r)
{
	json_t *o = json_object();
	bool ok = put(o, "actor_ref", str_or_empty(r->actor_ref)) &&
	          put(o, "count", json_integer(r->count)) &&
	          put_opt_str(o, "host_id", r->host_id) && put_annotations(o, &r->annotations);

	return finish(o, ok);
}

json_t *ctl_scale_actor_to_json(const ctl_scale_actor *r)
{
	json_t *o = json_object();
	bool ok = put(o, "actor_id", str_or_empty(r->actor_id)) &&
	          put(o, "actor_ref", str_or_empty(r->actor_ref)) &&
	          put(o, "count", json_integer(r->count)) &&
	          put_opt_str(o, "host_id", r->host_id) && put_annotations(o, &r->annotations);

	return finish(o, ok);
}

json_t *ctl_update_actor_to_json(const ctl_update_actor *r)
{
	json_t *o = json_object();
	bool ok = put_opt_str(o, "actor_id", r->actor_id) &&
	          put(o, "new_actor_ref", str_or_empty(r->new_actor_ref)) &&
	          put_opt_str(o, "host_id", r->host_id) && put_annotations(o, &r->annotations);

	return finish(o, ok);
}

json_t *ctl_stop_host_to_json(const ctl_stop_host *r)
{
	json_t *o = json_object();
	bool ok = put(o, "host_id", str_or_empty(r->host_id)) &&
	          (!r->has_timeout || put(o, "timeout", json_integer((json_int_t)r->timeout)));

	return finish(o, ok);
}

json_t *ctl_auction_actor_to_json(const ctl_auction_actor *r)
{
	json_t *o = json_object();
	bool ok = put(o, "actor_ref", str_or_empty(r->actor_ref)) &&
	          put(o, "constraints", ctl_strmap_to_json(&r->constraints));

	return finish(o, ok);
}

json_t *ctl_launch_provider_to_json(const ctl_launch_provider *r)
{
	json_t *o = json_object();
	bool ok = put(o, "provider_ref", str_or_empty(r->provider_ref)) &&
	          put(o, "link_name", str_or_empty(r->link_name)) &&
	          put_opt_str(o, "host_id", r->host_id) &&
	          put(o, "configuration", str_or_empty(r->configuration)) &&
	          put_annotations(o, &r->annotations);

	return finish(o, ok);
}

json_t *ctl_stop_provider_to_json(const ctl_stop_provider *r)
{
	json_t *o = json_object();
	bool ok = put(o, "provider_ref", str_or_empty(r->provider_ref)) &&
	          put(o, "link_name", str_or_empty(r->link_name)) &&
	          put(o, "contract_id", str_or_empty(r->contract_id)) &&
	          put_opt_str(o, "host_id", r->host_id) && put_annotations(o, &r->annotations);

	return finish(o, ok);
}

json_t *ctl_auction_provider_to_json(const ctl_auction_provider *r)
{
	json_t *o = json_object();
	bool ok = put(o, "provider_ref", str_or_empty(r->provider_ref)) &&
	          put(o, "link_name", str_or_empty(r->link_name)) &&
	          put(o, "constraints", ctl_strmap_to_json(&r->constraints));

	return finish(o, ok);
}

json_t *ctl_linkdef_put_to_json(const linkdef *l)
{
	json_t *o = linkdef_to_json(l);

	if (o)
		json_object_del(o, "id");
	return o;
}

json_t *ctl_linkdef_del_to_json(const linkdef *l)
{
	json_t *o = json_object();
	bool ok = put(o, "actor_id", str_or_empty(l->actor_id)) &&
	          put(o, "contract_id", str_or_empty(l->contract_id)) &&
	          put(o, "link_name", str_or_empty(l->link_name));

	return finish(o, ok);
}

/* ---- Replies ----------------------------------------------------------- */

json_t *ctl_ack(bool accepted, const char *error)
{
	json_t *o = json_object();
	bool ok =
		put(o, "accepted", json_boolean(accepted)) && put(o, "error", str_or_empty(error));

	return finish(o, ok);
}

int ctl_ack_parse(const void *body, size_t len, bool *accepted, char **error, st_err *err)
{
	json_t *o, *a;
	char *e = NULL;
	int rc;

	if (error)
		*error = NULL;
	rc = load_object(body, len, &o, err);
	if (rc < 0)
		return rc;
	a = json_object_get(o, "accepted");
	if (!json_is_boolean(a)) {
		rc = st_err_set(err, ST_EMALFORMED, "\"accepted\" must be a boolean");
		goto out;
	}
	*accepted = json_is_true(a);
	rc = get_str_def(o, "error", "", &e, err);
	if (rc < 0)
		goto out;
	if (error) {
		*error = e;
		e = NULL;
	}
out:
	st_free(e);
	json_decref(o);
	return rc;
}

void ctl_uptime_human(uint64_t seconds, char *out, size_t cap)
{
	static const struct {
		uint64_t secs;
		const char *name;
	} units[] = { { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" } };
	size_t used = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	if (seconds == 0) {
		snprintf(out, cap, "0 seconds");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t n = seconds / units[i].secs;
		int w;

		seconds %= units[i].secs;
		if (n == 0)
			continue;
		w = snprintf(out + used, cap - used, "%s%" PRIu64 " %s%s", used ? ", " : "", n,
		             units[i].name, n == 1 ? "" : "s");
		if (w < 0 || (size_t)w >= cap - used)
			return; /* truncated: snprintf left a NUL-terminated prefix */
		used += (size_t)w;
	}
}

json_t *ctl_ping_reply(const ctl_host_info *h)
{
	char human[128];
	json_t *o = json_object();
	bool ok;

	ctl_uptime_human(h->uptime_seconds, human, sizeof(human));
	ok = put(o, "id", str_or_empty(h->id)) && put(o, "issuer", str_or_empty(h->issuer)) &&
	     put(o, "labels", ctl_strmap_to_json(h->labels)) &&
	     put(o, "friendly_name", str_or_empty(h->friendly_name)) &&
	     put(o, "uptime_seconds", json_integer((json_int_t)h->uptime_seconds)) &&
	     put(o, "uptime_human", json_string(human)) &&
	     put(o, "version", str_or_null(h->version)) &&
	     put(o, "cluster_issuers", joined(h->cluster_issuers, h->ncluster_issuers)) &&
	     put(o, "js_domain", str_or_null(h->js_domain)) &&
	     put(o, "ctl_host", str_or_null(h->ctl_host)) &&
	     put(o, "prov_rpc_host", str_or_null(h->prov_rpc_host)) &&
	     put(o, "rpc_host", str_or_null(h->rpc_host)) &&
	     put(o, "lattice_prefix", str_or_null(h->lattice_prefix));
	return finish(o, ok);
}

static json_t *inv_instance_json(const ctl_inv_instance *in)
{
	json_t *o = json_object();
	bool ok = put(o, "annotations", ctl_strmap_to_json(in->annotations)) &&
	          put(o, "instance_id", str_or_empty(in->instance_id)) &&
	          put(o, "revision", json_integer(in->revision));

	return finish(o, ok);
}

static json_t *inv_actor_json(const ctl_inv_actor *a)
{
	json_t *o = json_object(), *list = json_array();
	bool ok = list != NULL;

	for (size_t i = 0; ok && i < a->ninstances; i++)
		ok = json_array_append_new(list, inv_instance_json(&a->instances[i])) == 0;
	if (!ok) {
		json_decref(list);
		list = NULL;
	}
	ok = put(o, "id", str_or_empty(a->id)) && ok;
	ok = put(o, "image_ref", str_or_null(a->image_ref)) && ok;
	ok = put(o, "name", str_or_empty(a->name)) && ok;
	ok = put(o, "instances", list) && ok;
	return finish(o, ok);
}

static json_t *inv_provider_json(const ctl_inv_provider *p)
{
	json_t *o = json_object();
	bool ok = put(o, "id", str_or_empty(p->id)) &&
	          put(o, "image_ref", str_or_null(p->image_ref)) &&
	          put(o, "contract_id", str_or_empty(p->contract_id)) &&
	          put(o, "link_name", str_or_empty(p->link_name)) &&
	          put(o, "name", str_or_empty(p->name)) &&
	          put(o, "instance_id", str_or_empty(p->instance_id)) &&
	          put(o, "annotations", ctl_strmap_to_json(p->annotations)) &&
	          put(o, "revision", json_integer(p->revision));

	return finish(o, ok);
}

json_t *ctl_inventory_reply(const ctl_inventory *inv)
{
	json_t *o = json_object(), *actors = json_array(), *providers = json_array();
	bool ok = actors && providers;

	/* json_array_append_new releases its argument on failure, and fails on NULL. */
	for (size_t i = 0; ok && i < inv->nactors; i++)
		ok = json_array_append_new(actors, inv_actor_json(&inv->actors[i])) == 0;
	for (size_t i = 0; ok && i < inv->nproviders; i++)
		ok = json_array_append_new(providers, inv_provider_json(&inv->providers[i])) == 0;
	/* put always consumes its value, so both arrays are put unconditionally. */
	ok = put(o, "host_id", str_or_empty(inv->host_id)) && ok;
	ok = put(o, "issuer", str_or_empty(inv->issuer)) && ok;
	ok = put(o, "friendly_name", str_or_empty(inv->friendly_name)) && ok;
	ok = put(o, "labels", ctl_strmap_to_json(inv->labels)) && ok;
	ok = put(o, "actors", actors) && ok;
	ok = put(o, "providers", providers) && ok;
	return finish(o, ok);
}

json_t *ctl_links_reply(const linkdef *links, size_t n)
{
	json_t *o = json_object(), *list = json_array();
	bool ok = list != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = json_array_append_new(list, linkdef_to_json(&links[i])) == 0;
	if (!ok) {
		json_decref(list);
		list = NULL;
	}
	ok = put(o, "links", list);
	return finish(o, ok);
}

void ctl_claims_map(ctl_strmap *m, const claims *c)
{
	char rev[16];
	char *s;

	ctl_strmap_deinit(m);
	/* The order of the spec's example (§5.4). */
	ctl_strmap_set(m, "call_alias", c->call_alias ? c->call_alias : "");
	s = join_strv((const char *const *)c->caps, c->ncaps);
	ctl_strmap_set(m, "caps", s);
	st_free(s);
	ctl_strmap_set(m, "iss", c->iss ? c->iss : "");
	ctl_strmap_set(m, "name", c->name ? c->name : "");
	snprintf(rev, sizeof(rev), "%" PRId32, claims_revision(c));
	ctl_strmap_set(m, "rev", rev);
	ctl_strmap_set(m, "sub", c->sub ? c->sub : "");
	s = join_strv((const char *const *)c->tags, c->ntags);
	ctl_strmap_set(m, "tags", s);
	st_free(s);
	ctl_strmap_set(m, "version", c->ver ? c->ver : "");
	ctl_strmap_set(m, "contract_id", c->capid ? c->capid : "");
	if (c->config_schema) {
		s = ctl_json_dump(c->config_schema, NULL);
		if (!s)
			ST_BUG("out of memory serializing config_schema");
		ctl_strmap_set(m, "config_schema", s);
		st_free(s);
	}
}

json_t *ctl_claims_reply(const ctl_strmap *const *maps, size_t n)
{
	json_t *o = json_object(), *list = json_array();
	bool ok = list != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = json_array_append_new(list, ctl_strmap_to_json(maps[i])) == 0;
	if (!ok) {
		json_decref(list);
		list = NULL;
	}
	ok = put(o, "claims", list);
	return finish(o, ok);
}

json_t *ctl_auction_actor_reply(const ctl_auction_actor *req, const char *host_id)
{
	json_t *o = json_object();
	bool ok = put(o, "actor_ref", str_or_empty(req->actor_ref)) &&
	          put(o, "constraints", ctl_strmap_to_json(&req->constraints)) &&
	          put(o, "host_id", str_or_empty(host_id));

	return finish(o, ok);
}

json_t *ctl_auction_provider_reply(const ctl_auction_provider *req, const char *host_id)
{
	json_t *o = json_object();
	bool ok = put(o, "provider_ref", str_or_empty(req->provider_ref)) &&
	          put(o, "link_name", str_or_empty(req->link_name)) &&
	          put(o, "constraints", ctl_strmap_to_json(&req->constraints)) &&
	          put(o, "host_id", str_or_empty(host_id));

	return finish(o, ok);
}
