/*
 * wc_gen.c - the runtime of the generated interface bindings (wc_gen.h).
 *
 * Freestanding: no libc, only wc_rt.h and codec/msgpack.h. The CBOR reader
 * mirrors msgpack.c: head() decodes the head of the item at an offset
 * without moving the cursor, typed reads check the type and commit, so a
 * failed read never moves the cursor.
 */
#include "wc_gen.h"

#include "core/banned.h"

void wcg_zero(void *p, size_t n)
{
	volatile uint8_t *d = p; /* volatile: no call to memset in a freestanding build */

	while (n--)
		*d++ = 0;
}

void *wcg_alloc_array(size_t count, size_t size)
{
	size_t total;

	if (size && count > SIZE_MAX / size)
		return NULL;
	total = count * size;
	return wc_alloc(total > 0 ? total : 1);
}

static size_t cstr_len(const char *s)
{
	size_t n = 0;

	while (s && s[n])
		n++;
	return n;
}

static void copy(char *d, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

bool wcg_str_eq(wc_str s, const char *lit)
{
	size_t i;

	for (i = 0; i < s.n; i++) {
		if (!lit[i] || lit[i] != s.p[i])
			return false;
	}
	return lit[i] == '\0';
}

int wcg_error(wc_str *err, int rc, const char *a, const char *b, size_t b_len, const char *c)
{
	size_t an = cstr_len(a), cn = cstr_len(c);
	char *p;

	if (!err)
		return rc;
	if (!b)
		b_len = 0;
	p = wc_alloc(an + b_len + cn + 1);
	if (!p) {
		err->p = a ? a : "out of memory";
		err->n = cstr_len(err->p);
		return rc;
	}
	copy(p, a, an);
	copy(p + an, b, b_len);
	copy(p + an + b_len, c, cn);
	p[an + b_len + cn] = '\0';
	err->p = p;
	err->n = an + b_len + cn;
	return rc;
}

/* ---- MessagePack ------------------------------------------------------ */

int wcg_mp_fail(mp_reader *r, int rc, const char *msg)
{
	size_t n = cstr_len(msg);

	if (n > MP_ERR_MSG_MAX - 1)
		n = MP_ERR_MSG_MAX - 1;
	copy(r->msg, msg, n);
	r->msg[n] = '\0';
	r->err_pos = r->pos;
	return rc;
}

int wcg_mp_missing(mp_reader *r, const char *field)
{
	static const char pre[] = "missing field `";
	size_t n = sizeof(pre) - 1, fn = cstr_len(field);

	if (fn > MP_ERR_MSG_MAX - n - 2)
		fn = MP_ERR_MSG_MAX - n - 2;
	copy(r->msg, pre, n);
	copy(r->msg + n, field, fn);
	r->msg[n + fn] = '`';
	r->msg[n + fn + 1] = '\0';
	r->err_pos = r->pos;
	return ST_EMALFORMED;
}

int wcg_mp_read_str(mp_reader *r, wc_str *out)
{
	const char *s;
	size_t n;
	int rc = mp_read_str(r, &s, &n);

	if (rc < 0)
		return rc;
	out->p = s;
	out->n = n;
	return 0;
}

int wcg_mp_read_blob(mp_reader *r, wc_bytes *out)
{
	mp_type t;
	const uint8_t *p;
	const char *s;
	size_t n;
	int rc = mp_peek(r, &t);

	if (rc < 0)
		return rc;
	if (t == MP_STR) {
		rc = mp_read_str(r, &s, &n);
		p = (const uint8_t *)s;
	} else {
		rc = mp_read_bin(r, &p, &n);
	}
	if (rc < 0)
		return rc;
	out->p = p;
	out->n = n;
	return 0;
}

int wcg_mp_read_key(mp_reader *r, wc_str *out)
{
	mp_type t;
	int rc = mp_peek(r, &t);

	if (rc < 0)
		return rc;
	if (t == MP_STR)
		return wcg_mp_read_str(r, out);
	out->p = "";
	out->n = 0;
	return mp_skip(r);
}

bool wcg_mp_try_nil(mp_reader *r)
{
	mp_type t;

	if (mp_peek(r, &t) < 0 || t != MP_NIL)
		return false;
	return mp_read_nil(r) == 0;
}

static int mp_uint_max(mp_reader *r, uint64_t max, uint64_t *out)
{
	size_t at = r->pos;
	int rc = mp_read_uint(r, out);

	if (rc < 0)
		return rc;
	if (*out > max) {
		r->pos = at;
		return wcg_mp_fail(r, ST_EMALFORMED, "integer out of range");
	}
	return 0;
}

static int mp_int_range(mp_reader *r, int64_t min, int64_t max, int64_t *out)
{
	size_t at = r->pos;
	int rc = mp_read_int(r, out);

	if (rc < 0)
		return rc;
	if (*out < min || *out > max) {
		r->pos = at;
		return wcg_mp_fail(r, ST_EMALFORMED, "integer out of range");
	}
	return 0;
}

int wcg_mp_read_u8(mp_reader *r, uint8_t *out)
{
	uint64_t v;
	int rc = mp_uint_max(r, UINT8_MAX, &v);

	if (rc == 0)
		*out = (uint8_t)v;
	return rc;
}

int wcg_mp_read_u16(mp_reader *r, uint16_t *out)
{
	uint64_t v;
	int rc = mp_uint_max(r, UINT16_MAX, &v);

	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}

int wcg_mp_read_u32(mp_reader *r, uint32_t *out)
{
	uint64_t v;
	int rc = mp_uint_max(r, UINT32_MAX, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

int wcg_mp_read_u64(mp_reader *r, uint64_t *out)
{
	return mp_read_uint(r, out);
}

int wcg_mp_read_i8(mp_reader *r, int8_t *out)
{
	int64_t v;
	int rc = mp_int_range(r, INT8_MIN, INT8_MAX, &v);

	if (rc == 0)
		*out = (int8_t)v;
	return rc;
}

int wcg_mp_read_i16(mp_reader *r, int16_t *out)
{
	int64_t v;
	int rc = mp_int_range(r, INT16_MIN, INT16_MAX, &v);

	if (rc == 0)
		*out = (int16_t)v;
	return rc;
}

int wcg_mp_read_i32(mp_reader *r, int32_t *out)
{
	int64_t v;
	int rc = mp_int_range(r, INT32_MIN, INT32_MAX, &v);

	if (rc == 0)
		*out = (int32_t)v;
	return rc;
}

int wcg_mp_read_i64(mp_reader *r, int64_t *out)
{
	return mp_read_int(r, out);
}

int wcg_mp_write_str(mp_writer *w, wc_str s)
{
	return mp_write_str(w, s.n ? s.p : "", s.n);
}

int wcg_mp_write_blob(mp_writer *w, wc_bytes b)
{
	return mp_write_bin(w, b.n ? (const void *)b.p : "", b.n);
}

/* Fails w with ST_ETOOBIG unless it already failed; returns its status. */
static int too_big(mp_writer *w)
{
	if (!w->err)
		w->err = ST_ETOOBIG;
	return w->err;
}

int wcg_mp_write_array(mp_writer *w, size_t n)
{
	if ((uint64_t)n > UINT32_MAX)
		return too_big(w);
	return mp_write_array(w, (uint32_t)n);
}

int wcg_mp_write_map(mp_writer *w, size_t n)
{
	if ((uint64_t)n > UINT32_MAX)
		return too_big(w);
	return mp_write_map(w, (uint32_t)n);
}

int wcg_timestamp_encode(mp_writer *w, const wc_timestamp *v)
{
	mp_write_map(w, 2);
	mp_write_str(w, "sec", 3);
	mp_write_int(w, v->sec);
	mp_write_str(w, "nsec", 4);
	mp_write_uint(w, v->nsec);
	return mp_writer_status(w);
}

int wcg_timestamp_decode(mp_reader *r, wc_timestamp *out)
{
	uint32_t n;
	bool got_sec = false, got_nsec = false;
	int rc = mp_read_map(r, &n);

	if (rc < 0)
		return rc;
	out->sec = 0;
	out->nsec = 0;
	for (uint32_t i = 0; i < n; i++) {
		wc_str k;

		rc = wcg_mp_read_key(r, &k);
		if (rc < 0)
			return rc;
		if (wcg_str_eq(k, "sec")) {
			rc = wcg_mp_read_i64(r, &out->sec);
			got_sec = true;
		} else if (wcg_str_eq(k, "nsec")) {
			rc = wcg_mp_read_u32(r, &out->nsec);
			got_nsec = true;
		} else {
			rc = mp_skip(r);
		}
		if (rc < 0)
			return rc;
	}
	if (!got_sec)
		return wcg_mp_missing(r, "sec");
	if (!got_nsec)
		return wcg_mp_missing(r, "nsec");
	return 0;
}

/* ---- CBOR reader ------------------------------------------------------- */

/* The decoded head of one CBOR item. */
typedef struct cbor_head {
	uint8_t major; /* 0-7 */
	uint8_t ai;    /* additional information (low 5 bits) */
	uint64_t arg;  /* argument value (length, count, integer, simple value) */
	size_t hlen;   /* bytes of the head */
	bool indef;    /* ai == 31: indefinite length (major 2-5) or break (major 7) */
} cbor_head;

void wcg_cbor_reader_init(wcg_cbor_reader *r, const void *p, size_t n)
{
	r->p = p;
	r->n = n;
	r->pos = 0;
	r->err_pos = 0;
	r->msg = "";
}

int wcg_cbor_fail(wcg_cbor_reader *r, int rc, const char *msg)
{
	r->msg = msg;
	r->err_pos = r->pos;
	return rc;
}

int wcg_cbor_missing(wcg_cbor_reader *r, const char *field)
{
	int rc = wcg_cbor_fail(r, ST_EMALFORMED, "missing field");

	if (field) {
		wc_str m;

		wcg_error(&m, 0, "missing field `", field, cstr_len(field), "`");
		r->msg = m.p;
	}
	return rc;
}

/* Decodes the head at offset at (r->pos unchanged). */
static int head_at(wcg_cbor_reader *r, size_t at, cbor_head *h)
{
	uint8_t b;
	size_t extra;

	if (at >= r->n)
		return wcg_cbor_fail(r, ST_ETRUNC, "unexpected end of input");
	b = r->p[at];
	h->major = b >> 5;
	h->ai = b & 31;
	h->indef = false;
	h->arg = h->ai;
	if (h->ai < 24) {
		extra = 0;
	} else if (h->ai <= 27) {
		extra = (size_t)1 << (h->ai - 24);
	} else if (h->ai == 31 && (h->major >= 2 && h->major <= 5)) {
		h->indef = true;
		extra = 0;
	} else if (h->ai == 31 && h->major == 7) {
		h->indef = true; /* break */
		extra = 0;
	} else {
		return wcg_cbor_fail(r, ST_EMALFORMED, "reserved CBOR additional information");
	}
	if (extra > r->n - at - 1)
		return wcg_cbor_fail(r, ST_ETRUNC, "unexpected end of input");
	if (extra) {
		h->arg = 0;
		for (size_t k = 0; k < extra; k++)
			h->arg = h->arg << 8 | r->p[at + 1 + k];
	}
	h->hlen = 1 + extra;
	return 0;
}

static wcg_cbor_type type_of(const cbor_head *h)
{
	switch (h->major) {
	case 0:
		return WCG_CBOR_UINT;
	case 1:
		return WCG_CBOR_NEGINT;
	case 2:
		return WCG_CBOR_BYTES;
	case 3:
		return WCG_CBOR_TEXT;
	case 4:
		return WCG_CBOR_ARRAY;
	case 5:
		return WCG_CBOR_MAP;
	case 6:
		return WCG_CBOR_TAG;
	default:
		break;
	}
	if (h->indef)
		return WCG_CBOR_BREAK;
	if (h->ai == 20 || h->ai == 21)
		return WCG_CBOR_BOOL;
	if (h->ai == 22 || h->ai == 23)
		return WCG_CBOR_NULL;
	if (h->ai >= 25 && h->ai <= 27)
		return WCG_CBOR_FLOAT;
	return WCG_CBOR_SIMPLE;
}

static const char *type_name(wcg_cbor_type t)
{
	switch (t) {
	case WCG_CBOR_UINT:
	case WCG_CBOR_NEGINT:
		return "integer";
	case WCG_CBOR_BYTES:
		return "bytes";
	case WCG_CBOR_TEXT:
		return "text";
	case WCG_CBOR_ARRAY:
		return "array";
	case WCG_CBOR_MAP:
		return "map";
	case WCG_CBOR_TAG:
		return "tag";
	case WCG_CBOR_BOOL:
		return "bool";
	case WCG_CBOR_NULL:
		return "null";
	case WCG_CBOR_FLOAT:
		return "float";
	case WCG_CBOR_BREAK:
		return "break";
	default:
		return "simple value";
	}
}

/* Fails with "expected <want>, found <type of h>". */
static int mismatch(wcg_cbor_reader *r, const char *want, const cbor_head *h)
{
	wc_str m;

	wcg_error(&m, 0, "expected ", want, cstr_len(want), ", found ");
	wcg_error(&m, 0, m.p, type_name(type_of(h)), cstr_len(type_name(type_of(h))), NULL);
	return wcg_cbor_fail(r, ST_EMALFORMED, m.p);
}

int wcg_cbor_peek(wcg_cbor_reader *r, wcg_cbor_type *out)
{
	cbor_head h;
	int rc = head_at(r, r->pos, &h);

	if (rc < 0)
		return rc;
	*out = type_of(&h);
	return 0;
}

bool wcg_cbor_try_null(wcg_cbor_reader *r)
{
	cbor_head h;

	if (head_at(r, r->pos, &h) < 0 || type_of(&h) != WCG_CBOR_NULL)
		return false;
	r->pos += h.hlen;
	return true;
}

int wcg_cbor_read_bool(wcg_cbor_reader *r, bool *out)
{
	cbor_head h;
	int rc = head_at(r, r->pos, &h);

	if (rc < 0)
		return rc;
	if (type_of(&h) != WCG_CBOR_BOOL)
		return mismatch(r, "bool", &h);
	*out = h.ai == 21;
	r->pos += h.hlen;
	return 0;
}

/* Reads an integer of major 0 or 1 into sign/magnitude form. */
static int read_integer(wcg_cbor_reader *r, bool *neg, uint64_t *arg, cbor_head *h)
{
	int rc = head_at(r, r->pos, h);

	if (rc < 0)
		return rc;
	if (h->major > 1)
		return mismatch(r, "integer", h);
	*neg = h->major == 1;
	*arg = h->arg;
	return 0;
}

static int cbor_uint_max(wcg_cbor_reader *r, uint64_t max, uint64_t *out)
{
	cbor_head h;
	bool neg = false;
	uint64_t v = 0;
	int rc = read_integer(r, &neg, &v, &h);

	if (rc < 0)
		return rc;
	if (neg || v > max)
		return wcg_cbor_fail(r, ST_EMALFORMED, "integer out of range");
	*out = v;
	r->pos += h.hlen;
	return 0;
}

static int cbor_int_range(wcg_cbor_reader *r, int64_t min, int64_t max, int64_t *out)
{
	cbor_head h;
	bool neg = false;
	uint64_t v = 0;
	int64_t x;
	int rc = read_integer(r, &neg, &v, &h);

	if (rc < 0)
		return rc;
	if (v > (uint64_t)INT64_MAX)
		return wcg_cbor_fail(r, ST_EMALFORMED, "integer out of range");
	x = neg ? -1 - (int64_t)v : (int64_t)v;
	if (x < min || x > max)
		return wcg_cbor_fail(r, ST_EMALFORMED, "integer out of range");
	*out = x;
	r->pos += h.hlen;
	return 0;
}

int wcg_cbor_read_u8(wcg_cbor_reader *r, uint8_t *out)
{
	uint64_t v;
	int rc = cbor_uint_max(r, UINT8_MAX, &v);

	if (rc == 0)
		*out = (uint8_t)v;
	return rc;
}

int wcg_cbor_read_u16(wcg_cbor_reader *r, uint16_t *out)
{
	uint64_t v;
	int rc = cbor_uint_max(r, UINT16_MAX, &v);

	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}

int wcg_cbor_read_u32(wcg_cbor_reader *r, uint32_t *out)
{
	uint64_t v;
	int rc = cbor_uint_max(r, UINT32_MAX, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

int wcg_cbor_read_u64(wcg_cbor_reader *r, uint64_t *out)
{
	return cbor_uint_max(r, UINT64_MAX, out);
}

int wcg_cbor_read_i8(wcg_cbor_reader *r, int8_t *out)
{
	int64_t v;
	int rc = cbor_int_range(r, INT8_MIN, INT8_MAX, &v);

	if (rc == 0)
		*out = (int8_t)v;
	return rc;
}

int wcg_cbor_read_i16(wcg_cbor_reader *r, int16_t *out)
{
	int64_t v;
	int rc = cbor_int_range(r, INT16_MIN, INT16_MAX, &v);

	if (rc == 0)
		*out = (int16_t)v;
	return rc;
}

int wcg_cbor_read_i32(wcg_cbor_reader *r, int32_t *out)
{
	int64_t v;
	int rc = cbor_int_range(r, INT32_MIN, INT32_MAX, &v);

	if (rc == 0)
		*out = (int32_t)v;
	return rc;
}

int wcg_cbor_read_i64(wcg_cbor_reader *r, int64_t *out)
{
	return cbor_int_range(r, INT64_MIN, INT64_MAX, out);
}

/* Reads a definite-length string of major 2 or 3 (allowed by mask bits 1<<major). */
static int read_string(wcg_cbor_reader *r, unsigned mask, const char *want, const uint8_t **p,
                       size_t *n)
{
	cbor_head h;
	int rc = head_at(r, r->pos, &h);

	if (rc < 0)
		return rc;
	if (h.major > 7 || !(mask & (1u << h.major)))
		return mismatch(r, want, &h);
	if (h.indef)
		return wcg_cbor_fail(r, ST_EMALFORMED, "indefinite-length string not supported");
	if (h.arg > r->n - r->pos - h.hlen)
		return wcg_cbor_fail(r, ST_ETRUNC, "unexpected end of input");
	*p = r->p + r->pos + h.hlen;
	*n = (size_t)h.arg;
	r->pos += h.hlen + (size_t)h.arg;
	return 0;
}

int wcg_cbor_read_str(wcg_cbor_reader *r, wc_str *out)
{
	const uint8_t *p;
	size_t n;
	int rc = read_string(r, 1u << 3, "text", &p, &n);

	if (rc < 0)
		return rc;
	out->p = (const char *)p;
	out->n = n;
	return 0;
}

int wcg_cbor_read_blob(wcg_cbor_reader *r, wc_bytes *out)
{
	const uint8_t *p;
	size_t n;
	int rc = read_string(r, 1u << 2 | 1u << 3, "bytes", &p, &n);

	if (rc < 0)
		return rc;
	out->p = p;
	out->n = n;
	return 0;
}

/* Skips the item at *at (moving *at past it); depth counts enclosing containers. */
static int skip_at(wcg_cbor_reader *r, size_t *at, int depth)
{
	cbor_head h;
	size_t p = *at;
	int rc;

	if (depth > MP_MAX_DEPTH)
		return wcg_cbor_fail(r, ST_EMALFORMED, "nesting too deep");
	rc = head_at(r, p, &h);
	if (rc < 0)
		return rc;
	p += h.hlen;
	switch (h.major) {
	case 0:
	case 1:
		break;
	case 2:
	case 3:
		if (h.indef) {
			/* Chunks (definite strings of the same major) up to the break. */
			for (;;) {
				cbor_head c;

				rc = head_at(r, p, &c);
				if (rc < 0)
					return rc;
				if (c.major == 7 && c.indef) {
					p += 1;
					break;
				}
				if (c.major != h.major || c.indef)
					return wcg_cbor_fail(r, ST_EMALFORMED, "bad string chunk");
				if (c.arg > r->n - p - c.hlen)
					return wcg_cbor_fail(r, ST_ETRUNC,
					                     "unexpected end of input");
				p += c.hlen + (size_t)c.arg;
			}
		} else {
			if (h.arg > r->n - p)
				return wcg_cbor_fail(r, ST_ETRUNC, "unexpected end of input");
			p += (size_t)h.arg;
		}
		break;
	case 4:
	case 5:
		if (h.indef) {
			for (;;) {
				cbor_head c;

				rc = head_at(r, p, &c);
				if (rc < 0)
					return rc;
				if (c.major == 7 && c.indef) {
					p += 1;
					break;
				}
				for (int k = 0; k < (h.major == 5 ? 2 : 1); k++) {
					rc = skip_at(r, &p, depth + 1);
					if (rc < 0)
						return rc;
				}
			}
		} else {
			uint64_t items = h.major == 5 ? h.arg * 2 : h.arg;

			if (h.arg > r->n - p || (h.major == 5 && items / 2 != h.arg))
				return wcg_cbor_fail(r, ST_ETRUNC, "unexpected end of input");
			for (uint64_t k = 0; k < items; k++) {
				rc = skip_at(r, &p, depth + 1);
				if (rc < 0)
					return rc;
			}
		}
		break;
	case 6:
		rc = skip_at(r, &p, depth + 1);
		if (rc < 0)
			return rc;
		break;
	default:
		if (h.indef)
			return wcg_cbor_fail(r, ST_EMALFORMED, "unexpected break");
		break;
	}
	*at = p;
	return 0;
}

int wcg_cbor_skip(wcg_cbor_reader *r)
{
	size_t p = r->pos;
	int rc = skip_at(r, &p, 0);

	if (rc < 0)
		return rc;
	r->pos = p;
	return 0;
}

/* Reads the head of a container of major (4 or 5); see wcg_cbor_read_array. */
static int read_container(wcg_cbor_reader *r, uint8_t major, uint32_t *count, bool *indef)
{
	cbor_head h;
	int rc = head_at(r, r->pos, &h);

	if (rc < 0)
		return rc;
	if (h.major != major)
		return mismatch(r, major == 4 ? "array" : "map", &h);
	if (!h.indef) {
		if (h.arg > r->n - r->pos - h.hlen || h.arg > UINT32_MAX)
			return wcg_cbor_fail(r, ST_ETRUNC, "unexpected end of input");
		*count = (uint32_t)h.arg;
		*indef = false;
	} else {
		size_t p = r->pos + h.hlen;
		uint32_t k = 0;

		for (;;) {
			cbor_head c;

			rc = head_at(r, p, &c);
			if (rc < 0)
				return rc;
			if (c.major == 7 && c.indef)
				break;
			for (int j = 0; j < (major == 5 ? 2 : 1); j++) {
				rc = skip_at(r, &p, 1);
				if (rc < 0)
					return rc;
			}
			k++;
		}
		*count = k;
		*indef = true;
	}
	r->pos += h.hlen;
	return 0;
}

int wcg_cbor_read_array(wcg_cbor_reader *r, uint32_t *count, bool *indef)
{
	return read_container(r, 4, count, indef);
}

int wcg_cbor_read_map(wcg_cbor_reader *r, uint32_t *count, bool *indef)
{
	return read_container(r, 5, count, indef);
}

int wcg_cbor_read_end(wcg_cbor_reader *r, bool indef)
{
	if (!indef)
		return 0;
	if (r->pos >= r->n)
		return wcg_cbor_fail(r, ST_ETRUNC, "unexpected end of input");
	if (r->p[r->pos] != 0xff)
		return wcg_cbor_fail(r, ST_EMALFORMED, "expected break");
	r->pos++;
	return 0;
}

int wcg_cbor_read_key(wcg_cbor_reader *r, wc_str *out)
{
	wcg_cbor_type t;
	int rc = wcg_cbor_peek(r, &t);

	if (rc < 0)
		return rc;
	if (t == WCG_CBOR_TEXT)
		return wcg_cbor_read_str(r, out);
	out->p = "";
	out->n = 0;
	return wcg_cbor_skip(r);
}

/* ---- CBOR writer ------------------------------------------------------- */

/* Writes the shortest head of major with argument v. */
static int put_head(mp_writer *w, uint8_t major, uint64_t v)
{
	uint8_t b[9];
	size_t n;

	if (v < 24) {
		b[0] = (uint8_t)(major << 5 | v);
		n = 1;
	} else if (v <= UINT8_MAX) {
		b[0] = (uint8_t)(major << 5 | 24);
		n = 2;
	} else if (v <= UINT16_MAX) {
		b[0] = (uint8_t)(major << 5 | 25);
		n = 3;
	} else if (v <= UINT32_MAX) {
		b[0] = (uint8_t)(major << 5 | 26);
		n = 5;
	} else {
		b[0] = (uint8_t)(major << 5 | 27);
		n = 9;
	}
	for (size_t k = 1; k < n; k++)
		b[k] = (uint8_t)(v >> ((n - 1 - k) * 8));
	return mp_write_raw(w, b, n);
}

int wcg_cbor_write_uint(mp_writer *w, uint64_t v)
{
	return put_head(w, 0, v);
}

int wcg_cbor_write_int(mp_writer *w, int64_t v)
{
	if (v >= 0)
		return put_head(w, 0, (uint64_t)v);
	return put_head(w, 1, (uint64_t)(-1 - v));
}

int wcg_cbor_write_bool(mp_writer *w, bool v)
{
	uint8_t b = v ? 0xf5 : 0xf4;

	return mp_write_raw(w, &b, 1);
}

int wcg_cbor_write_null(mp_writer *w)
{
	uint8_t b = 0xf6;

	return mp_write_raw(w, &b, 1);
}

int wcg_cbor_write_str(mp_writer *w, wc_str s)
{
	put_head(w, 3, s.n);
	return mp_write_raw(w, s.p, s.n);
}

int wcg_cbor_write_blob(mp_writer *w, wc_bytes b)
{
	put_head(w, 2, b.n);
	return mp_write_raw(w, b.p, b.n);
}

int wcg_cbor_write_array(mp_writer *w, size_t n)
{
	return put_head(w, 4, n);
}

int wcg_cbor_write_map(mp_writer *w, size_t n)
{
	return put_head(w, 5, n);
}

int wcg_timestamp_cbor_encode(mp_writer *w, const wc_timestamp *v)
{
	wcg_cbor_write_int(w, v->sec);
	return wcg_cbor_write_uint(w, v->nsec);
}

int wcg_timestamp_cbor_decode(wcg_cbor_reader *r, wc_timestamp *out)
{
	int rc = wcg_cbor_read_i64(r, &out->sec);

	if (rc < 0)
		return rc;
	return wcg_cbor_read_u32(r, &out->nsec);
}

int wcg_timestamp_cbor_decode_value(wcg_cbor_reader *r, wc_timestamp *out)
{
	size_t at = r->pos;
	uint32_t n;
	bool indef;
	int rc = wcg_cbor_read_array(r, &n, &indef);

	if (rc < 0)
		return rc;
	if (n != 2) {
		r->pos = at;
		return wcg_cbor_fail(r, ST_EMALFORMED, "a Timestamp needs two items");
	}
	rc = wcg_timestamp_cbor_decode(r, out);
	if (rc == 0)
		rc = wcg_cbor_read_end(r, indef);
	if (rc < 0)
		r->pos = at;
	return rc;
}

/* ---- Payloads and calls -------------------------------------------------- */

wcg_format wcg_sniff(const uint8_t **p, size_t *n)
{
	uint8_t b;

	if (*n == 0)
		return WCG_FORMAT_EMPTY;
	if (*n == 1)
		return WCG_FORMAT_MSGPACK;
	b = (*p)[0];
	if (b == 0x7f || b == 0xc1) {
		(*p)++;
		(*n)--;
		return b == 0x7f ? WCG_FORMAT_CBOR : WCG_FORMAT_MSGPACK;
	}
	if (b <= 0x7e || b == 0xc0)
		return WCG_FORMAT_INVALID;
	return WCG_FORMAT_MSGPACK;
}

/* The fixed meaning of the ST_E* codes a codec returns. */
static const char *code_text(int rc)
{
	switch (rc) {
	case ST_ENOMEM:
		return "out of memory";
	case ST_ETOOBIG:
		return "size limit exceeded";
	case ST_ETRUNC:
		return "unexpected end of input";
	case ST_EMALFORMED:
		return "malformed input";
	default:
		return "error";
	}
}

int wcg_call(const char *binding, const char *ns, const char *op, const mp_writer *in,
             wc_bytes *resp, wc_str *err)
{
	uint8_t *out = NULL;
	size_t out_len = 0;
	int rc;

	resp->p = NULL;
	resp->n = 0;
	if (in) {
		rc = mp_writer_status(in);
		if (rc < 0)
			return wcg_error(err, rc, op, ": cannot encode the request: ",
			                 cstr_len(": cannot encode the request: "), code_text(rc));
	}
	if (!wc_host_call(binding, ns, op, in ? in->p : NULL, in ? in->n : 0, &out, &out_len))
		return wcg_error(err, ST_EIO, NULL, (const char *)out, out_len, NULL);
	resp->p = out;
	resp->n = out_len;
	return 0;
}

int wcg_reply(const mp_writer *w, wc_bytes *resp, wc_str *err, const char *op)
{
	int rc = mp_writer_status(w);

	resp->p = NULL;
	resp->n = 0;
	if (rc < 0)
		return wcg_error(err, rc, op, ": cannot encode the response: ",
		                 cstr_len(": cannot encode the response: "), code_text(rc));
	resp->p = w->p;
	resp->n = w->n;
	return 0;
}

/* *err = "<op>: cannot decode the <what>: <msg or the code's text>". */
static int decode_error(wc_str *err, int rc, const char *op, const char *what, const char *msg)
{
	wc_str a;

	if (!msg || !*msg)
		msg = code_text(rc);
	wcg_error(&a, rc, op, ": cannot decode the ", cstr_len(": cannot decode the "), what);
	return wcg_error(err, rc, a.p, ": ", 2, msg);
}

int wcg_mp_decode_error(wc_str *err, int rc, const char *op, const char *what, const mp_reader *r)
{
	return decode_error(err, rc, op, what, r->msg);
}

int wcg_cbor_decode_error(wc_str *err, int rc, const char *op, const char *what,
                          const wcg_cbor_reader *r)
{
	return decode_error(err, rc, op, what, r->msg);
}

int wcg_handler_error(wc_str *err, int rc, const char *op)
{
	if (rc >= 0)
		rc = ST_EINVAL;
	if (err && (!err->p || err->n == 0))
		wcg_error(err, rc, op, ": handler failed", cstr_len(": handler failed"), NULL);
	return rc;
}
