/*
 * linkdef.c - link definitions in msgpack and JSON, and the link id (see
 * linkdef.h; lattice.md §5.5-§5.6, §7.1; interfaces.md §2.6).
 *
 * Decoders take sizes from the network, so they allocate with the st_*
 * family and fail with ST_ENOMEM; the setters used by our own code take
 * sizes we chose and abort on OOM like the rest of the x* family.
 */
#include "lattice/linkdef.h"

#include <sodium.h>
#include <string.h>

#include "core/hex.h"
#include "core/mem.h"
#include "core/banned.h"

/* Most settings a decoded link may carry. */
#define LINKDEF_MAX_VALUES 1024

static const char *nz(const char *s)
{
	return s ? s : "";
}

void linkdef_init(linkdef *ld)
{
	memset(ld, 0, sizeof(*ld));
}

void linkdef_deinit(linkdef *ld)
{
	if (!ld)
		return;
	st_free(ld->id);
	st_free(ld->actor_id);
	st_free(ld->provider_id);
	st_free(ld->link_name);
	st_free(ld->contract_id);
	for (size_t k = 0; k < ld->nvalues; k++) {
		st_free(ld->values[k].key);
		st_free(ld->values[k].value);
	}
	st_free(ld->values);
	linkdef_init(ld);
}

void linkdef_compute_id(const char *actor_id, const char *contract_id, const char *link_name,
                        char out[LINKDEF_ID_LEN + 1])
{
	crypto_hash_sha256_state sha;
	uint8_t digest[crypto_hash_sha256_BYTES];

	if (sodium_init() < 0)
		ST_BUG("libsodium failed to initialise");
	crypto_hash_sha256_init(&sha);
	crypto_hash_sha256_update(&sha, (const uint8_t *)nz(actor_id), strlen(nz(actor_id)));
	crypto_hash_sha256_update(&sha, (const uint8_t *)nz(contract_id), strlen(nz(contract_id)));
	crypto_hash_sha256_update(&sha, (const uint8_t *)nz(link_name), strlen(nz(link_name)));
	crypto_hash_sha256_final(&sha, digest);
	st_hex_upper(digest, sizeof(digest), out);
	out[LINKDEF_ID_LEN] = '\0';
}

void linkdef_update_id(linkdef *ld)
{
	char id[LINKDEF_ID_LEN + 1];

	linkdef_compute_id(ld->actor_id, ld->contract_id, ld->link_name, id);
	st_free(ld->id);
	ld->id = xstrdup(id);
}

static void set_str(char **field, const char *s)
{
	char *copy = xstrdup(nz(s));

	st_free(*field);
	*field = copy;
}

void linkdef_set(linkdef *ld, const char *actor_id, const char *provider_id, const char *link_name,
                 const char *contract_id)
{
	set_str(&ld->actor_id, actor_id);
	set_str(&ld->provider_id, provider_id);
	set_str(&ld->link_name, link_name);
	set_str(&ld->contract_id, contract_id);
	linkdef_update_id(ld);
}

static linkdef_value *find_value(const linkdef *ld, const char *key, size_t n)
{
	for (size_t k = 0; k < ld->nvalues; k++)
		if (strlen(ld->values[k].key) == n && memcmp(ld->values[k].key, key, n) == 0)
			return &ld->values[k];
	return NULL;
}

/*
 * Stores an owned key/value pair (both taken, also on failure), replacing
 * an existing key's value. ST_ENOMEM when the table cannot grow.
 */
static int put_value(linkdef *ld, char *key, char *value)
{
	linkdef_value *v = find_value(ld, key, strlen(key)), *vs;

	if (v) {
		st_free(key);
		st_free(v->value);
		v->value = value;
		return 0;
	}
	vs = st_realloc(ld->values, (ld->nvalues + 1) * sizeof(*vs));
	if (!vs) {
		st_free(key);
		st_free(value);
		return ST_ENOMEM;
	}
	ld->values = vs;
	vs[ld->nvalues].key = key;
	vs[ld->nvalues].value = value;
	ld->nvalues++;
	return 0;
}

void linkdef_add_value(linkdef *ld, const char *key, const char *value)
{
	if (put_value(ld, xstrdup(nz(key)), xstrdup(nz(value))) < 0)
		ST_BUG("out of memory adding a link setting");
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

bool linkdef_equal(const linkdef *a, const linkdef *b)
{
	if (!str_eq(a->id, b->id) || !str_eq(a->actor_id, b->actor_id) ||
	    !str_eq(a->provider_id, b->provider_id) || !str_eq(a->link_name, b->link_name) ||
	    !str_eq(a->contract_id, b->contract_id) || a->nvalues != b->nvalues)
		return false;
	for (size_t k = 0; k < a->nvalues; k++) {
		const char *v = linkdef_get_value(b, a->values[k].key);

		if (!v || strcmp(v, a->values[k].value) != 0)
			return false;
	}
	return true;
}

const char *linkdef_get_value(const linkdef *ld, const char *key)
{
	linkdef_value *v = find_value(ld, key, strlen(key));

	return v ? v->value : NULL;
}

/* ---- msgpack ----------------------------------------------------------- */

int linkdef_encode(const linkdef *ld, mp_writer *w, bool with_id, st_err *err)
{
	bool id = with_id && ld->id;
	int rc;

	mp_write_map(w, id ? 6 : 5);
	if (id) {
		mp_write_cstr(w, "id");
		mp_write_cstr(w, ld->id);
	}
	mp_write_cstr(w, "actor_id");
	mp_write_cstr(w, ld->actor_id);
	mp_write_cstr(w, "provider_id");
	mp_write_cstr(w, ld->provider_id);
	mp_write_cstr(w, "link_name");
	mp_write_cstr(w, ld->link_name);
	mp_write_cstr(w, "contract_id");
	mp_write_cstr(w, ld->contract_id);
	mp_write_cstr(w, "values");
	mp_write_map(w, (uint32_t)ld->nvalues);
	for (size_t k = 0; k < ld->nvalues; k++) {
		mp_write_cstr(w, ld->values[k].key);
		mp_write_cstr(w, ld->values[k].value);
	}
	rc = mp_writer_status(w);
	if (rc < 0)
		return st_err_set(err, rc, "encoding a link definition: %s", st_strerror(rc));
	return 0;
}

static int mp_fail(const mp_reader *r, int rc, const char *field, st_err *err)
{
	return st_err_setat(err, rc, (int64_t)r->err_pos, "link definition %s: msgpack: %s", field,
	                    r->msg[0] ? r->msg : st_strerror(rc));
}

/* Reads a str (nil = "") as a new NUL-terminated string. */
static int read_owned(mp_reader *r, const char *field, char **out, st_err *err)
{
	const char *s = "";
	size_t n = 0, at = r->pos;
	mp_type t;
	char *copy;
	int rc;

	rc = mp_peek(r, &t);
	if (rc == 0 && t == MP_NIL)
		rc = mp_read_nil(r);
	else if (rc == 0)
		rc = mp_read_str(r, &s, &n);
	if (rc < 0)
		return mp_fail(r, rc, field, err);
	if (memchr(s, '\0', n))
		return st_err_setat(err, ST_EMALFORMED, (int64_t)at,
		                    "link definition %s: string holds a NUL byte", field);
	copy = st_malloc(n + 1);
	if (!copy)
		return st_err_set(err, ST_ENOMEM, "out of memory decoding a link definition");
	memcpy(copy, s, n);
	copy[n] = '\0';
	st_free(*out);
	*out = copy;
	return 0;
}

static int read_values(mp_reader *r, linkdef *ld, st_err *err)
{
	uint32_t n;
	mp_type t;
	int rc;

	rc = mp_peek(r, &t);
	if (rc == 0 && t == MP_NIL)
		return mp_read_nil(r) < 0 ? mp_fail(r, ST_EMALFORMED, "values", err) : 0;
	rc = rc < 0 ? rc : mp_read_map(r, &n);
	if (rc < 0)
		return mp_fail(r, rc, "values", err);
	if (n > LINKDEF_MAX_VALUES)
		return st_err_setat(err, ST_EMALFORMED, (int64_t)r->pos,
		                    "link definition values: more than %d settings",
		                    LINKDEF_MAX_VALUES);
	for (uint32_t i = 0; i < n; i++) {
		char *key = NULL, *value = NULL;

		rc = mp_peek(r, &t);
		if (rc == 0 && t != MP_STR)
			return st_err_setat(err, ST_EMALFORMED, (int64_t)r->pos,
			                    "link definition values: a key is a %s, not a str",
			                    mp_type_name(t));
		rc = read_owned(r, "values", &key, err);
		if (rc == 0)
			rc = read_owned(r, "values", &value, err);
		if (rc == 0)
			rc = put_value(ld, key, value);
		else {
			st_free(key);
			st_free(value);
		}
		if (rc == ST_ENOMEM)
			return st_err_set(err, rc, "out of memory decoding a link definition");
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int decode_fields(mp_reader *r, linkdef *ld, st_err *err)
{
	const char *k;
	size_t kn;
	uint32_t n;
	mp_type t;
	int rc;

	rc = mp_read_map(r, &n);
	if (rc < 0)
		return mp_fail(r, rc, "", err);
	for (uint32_t i = 0; i < n; i++) {
		rc = mp_peek(r, &t);
		if (rc == 0 && t != MP_STR) {
			rc = mp_skip(r); /* a key of another type, then its value */
			if (rc == 0)
				rc = mp_skip(r);
			if (rc < 0)
				return mp_fail(r, rc, "key", err);
			continue;
		}
		rc = rc < 0 ? rc : mp_read_str(r, &k, &kn);
		if (rc < 0)
			return mp_fail(r, rc, "key", err);
		if (mp_str_eq(k, kn, "id"))
			rc = read_owned(r, "id", &ld->id, err);
		else if (mp_str_eq(k, kn, "actor_id"))
			rc = read_owned(r, "actor_id", &ld->actor_id, err);
		else if (mp_str_eq(k, kn, "provider_id"))
			rc = read_owned(r, "provider_id", &ld->provider_id, err);
		else if (mp_str_eq(k, kn, "link_name"))
			rc = read_owned(r, "link_name", &ld->link_name, err);
		else if (mp_str_eq(k, kn, "contract_id"))
			rc = read_owned(r, "contract_id", &ld->contract_id, err);
		else if (mp_str_eq(k, kn, "values"))
			rc = read_values(r, ld, err);
		else if ((rc = mp_skip(r)) < 0)
			rc = mp_fail(r, rc, "value", err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Fills missing strings with "" and the id when absent. ST_ENOMEM. */
static int complete(linkdef *ld, st_err *err)
{
	char **fields[] = { &ld->actor_id, &ld->provider_id, &ld->link_name, &ld->contract_id };
	char id[LINKDEF_ID_LEN + 1];

	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
		if (!*fields[k])
			*fields[k] = st_calloc(1, 1);
		if (!*fields[k])
			return st_err_set(err, ST_ENOMEM,
			                  "out of memory decoding a link definition");
	}
	if (!ld->id) {
		linkdef_compute_id(ld->actor_id, ld->contract_id, ld->link_name, id);
		ld->id = st_malloc(sizeof(id));
		if (!ld->id)
			return st_err_set(err, ST_ENOMEM,
			                  "out of memory decoding a link definition");
		memcpy(ld->id, id, sizeof(id));
	}
	return 0;
}

int linkdef_decode(linkdef *ld, const uint8_t *p, size_t len, st_err *err)
{
	mp_reader r;
	int rc;

	linkdef_deinit(ld);
	mp_reader_init(&r, p, len);
	rc = decode_fields(&r, ld, err);
	if (rc == 0)
		rc = complete(ld, err);
	if (rc < 0)
		linkdef_deinit(ld);
	return rc;
}

/* ---- JSON ---------------------------------------------------------------- */

json_t *linkdef_to_json(const linkdef *ld)
{
	json_t *o = json_object(), *vals = json_object();
	char id[LINKDEF_ID_LEN + 1];
	int bad = !o || !vals;

	if (!ld->id)
		linkdef_compute_id(ld->actor_id, ld->contract_id, ld->link_name, id);
	bad = bad || json_object_set_new(o, "id", json_string(ld->id ? ld->id : id)) < 0;
	bad = bad || json_object_set_new(o, "actor_id", json_string(nz(ld->actor_id))) < 0;
	bad = bad || json_object_set_new(o, "provider_id", json_string(nz(ld->provider_id))) < 0;
	bad = bad || json_object_set_new(o, "link_name", json_string(nz(ld->link_name))) < 0;
	bad = bad || json_object_set_new(o, "contract_id", json_string(nz(ld->contract_id))) < 0;
	for (size_t k = 0; !bad && k < ld->nvalues; k++)
		bad = json_object_set_new(vals, ld->values[k].key,
		                          json_string(ld->values[k].value)) < 0;
	if (!bad) {
		bad = json_object_set_new(o, "values", vals) < 0;
		vals = NULL;
	}
	json_decref(vals);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * Copies the string member name of j into *out. Missing or null: an error
 * when required, else *out is left alone. Any other type is an error.
 */
static int json_field(const json_t *j, const char *name, bool required, char **out, st_err *err)
{
	const json_t *v = json_object_get(j, name);

	if ((!v || json_is_null(v)) && !required)
		return 0;
	if (!json_is_string(v))
		return st_err_set(err, ST_EMALFORMED, "link definition: \"%s\" must be a string",
		                  name);
	st_free(*out);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int json_values(linkdef *ld, const json_t *vals, st_err *err)
{
	const char *key;
	json_t *v;

	if (!vals || json_is_null(vals))
		return 0;
	if (!json_is_object(vals))
		return st_err_set(err, ST_EMALFORMED,
		                  "link definition: \"values\" must be an object");
	/* json_object_foreach needs a non-const object; it does not modify it. */
	json_object_foreach((json_t *)vals, key, v)
	{
		if (!json_is_string(v))
			return st_err_set(err, ST_EMALFORMED,
			                  "link definition: \"values\": value of \"%s\" must be a "
			                  "string",
			                  key);
		linkdef_add_value(ld, key, json_string_value(v));
	}
	return 0;
}

/* Keeps a non-empty string "id" of at most LINKDEF_ID_LEN characters. */
static int json_id(linkdef *ld, const json_t *j, st_err *err)
{
	const json_t *v = json_object_get(j, "id");

	if (!json_is_string(v) || json_string_length(v) == 0)
		return 0;
	if (json_string_length(v) > LINKDEF_ID_LEN)
		return st_err_set(err, ST_EMALFORMED,
		                  "link definition: \"id\" longer than %d characters",
		                  LINKDEF_ID_LEN);
	return json_field(j, "id", true, &ld->id, err);
}

int linkdef_from_json(linkdef *ld, const json_t *j, unsigned flags, st_err *err)
{
	bool del = flags & LINKDEF_JSON_NO_PROVIDER;
	bool name_required = !(flags & LINKDEF_JSON_DEFAULT_NAME);
	int rc;

	linkdef_deinit(ld);
	if (!json_is_object(j))
		return st_err_set(err, ST_EMALFORMED, "link definition: not a JSON object");
	rc = json_field(j, "actor_id", true, &ld->actor_id, err);
	if (rc == 0)
		rc = json_field(j, "contract_id", true, &ld->contract_id, err);
	if (rc == 0)
		rc = json_field(j, "link_name", name_required, &ld->link_name, err);
	if (rc == 0 && !del)
		rc = json_field(j, "provider_id", true, &ld->provider_id, err);
	if (rc == 0 && !del)
		rc = json_values(ld, json_object_get(j, "values"), err);
	if (rc == 0 && !(flags & LINKDEF_JSON_NEW_ID))
		rc = json_id(ld, j, err);
	if (rc < 0) {
		linkdef_deinit(ld);
		return rc;
	}
	if (!ld->link_name)
		ld->link_name = xstrdup("default");
	if (!ld->provider_id)
		ld->provider_id = xstrdup("");
	if (!ld->id)
		linkdef_update_id(ld);
	return 0;
}
