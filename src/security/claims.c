/*
 * claims.c - the wascap claims model: JSON in wascap's field order, tolerant
 * decoding, time checks and call alias normalization (claims.h).
 *
 * Encoding builds a jansson object whose insertion order is the order
 * wascap's serde structs declare (security.md §2.2, §2.3, providers.md §9),
 * and jwt_encode dumps it with JSON_PRESERVE_ORDER. Decoding reads fields by
 * name, so key order and unknown keys do not matter; a present field of the
 * wrong type is an error, an explicit null counts as absent. Strings copied
 * out of a decoded token use the st_* allocators (fault-injectable); the
 * setters used by signers use x* (abort on OOM).
 */
#include "security/claims.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "security/claims_int.h"
#include "security/jwt.h"
#include "core/banned.h"

int claims_fail(st_err *err, int code, int kind, const char *fmt, ...)
{
	char msg[ST_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st_err_set(err, code, "%s", msg);
	if (err)
		err->kind = kind;
	return code;
}

bool claims_key_listed(const char *const *list, const char *key)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], key) == 0)
			return true;
	return false;
}

void claims_init(claims *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = CLAIMS_OTHER;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		st_free(v[i]);
	st_free(v);
}

void claims_deinit(claims *c)
{
	if (!c)
		return;
	st_free(c->jti);
	st_free(c->iss);
	st_free(c->sub);
	st_free(c->name);
	st_free(c->ver);
	st_free(c->hash);
	free_strv(c->tags, c->ntags);
	free_strv(c->caps, c->ncaps);
	st_free(c->call_alias);
	st_free(c->capid);
	st_free(c->vendor);
	for (size_t i = 0; i < c->ntargets; i++) {
		st_free(c->targets[i].target);
		st_free(c->targets[i].hash);
	}
	st_free(c->targets);
	json_decref(c->config_schema);
	st_free(c->target_url);
	st_free(c->origin_url);
	claims_init(c);
}

void claims_set_str(char **field, const char *value)
{
	char *copy = value ? xstrdup(value) : NULL;

	st_free(*field);
	*field = copy;
}

static void strv_push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

void claims_add_tag(claims *c, const char *tag)
{
	strv_push(&c->tags, &c->ntags, tag);
	c->has_tags = true;
}

void claims_add_cap(claims *c, const char *cap)
{
	strv_push(&c->caps, &c->ncaps, cap);
	c->has_caps = true;
}

void claims_set_target_hash(claims *c, const char *target, const char *hash)
{
	for (size_t i = 0; i < c->ntargets; i++) {
		if (strcmp(c->targets[i].target, target) == 0) {
			claims_set_str(&c->targets[i].hash, hash);
			return;
		}
	}
	c->targets = xrealloc(c->targets, (c->ntargets + 1) * sizeof(*c->targets));
	c->targets[c->ntargets].target = xstrdup(target);
	c->targets[c->ntargets].hash = xstrdup(hash);
	c->ntargets++;
}

const char *claims_target_hash_get(const claims *c, const char *target)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].target, target) == 0)
			return c->targets[i].hash;
	return NULL;
}

bool claims_has_cap(const claims *c, const char *contract)
{
	for (size_t i = 0; i < c->ncaps; i++)
		if (strcmp(c->caps[i], contract) == 0)
			return true;
	return false;
}

/* ---- Encoding ---------------------------------------------------------- */

/*
 * Each setter records a failure in *ok instead of returning it, so that the
 * builders below read as the field lists they are.
 */
static void put(json_t *o, const char *key, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, key, v) != 0)
		*ok = false;
}

static json_t *str_or_empty(const char *s)
{
	return json_string(s ? s : "");
}

static json_t *strv_json(char *const *v, size_t n, bool *ok)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0)
			*ok = false;
	return a;
}

static json_t *actor_json(const claims *c, bool *ok)
{
	json_t *m = json_object();

	if (!m)
		return NULL;
	if (c->name)
		put(m, "name", json_string(c->name), ok);
	put(m, "hash", str_or_empty(c->hash), ok);
	if (c->has_tags)
		put(m, "tags", strv_json(c->tags, c->ntags, ok), ok);
	if (c->has_caps)
		put(m, "caps", strv_json(c->caps, c->ncaps, ok), ok);
	if (c->has_rev)
		put(m, "rev", json_integer(c->rev), ok);
	if (c->ver)
		put(m, "ver", json_string(c->ver), ok);
	if (c->call_alias)
		put(m, "call_alias", json_string(c->call_alias), ok);
	put(m, "prov", json_boolean(c->prov), ok);
	return m;
}

static json_t *provider_json(const claims *c, bool *ok)
{
	json_t *m = json_object(), *th;

	if (!m)
		return NULL;
	put(m, "name", c->name ? json_string(c->name) : json_null(), ok);
	put(m, "capid", str_or_empty(c->capid), ok);
	put(m, "vendor", str_or_empty(c->vendor), ok);
	if (c->has_rev)
		put(m, "rev", json_integer(c->rev), ok);
	if (c->ver)
		put(m, "ver", json_string(c->ver), ok);
	th = json_object();
	for (size_t i = 0; th && i < c->ntargets; i++)
		put(th, c->targets[i].target, str_or_empty(c->targets[i].hash), ok);
	put(m, "target_hashes", th, ok);
	if (c->config_schema)
		put(m, "config_schema", json_deep_copy(c->config_schema), ok);
	return m;
}

static json_t *invocation_json(const claims *c, bool *ok)
{
	json_t *m = json_object();

	if (!m)
		return NULL;
	put(m, "target_url", str_or_empty(c->target_url), ok);
	put(m, "origin_url", str_or_empty(c->origin_url), ok);
	put(m, "hash", str_or_empty(c->hash), ok);
	return m;
}

/* The claims object with jti and iss given explicitly (they may differ from c's). */
static json_t *claims_json(const claims *c, const char *jti, const char *iss)
{
	json_t *o = json_object();
	bool ok = true;

	if (!o)
		return NULL;
	if (c->has_exp)
		put(o, "exp", json_integer(c->exp), &ok);
	put(o, "jti", str_or_empty(jti), &ok);
	put(o, "iat", json_integer(c->iat), &ok);
	put(o, "iss", str_or_empty(iss), &ok);
	put(o, "sub", str_or_empty(c->sub), &ok);
	if (c->has_nbf)
		put(o, "nbf", json_integer(c->nbf), &ok);
	switch (c->kind) {
	case CLAIMS_ACTOR:
		put(o, "wascap", actor_json(c, &ok), &ok);
		break;
	case CLAIMS_PROVIDER:
		put(o, "wascap", provider_json(c, &ok), &ok);
		break;
	case CLAIMS_INVOCATION:
		put(o, "wascap", invocation_json(c, &ok), &ok);
		break;
	case CLAIMS_OTHER:
		break;
	}
	if (c->has_wascap_revision)
		put(o, "wascap_revision", json_integer(c->wascap_revision), &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *claims_to_json(const claims *c)
{
	return claims_json(c, c->jti, c->iss);
}

int claims_encode(const claims *c, const nkey *issuer, char **token, st_err *err)
{
	char iss[NKEY_PUBLIC_LEN + 1], jti[JWT_JTI_LEN + 1];
	json_t *o;
	int rc;

	*token = NULL;
	nkey_public_text(issuer, iss);
	if (c->iss && strcmp(c->iss, iss) != 0)
		return st_err_set(err, ST_EINVAL, "claims name issuer %s but are signed by %s",
		                  c->iss, iss);
	if (!issuer->has_seed)
		return st_err_set(err, ST_ESTATE, "the issuer key has no seed and cannot sign");
	if (!c->jti)
		jwt_new_jti(jti);
	o = claims_json(c, c->jti ? c->jti : jti, iss);
	if (!o)
		return st_err_set(err, ST_ENOMEM, "out of memory building claims");
	rc = jwt_encode(o, issuer, token, err);
	json_decref(o);
	return rc;
}

/* ---- Decoding ---------------------------------------------------------- */

static int malformed(st_err *err, const char *field, const char *want)
{
	return claims_fail(err, ST_EMALFORMED, CLAIMS_ERR_MALFORMED,
	                   "claims field \"%s\" must be %s", field, want);
}

static int nomem(st_err *err)
{
	return claims_fail(err, ST_ENOMEM, 0, "out of memory decoding claims");
}

/* Copies an optional string field into *out (NULL when absent or null). */
static int get_str(json_t *o, const char *key, char **out, st_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return malformed(err, key, "a string");
	*out = st_malloc(json_string_length(v) + 1);
	if (!*out)
		return nomem(err);
	memcpy(*out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* Reads an optional integer field in [min, max]; *has tells if present. */
static int get_int(json_t *o, const char *key, int64_t min, int64_t max, bool *has, int64_t *out,
                   st_err *err)
{
	json_t *v = json_object_get(o, key);

	*has = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return malformed(err, key, "an integer in range");
	*has = true;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

static int get_strv(json_t *o, const char *key, bool *has, char ***out, size_t *n, st_err *err)
{
	json_t *v = json_object_get(o, key);
	size_t count;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return malformed(err, key, "an array of strings");
	count = json_array_size(v);
	*has = true;
	if (count == 0)
		return 0;
	*out = st_calloc(count, sizeof(**out));
	if (!*out)
		return nomem(err);
	for (size_t i = 0; i < count; i++) {
		json_t *s = json_array_get(v, i);

		if (!json_is_string(s))
			return malformed(err, key, "an array of strings");
		(*out)[i] = st_malloc(json_string_length(s) + 1);
		if (!(*out)[i])
			return nomem(err);
		memcpy((*out)[i], json_string_value(s), json_string_length(s) + 1);
		(*n)++;
	}
	return 0;
}

static int decode_common(json_t *o, claims *c, st_err *err)
{
	int64_t v = 0;
	bool has;
	int rc;

	rc = get_str(o, "jti", &c->jti, err);
	if (rc == 0)
		rc = get_str(o, "iss", &c->iss, err);
	if (rc == 0)
		rc = get_str(o, "sub", &c->sub, err);
	if (rc == 0)
		rc = get_int(o, "iat", 0, INT64_MAX, &has, &c->iat, err);
	if (rc == 0)
		rc = get_int(o, "exp", 0, INT64_MAX, &c->has_exp, &c->exp, err);
	if (rc == 0)
		rc = get_int(o, "nbf", 0, INT64_MAX, &c->has_nbf, &c->nbf, err);
	if (rc == 0)
		rc = get_int(o, "wascap_revision", 0, UINT32_MAX, &c->has_wascap_revision, &v, err);
	c->wascap_revision = (uint32_t)v;
	return rc;
}

static int decode_rev(json_t *m, claims *c, st_err *err)
{
	int64_t v = 0;
	int rc = get_int(m, "rev", INT32_MIN, INT32_MAX, &c->has_rev, &v, err);

	c->rev = (int32_t)v;
	return rc;
}

static int decode_actor(json_t *m, claims *c, st_err *err)
{
	json_t *prov = json_object_get(m, "prov");
	int rc;

	rc = get_str(m, "name", &c->name, err);
	if (rc == 0)
		rc = get_str(m, "hash", &c->hash, err);
	if (rc == 0)
		rc = get_strv(m, "tags", &c->has_tags, &c->tags, &c->ntags, err);
	if (rc == 0)
		rc = get_strv(m, "caps", &c->has_caps, &c->caps, &c->ncaps, err);
	if (rc == 0)
		rc = decode_rev(m, c, err);
	if (rc == 0)
		rc = get_str(m, "ver", &c->ver, err);
	if (rc == 0)
		rc = get_str(m, "call_alias", &c->call_alias, err);
	if (rc == 0 && prov && !json_is_null(prov)) {
		if (!json_is_boolean(prov))
			return malformed(err, "prov", "a boolean");
		c->prov = json_is_true(prov);
	}
	return rc;
}

static int decode_provider(json_t *m, claims *c, st_err *err)
{
	json_t *th, *v;
	const char *key;
	int rc;

	rc = get_str(m, "name", &c->name, err);
	if (rc == 0)
		rc = get_str(m, "capid", &c->capid, err);
	if (rc == 0)
		rc = get_str(m, "vendor", &c->vendor, err);
	if (rc == 0)
		rc = decode_rev(m, c, err);
	if (rc == 0)
		rc = get_str(m, "ver", &c->ver, err);
	if (rc < 0)
		return rc;
	th = json_object_get(m, "target_hashes");
	if (th && !json_is_null(th)) {
		if (!json_is_object(th))
			return malformed(err, "target_hashes", "an object of strings");
		c->targets = st_calloc(json_object_size(th) + 1, sizeof(*c->targets));
		if (!c->targets)
			return nomem(err);
		json_object_foreach(th, key, v)
		{
			claims_target_hash *t = &c->targets[c->ntargets];

			if (!json_is_string(v))
				return malformed(err, "target_hashes", "an object of strings");
			t->target = st_malloc(strlen(key) + 1);
			t->hash = st_malloc(json_string_length(v) + 1);
			c->ntargets++;
			if (!t->target || !t->hash)
				return nomem(err);
			memcpy(t->target, key, strlen(key) + 1);
			memcpy(t->hash, json_string_value(v), json_string_length(v) + 1);
		}
	}
	v = json_object_get(m, "config_schema");
	if (v && !json_is_null(v))
		c->config_schema = json_incref(v);
	return 0;
}

static int decode_invocation(json_t *m, claims *c, st_err *err)
{
	int rc = get_str(m, "target_url", &c->target_url, err);

	if (rc == 0)
		rc = get_str(m, "origin_url", &c->origin_url, err);
	if (rc == 0)
		rc = get_str(m, "hash", &c->hash, err);
	return rc;
}

static claims_kind kind_of(json_t *m, const char *sub)
{
	if (json_object_get(m, "target_url") || json_object_get(m, "origin_url"))
		return CLAIMS_INVOCATION;
	if (json_object_get(m, "capid") || json_object_get(m, "target_hashes"))
		return CLAIMS_PROVIDER;
	if (json_object_get(m, "hash") || json_object_get(m, "prov") ||
	    json_object_get(m, "caps") || (sub && sub[0] == 'M'))
		return CLAIMS_ACTOR;
	return CLAIMS_OTHER;
}

int claims_decode(const char *token, size_t len, bool verify, claims *out, st_err *err)
{
	json_t *o = NULL, *m;
	int rc;

	claims_deinit(out);
	rc = jwt_decode(token, len, verify, &o, err);
	if (rc < 0) {
		if (err && rc != ST_ENOMEM && rc != ST_ETOOBIG)
			err->kind = err->kind == JWT_ERR_SIGNATURE ? CLAIMS_ERR_SIGNATURE :
			                                             CLAIMS_ERR_MALFORMED;
		return rc;
	}
	rc = decode_common(o, out, err);
	if (rc < 0)
		goto out;
	m = json_object_get(o, "wascap");
	if (m && !json_is_null(m)) {
		if (!json_is_object(m)) {
			rc = malformed(err, "wascap", "an object");
			goto out;
		}
		out->kind = kind_of(m, out->sub);
		switch (out->kind) {
		case CLAIMS_ACTOR:
			rc = decode_actor(m, out, err);
			break;
		case CLAIMS_PROVIDER:
			rc = decode_provider(m, out, err);
			break;
		case CLAIMS_INVOCATION:
			rc = decode_invocation(m, out, err);
			break;
		case CLAIMS_OTHER:
			/* Account/operator metadata: only the name is of interest. */
			rc = get_str(m, "name", &out->name, err);
			break;
		}
	}
out:
	json_decref(o);
	if (rc < 0)
		claims_deinit(out);
	return rc;
}

int claims_check_time(const claims *c, int64_t now, st_err *err)
{
	if (c->has_exp && c->exp < now)
		return claims_fail(err, ST_EINVALID, CLAIMS_ERR_EXPIRED, "Claims token expired");
	if (c->has_nbf && now < c->nbf)
		return claims_fail(err, ST_EINVALID, CLAIMS_ERR_NOT_YET,
		                   "Claims token cannot be used yet");
	return 0;
}

int32_t claims_revision(const claims *c)
{
	if (c->has_rev && c->rev > 0)
		return c->rev;
	return (int32_t)c->iat;
}

char *claims_normalize_alias(const char *alias)
{
	size_t start = 0, end = strlen(alias), o = 0;
	char *out;

	while (start < end && isspace((unsigned char)alias[start]))
		start++;
	while (end > start && isspace((unsigned char)alias[end - 1]))
		end--;
	out = xmalloc(end - start + 1);
	for (size_t i = start; i < end; i++) {
		unsigned char ch = (unsigned char)alias[i];

		if (ch >= 0x80)
			continue;
		if (ch == ' ' || ch == '-' || ch == '.')
			ch = '_';
		out[o++] = (char)tolower(ch);
	}
	out[o] = '\0';
	return out;
}
