/*
 * json_mp.c - JSON <-> MessagePack conversion for `stratus call` (see
 * json_mp.h). Both directions recurse, bounded by MP_MAX_DEPTH.
 *
 * Sorting object keys reproduces serde_json's default Map (a BTreeMap), so
 * the bytes equal what wash sends for the same --data. The reverse
 * direction follows wash's msgpack_to_json, except where noted in the
 * header (nil, non-string keys).
 */
#include "codec/json_mp.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/banned.h"

/* ---- JSON -> msgpack -------------------------------------------------- */

/* An object key; jansson keys may hold NUL bytes, so the length is kept. */
typedef struct key {
	const char *s;
	size_t n;
	json_t *val;
} key;

/* Byte-wise order, a prefix first: Rust's ordering of String. */
static int cmp_keys(const void *a, const void *b)
{
	const key *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	if (c != 0)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

static int from_json(const json_t *v, mp_writer *w, int depth, st_err *err);

static int from_object(const json_t *v, mp_writer *w, int depth, st_err *err)
{
	size_t n = json_object_size(v), k = 0;
	const char *name;
	json_t *val;
	key *keys;
	int rc = 0;

	if (n > UINT32_MAX)
		return st_err_set(err, ST_EINVAL, "JSON object too large for msgpack");
	keys = xcalloc(n ? n : 1, sizeof(*keys));
	json_object_foreach((json_t *)v, name, val)
	{
		keys[k].s = name;
		keys[k].n = json_object_iter_key_len(json_object_key_to_iter(name));
		keys[k].val = val;
		k++;
	}
	qsort(keys, n, sizeof(*keys), cmp_keys);
	mp_write_map(w, (uint32_t)n);
	for (k = 0; k < n && rc == 0; k++) {
		mp_write_str(w, keys[k].s, keys[k].n);
		rc = from_json(keys[k].val, w, depth + 1, err);
	}
	st_free(keys);
	return rc;
}

static int from_json(const json_t *v, mp_writer *w, int depth, st_err *err)
{
	int rc = 0;

	if (depth >= MP_MAX_DEPTH && (json_is_object(v) || json_is_array(v)))
		return st_err_set(err, ST_EINVAL, "JSON nested deeper than %d levels",
		                  MP_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		rc = from_object(v, w, depth, err);
		break;
	case JSON_ARRAY:
		if (json_array_size(v) > UINT32_MAX)
			return st_err_set(err, ST_EINVAL, "JSON array too large for msgpack");
		mp_write_array(w, (uint32_t)json_array_size(v));
		for (size_t k = 0; k < json_array_size(v) && rc == 0; k++)
			rc = from_json(json_array_get(v, k), w, depth + 1, err);
		break;
	case JSON_STRING:
		mp_write_str(w, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		mp_write_int(w, (int64_t)json_integer_value(v));
		break;
	case JSON_REAL:
		mp_write_double(w, json_real_value(v));
		break;
	case JSON_TRUE:
		mp_write_bool(w, true);
		break;
	case JSON_FALSE:
		mp_write_bool(w, false);
		break;
	case JSON_NULL:
		mp_write_nil(w);
		break;
	}
	if (rc == 0 && mp_writer_status(w) < 0)
		rc = st_err_set(err, mp_writer_status(w), "encoding msgpack: %s",
		                st_strerror(mp_writer_status(w)));
	return rc;
}

int json_mp_from_json(const json_t *v, mp_writer *w, st_err *err)
{
	if (!v)
		return st_err_set(err, ST_EINVAL, "no JSON value");
	return from_json(v, w, 0, err);
}

int json_mp_from_text(const char *text, size_t len, mp_writer *w, st_err *err)
{
	json_error_t jerr;
	json_t *v;
	int rc;

	v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!v)
		return st_err_setat(err, ST_EMALFORMED, jerr.position, "JSON: %s", jerr.text);
	rc = json_mp_from_json(v, w, err);
	json_decref(v);
	return rc;
}

/* ---- msgpack -> JSON -------------------------------------------------- */

/*
 * Appends the UTF-8 of s to b, each maximal invalid subsequence replaced by
 * U+FFFD (Rust's from_utf8_lossy). Returns 0 or ST_ENOMEM/ST_ETOOBIG.
 */
static int utf8_lossy(st_buf *b, const uint8_t *s, size_t n)
{
	static const uint8_t repl[] = { 0xef, 0xbf, 0xbd };
	size_t i = 0;
	int rc = 0;

	while (i < n && rc == 0) {
		uint8_t c = s[i];
		size_t want, k;
		uint8_t lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			rc = st_buf_append(b, &s[i++], 1);
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			want = 2;
		else if (c >= 0xe0 && c <= 0xef)
			want = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			want = 4;
		else
			want = 0;
		/* Narrower ranges for the second byte exclude overlongs and surrogates. */
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		for (k = 1; want && k < want && i + k < n; k++) {
			uint8_t lo_k = k == 1 ? lo : 0x80, hi_k = k == 1 ? hi : 0xbf;

			if (s[i + k] < lo_k || s[i + k] > hi_k)
				break;
		}
		if (want && k == want) {
			rc = st_buf_append(b, &s[i], want);
			i += want;
		} else {
			rc = st_buf_append(b, repl, sizeof(repl));
			i += want ? k : 1;
		}
	}
	return rc;
}

/* A new JSON string from possibly invalid UTF-8. NULL on OOM. */
static json_t *lossy_string(const uint8_t *s, size_t n)
{
	st_buf b;
	json_t *j = NULL;

	st_buf_init(&b, SIZE_MAX / 2);
	if (utf8_lossy(&b, s, n) == 0)
		j = json_stringn_nocheck(b.n ? (const char *)b.p : "", b.n);
	st_buf_deinit(&b);
	return j;
}

/* A JSON array of the byte values of p. NULL on OOM. */
static json_t *byte_array(const uint8_t *p, size_t n)
{
	json_t *a = json_array();

	for (size_t k = 0; a && k < n; k++) {
		if (json_array_append_new(a, json_integer(p[k])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int to_json(mp_reader *r, unsigned flags, int depth, json_t **out, st_err *err);

static int oom(st_err *err)
{
	return st_err_set(err, ST_ENOMEM, "out of memory building JSON");
}

/*
 * Sets obj[key text of k] = v (reference taken, also on failure). A str
 * key is used as it is; any other key as the text of its JSON form, at
 * most JSON_MP_MAX_KEY bytes: a container key nested in container keys is
 * escaped again at every level, so without the cap its text would double
 * per level. Returns 0, -1 (out of memory) or -2 (key text too long).
 */
static int set_member(json_t *obj, const json_t *k, json_t *v)
{
	char text[JSON_MP_MAX_KEY + 1];
	size_t n;

	if (json_is_string(k))
		return json_object_setn_new_nocheck(obj, json_string_value(k),
		                                    json_string_length(k), v);
	n = json_dumpb(k, text, sizeof(text), JSON_ENCODE_ANY | JSON_COMPACT);
	if (n == 0 || n > JSON_MP_MAX_KEY) {
		json_decref(v);
		return n == 0 ? -1 : -2;
	}
	return json_object_setn_new_nocheck(obj, text, n, v);
}

static int to_map(mp_reader *r, unsigned flags, int depth, json_t **out, st_err *err)
{
	uint32_t n;
	json_t *obj, *k = NULL, *v = NULL;
	size_t at;
	int rc = mp_read_map(r, &n);

	if (rc < 0)
		return mp_reader_error(r, rc, err);
	obj = json_object();
	if (!obj)
		return oom(err);
	for (uint32_t i = 0; i < n; i++) {
		at = r->pos;
		rc = to_json(r, flags, depth + 1, &k, err);
		if (rc < 0)
			goto fail;
		rc = to_json(r, flags, depth + 1, &v, err);
		if (rc < 0)
			goto fail;
		rc = set_member(obj, k, v);
		v = NULL;
		json_decref(k);
		k = NULL;
		if (rc == -2) {
			rc = st_err_setat(
				err, ST_EMALFORMED, (int64_t)at,
				"msgpack: a map key renders to more than %d bytes of JSON",
				JSON_MP_MAX_KEY);
			goto fail;
		}
		if (rc < 0) {
			rc = oom(err);
			goto fail;
		}
	}
	*out = obj;
	return 0;
fail:
	json_decref(k);
	json_decref(obj);
	return rc;
}

static int to_array(mp_reader *r, unsigned flags, int depth, json_t **out, st_err *err)
{
	uint32_t n;
	json_t *arr, *v;
	int rc = mp_read_array(r, &n);

	if (rc < 0)
		return mp_reader_error(r, rc, err);
	arr = json_array();
	if (!arr)
		return oom(err);
	for (uint32_t i = 0; i < n; i++) {
		rc = to_json(r, flags, depth + 1, &v, err);
		if (rc < 0)
			goto fail;
		if (json_array_append_new(arr, v) < 0) {
			rc = oom(err);
			goto fail;
		}
	}
	*out = arr;
	return 0;
fail:
	json_decref(arr);
	return rc;
}

static json_t *bin_json(const uint8_t *p, size_t n, unsigned flags)
{
	json_t *s, *a, *o;

	if (flags & JSON_MP_BIN_BOTH) {
		s = lossy_string(p, n);
		a = byte_array(p, n);
		o = json_object();
		if (!s || !a || !o || json_object_set_new(o, "str", s) < 0) {
			json_decref(s);
			json_decref(a);
			json_decref(o);
			return NULL;
		}
		if (json_object_set_new(o, "bin", a) < 0) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	if (flags & JSON_MP_BIN_STR)
		return lossy_string(p, n);
	return byte_array(p, n);
}

static json_t *ext_json(int8_t type, const uint8_t *p, size_t n)
{
	json_t *o = json_object(), *t = json_integer(type), *d = byte_array(p, n);

	if (!o || !t || !d || json_object_set_new(o, "type", t) < 0) {
		json_decref(o);
		json_decref(t);
		json_decref(d);
		return NULL;
	}
	if (json_object_set_new(o, "data", d) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *float_json(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

static int to_json(mp_reader *r, unsigned flags, int depth, json_t **out, st_err *err)
{
	mp_type t;
	json_t *j = NULL;
	const char *s;
	const uint8_t *p;
	size_t n;
	int64_t i;
	uint64_t u;
	double d;
	bool b;
	int8_t et;
	int rc;

	*out = NULL;
	rc = mp_peek(r, &t);
	if (rc < 0)
		return mp_reader_error(r, rc, err);
	/* The same limit as mp_skip: MP_MAX_DEPTH nested containers. */
	if (depth >= MP_MAX_DEPTH && (t == MP_MAP || t == MP_ARRAY))
		return st_err_setat(err, ST_EMALFORMED, (int64_t)r->pos,
		                    "msgpack: nesting deeper than %d levels", MP_MAX_DEPTH);
	switch (t) {
	case MP_MAP:
		return to_map(r, flags, depth, out, err);
	case MP_ARRAY:
		return to_array(r, flags, depth, out, err);
	case MP_NIL:
		rc = mp_read_nil(r);
		j = flags & JSON_MP_NIL_FALSE ? json_false() : json_null();
		break;
	case MP_BOOL:
		rc = mp_read_bool(r, &b);
		j = json_boolean(b);
		break;
	case MP_UINT:
		rc = mp_read_uint(r, &u);
		j = u <= (uint64_t)INT64_MAX ? json_integer((json_int_t)u) : json_real((double)u);
		break;
	case MP_INT:
		rc = mp_read_int(r, &i);
		j = json_integer((json_int_t)i);
		break;
	case MP_FLOAT32:
	case MP_FLOAT64:
		rc = mp_read_double(r, &d);
		j = float_json(d);
		break;
	case MP_STR:
		rc = mp_read_str(r, &s, &n);
		j = lossy_string((const uint8_t *)s, n);
		break;
	case MP_BIN:
		rc = mp_read_bin(r, &p, &n);
		j = bin_json(p, n, flags);
		break;
	case MP_EXT:
		rc = mp_read_ext(r, &et, &p, &n);
		j = ext_json(et, p, n);
		break;
	}
	if (rc < 0) {
		json_decref(j);
		return mp_reader_error(r, rc, err);
	}
	if (!j)
		return oom(err);
	*out = j;
	return 0;
}

int json_mp_to_json(const uint8_t *p, size_t len, unsigned flags, json_t **out, st_err *err)
{
	mp_reader r;

	*out = NULL;
	mp_reader_init(&r, p, len);
	return to_json(&r, flags, 0, out, err);
}
