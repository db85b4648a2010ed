/*
 * msgpack.c - MessagePack reader and writer (see msgpack.h).
 *
 * Freestanding by design: this file builds for wasm32 with -ffreestanding
 * -nostdlib (the C actor SDK links it into guests), so it uses only
 * <stdbool.h>, <stddef.h>, <stdint.h> and memcpy, and allocates only
 * through the writer's hook. Everything that needs libc (the default hook,
 * st_err formatting) is in msgpack_host.c.
 *
 * Reading is built on one function, head(), that decodes the header of the
 * value at an offset without moving the cursor and checks that the whole
 * value (payload, or for containers at least one byte per element) is
 * there. Typed reads then check the type and commit, so a failed read
 * never moves the cursor.
 */
#include "codec/msgpack.h"

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#include <string.h>
#define mp_memcpy memcpy
#else
/* Freestanding: the compiler inlines it or calls the environment's memcpy. */
#define mp_memcpy __builtin_memcpy
#endif

#include "core/banned.h"

/* The decoded header of one value. */
typedef struct hdr {
	mp_type type;
	size_t hlen;    /* bytes of marker + length/value fields */
	size_t len;     /* str/bin/ext payload bytes (0 for the others) */
	uint32_t count; /* array elements or map pairs */
	uint64_t u;     /* MP_UINT value */
	int64_t i;      /* MP_INT value (< 0) */
	double d;       /* float value */
	bool b;         /* bool value */
	int8_t ext;     /* ext application type */
} hdr;

const char *mp_type_name(mp_type t)
{
	switch (t) {
	case MP_NIL:
		return "nil";
	case MP_BOOL:
		return "bool";
	case MP_UINT:
		return "integer";
	case MP_INT:
		return "negative integer";
	case MP_FLOAT32:
		return "float32";
	case MP_FLOAT64:
		return "float64";
	case MP_STR:
		return "str";
	case MP_BIN:
		return "bin";
	case MP_ARRAY:
		return "array";
	case MP_MAP:
		return "map";
	case MP_EXT:
		return "ext";
	}
	return "unknown";
}

/* ---- Reader ----------------------------------------------------------- */

/* Appends the NUL-terminated s to the reader's message, truncating. */
static void msg_add(char *msg, size_t *o, const char *s)
{
	while (*s && *o + 1 < MP_ERR_MSG_MAX)
		msg[(*o)++] = *s++;
	msg[*o] = '\0';
}

/* Records a failure whose message is a, or a followed by b, c and d. */
static int fail4(mp_reader *r, int code, size_t at, const char *a, const char *b, const char *c,
                 const char *d)
{
	size_t o = 0;

	r->msg[0] = '\0';
	msg_add(r->msg, &o, a);
	if (b && c && d) {
		msg_add(r->msg, &o, b);
		msg_add(r->msg, &o, c);
		msg_add(r->msg, &o, d);
	}
	r->err_pos = at;
	return code;
}

static int fail(mp_reader *r, int code, size_t at, const char *what)
{
	return fail4(r, code, at, what, NULL, NULL, NULL);
}

static int trunc_at(mp_reader *r, size_t at)
{
	return fail(r, ST_ETRUNC, at, "input ends inside a value");
}

/* "expected str, found map" */
static int mismatch(mp_reader *r, size_t at, const char *want, mp_type got)
{
	return fail4(r, ST_EMALFORMED, at, "expected ", want, ", found ", mp_type_name(got));
}

static uint64_t be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t k = 0; k < n; k++)
		v = v << 8 | p[k];
	return v;
}

/* Sets a payload length and checks the payload is present. */
static int payload(mp_reader *r, size_t at, hdr *h, size_t len)
{
	if (len > r->n - at - h->hlen)
		return trunc_at(r, at);
	h->len = len;
	return 0;
}

/* Sets a container count and checks one byte per element is left. */
static int container(mp_reader *r, size_t at, hdr *h, uint64_t count, bool map)
{
	uint64_t min = map ? 2 * count : count;

	if (min > r->n - at - h->hlen)
		return trunc_at(r, at);
	h->count = (uint32_t)count;
	return 0;
}

/* Decodes the header of the value at offset at (pos is not moved). */
static int head(mp_reader *r, size_t at, hdr *h)
{
	/* Extra header bytes after the marker, for markers 0xc4..0xdf. */
	static const uint8_t extra[] = {
		1, 2, 4,        /* c4-c6 bin 8/16/32 */
		2, 3, 5,        /* c7-c9 ext 8/16/32 (length, type) */
		4, 8,           /* ca-cb float */
		1, 2, 4, 8,     /* cc-cf uint */
		1, 2, 4, 8,     /* d0-d3 int */
		2, 3, 5, 9, 17, /* d4-d8 fixext (type, data) */
		1, 2, 4,        /* d9-db str 8/16/32 */
		2, 4, 2, 4,     /* dc-df array/map 16/32 */
	};
	const uint8_t *p;
	uint8_t m;
	size_t need;
	union {
		uint32_t u;
		float f;
	} f32;
	union {
		uint64_t u;
		double d;
	} f64;

	if (at >= r->n)
		return trunc_at(r, at);
	p = r->p + at;
	m = p[0];
	h->hlen = 1;
	h->len = 0;
	h->count = 0;
	if (m <= 0x7f) {
		h->type = MP_UINT;
		h->u = m;
		return 0;
	}
	if (m >= 0xe0) {
		h->type = MP_INT;
		h->i = (int8_t)m;
		return 0;
	}
	if (m <= 0x8f || (m >= 0x90 && m <= 0x9f)) {
		h->type = m <= 0x8f ? MP_MAP : MP_ARRAY;
		return container(r, at, h, m & 0x0f, h->type == MP_MAP);
	}
	if (m <= 0xbf) {
		h->type = MP_STR;
		return payload(r, at, h, m & 0x1f);
	}
	switch (m) {
	case 0xc0:
		h->type = MP_NIL;
		return 0;
	case 0xc1:
		return fail(r, ST_EMALFORMED, at, "the never-used marker 0xc1");
	case 0xc2:
	case 0xc3:
		h->type = MP_BOOL;
		h->b = m == 0xc3;
		return 0;
	default:
		break;
	}
	need = extra[m - 0xc4];
	if (need > r->n - at - 1)
		return trunc_at(r, at);
	h->hlen = 1 + need;
	switch (m) {
	case 0xc4:
	case 0xc5:
	case 0xc6:
		h->type = MP_BIN;
		return payload(r, at, h, (size_t)be(p + 1, need));
	case 0xc7:
	case 0xc8:
	case 0xc9:
		h->type = MP_EXT;
		h->ext = (int8_t)p[need];
		return payload(r, at, h, (size_t)be(p + 1, need - 1));
	case 0xca:
		h->type = MP_FLOAT32;
		f32.u = (uint32_t)be(p + 1, 4);
		h->d = f32.f;
		return 0;
	case 0xcb:
		h->type = MP_FLOAT64;
		f64.u = be(p + 1, 8);
		h->d = f64.d;
		return 0;
	case 0xcc:
	case 0xcd:
	case 0xce:
	case 0xcf:
		h->type = MP_UINT;
		h->u = be(p + 1, need);
		return 0;
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3: {
		/* Sign-extend from need bytes. */
		uint64_t u = be(p + 1, need);
		int64_t v;

		if (need < 8 && (u >> (need * 8 - 1)) & 1)
			u |= ~(uint64_t)0 << (need * 8);
		v = (int64_t)u;
		if (v >= 0) {
			h->type = MP_UINT;
			h->u = (uint64_t)v;
		} else {
			h->type = MP_INT;
			h->i = v;
		}
		return 0;
	}
	case 0xd4:
	case 0xd5:
	case 0xd6:
	case 0xd7:
	case 0xd8:
		h->type = MP_EXT;
		h->ext = (int8_t)p[1];
		h->hlen = 2;
		h->len = need - 1;
		return 0;
	case 0xd9:
	case 0xda:
	case 0xdb:
		h->type = MP_STR;
		return payload(r, at, h, (size_t)be(p + 1, need));
	case 0xdc:
	case 0xdd:
		h->type = MP_ARRAY;
		return container(r, at, h, be(p + 1, need), false);
	default: /* 0xde, 0xdf */
		h->type = MP_MAP;
		return container(r, at, h, be(p + 1, need), true);
	}
}

void mp_reader_init(mp_reader *r, const void *p, size_t n)
{
	r->p = p;
	r->n = p ? n : 0;
	r->pos = 0;
	r->err_pos = 0;
	r->msg[0] = '\0';
}

size_t mp_reader_left(const mp_reader *r)
{
	return r->n - r->pos;
}

int mp_peek(mp_reader *r, mp_type *out)
{
	hdr h;
	int rc = head(r, r->pos, &h);

	if (rc < 0)
		return rc;
	*out = h.type;
	return 0;
}

/* Decodes the next header and checks its type is want (named wname). */
static int next(mp_reader *r, hdr *h, mp_type want, const char *wname)
{
	int rc = head(r, r->pos, h);

	if (rc < 0)
		return rc;
	if (h->type != want)
		return mismatch(r, r->pos, wname, h->type);
	return 0;
}

static void commit(mp_reader *r, const hdr *h)
{
	r->pos += h->hlen + h->len;
}

int mp_read_nil(mp_reader *r)
{
	hdr h;
	int rc = next(r, &h, MP_NIL, "nil");

	if (rc < 0)
		return rc;
	commit(r, &h);
	return 0;
}

int mp_read_bool(mp_reader *r, bool *out)
{
	hdr h;
	int rc = next(r, &h, MP_BOOL, "bool");

	if (rc < 0)
		return rc;
	*out = h.b;
	commit(r, &h);
	return 0;
}

int mp_read_int(mp_reader *r, int64_t *out)
{
	hdr h;
	int rc = head(r, r->pos, &h);

	if (rc < 0)
		return rc;
	if (h.type == MP_INT) {
		*out = h.i;
	} else if (h.type == MP_UINT) {
		if (h.u > (uint64_t)INT64_MAX)
			return fail(r, ST_EMALFORMED, r->pos, "integer out of range");
		*out = (int64_t)h.u;
	} else {
		return mismatch(r, r->pos, "integer", h.type);
	}
	commit(r, &h);
	return 0;
}

int mp_read_uint(mp_reader *r, uint64_t *out)
{
	hdr h;
	int rc = head(r, r->pos, &h);

	if (rc < 0)
		return rc;
	if (h.type != MP_UINT)
		return mismatch(r, r->pos, "unsigned integer", h.type);
	*out = h.u;
	commit(r, &h);
	return 0;
}

int mp_read_double(mp_reader *r, double *out)
{
	hdr h;
	int rc = head(r, r->pos, &h);

	if (rc < 0)
		return rc;
	if (h.type != MP_FLOAT32 && h.type != MP_FLOAT64)
		return mismatch(r, r->pos, "float", h.type);
	*out = h.d;
	commit(r, &h);
	return 0;
}

int mp_read_str(mp_reader *r, const char **s, size_t *len)
{
	hdr h;
	int rc = next(r, &h, MP_STR, "str");

	if (rc < 0)
		return rc;
	*s = (const char *)r->p + r->pos + h.hlen;
	*len = h.len;
	commit(r, &h);
	return 0;
}

int mp_read_bin(mp_reader *r, const uint8_t **p, size_t *len)
{
	hdr h;
	int rc = next(r, &h, MP_BIN, "bin");

	if (rc < 0)
		return rc;
	*p = r->p + r->pos + h.hlen;
	*len = h.len;
	commit(r, &h);
	return 0;
}

int mp_read_array(mp_reader *r, uint32_t *count)
{
	hdr h;
	int rc = next(r, &h, MP_ARRAY, "array");

	if (rc < 0)
		return rc;
	*count = h.count;
	commit(r, &h);
	return 0;
}

int mp_read_map(mp_reader *r, uint32_t *count)
{
	hdr h;
	int rc = next(r, &h, MP_MAP, "map");

	if (rc < 0)
		return rc;
	*count = h.count;
	commit(r, &h);
	return 0;
}

int mp_read_ext(mp_reader *r, int8_t *type, const uint8_t **p, size_t *len)
{
	hdr h;
	int rc = next(r, &h, MP_EXT, "ext");

	if (rc < 0)
		return rc;
	*type = h.ext;
	*p = r->p + r->pos + h.hlen;
	*len = h.len;
	commit(r, &h);
	return 0;
}

int mp_skip(mp_reader *r)
{
	/* left[d]: values still to skip at nesting level d (0 = top level). */
	uint64_t left[MP_MAX_DEPTH + 1];
	size_t pos = r->pos;
	int d = 0;
	hdr h;
	int rc;

	left[0] = 1;
	for (;;) {
		while (left[d] == 0) {
			if (d == 0) {
				r->pos = pos;
				return 0;
			}
			d--;
		}
		left[d]--;
		rc = head(r, pos, &h);
		if (rc < 0)
			return rc;
		if (h.type == MP_ARRAY || h.type == MP_MAP) {
			if (d == MP_MAX_DEPTH)
				return fail(r, ST_EMALFORMED, pos,
				            "nesting deeper than 128 levels");
			left[++d] = h.type == MP_MAP ? 2 * (uint64_t)h.count : h.count;
		}
		pos += h.hlen + h.len;
	}
}

bool mp_str_eq(const char *s, size_t len, const char *lit)
{
	size_t k;

	for (k = 0; k < len; k++)
		if (lit[k] == '\0' || lit[k] != s[k])
			return false;
	return lit[k] == '\0';
}

/* ---- Writer ----------------------------------------------------------- */

void mp_writer_init(mp_writer *w, size_t max, mp_realloc_cb hook, void *ud)
{
	w->p = NULL;
	w->n = 0;
	w->cap = 0;
	w->max = max;
	w->err = 0;
	w->realloc_cb = hook;
	w->ud = ud;
}

void mp_writer_deinit(mp_writer *w)
{
	if (w->p)
		w->realloc_cb(w->p, 0, w->ud);
	mp_writer_init(w, w->max, w->realloc_cb, w->ud);
}

void mp_writer_reset(mp_writer *w)
{
	w->n = 0;
	w->err = 0;
}

int mp_writer_status(const mp_writer *w)
{
	return w->err;
}

uint8_t *mp_writer_detach(mp_writer *w, size_t *len)
{
	uint8_t *p = w->p;

	*len = w->n;
	mp_writer_init(w, w->max, w->realloc_cb, w->ud);
	return p;
}

/* Makes room for extra bytes; sticky failure. */
static int reserve(mp_writer *w, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (w->err)
		return w->err;
	if (extra > w->max || w->n > w->max - extra)
		return w->err = ST_ETOOBIG;
	need = w->n + extra;
	if (need <= w->cap)
		return 0;
	cap = w->cap ? w->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > w->max)
		cap = w->max;
	p = w->realloc_cb(w->p, cap, w->ud);
	if (!p)
		return w->err = ST_ENOMEM;
	w->p = p;
	w->cap = cap;
	return 0;
}

/* Writes marker m followed by the low nbytes bytes of v, big-endian (room reserved). */
static void put(mp_writer *w, uint8_t m, uint64_t v, size_t nbytes)
{
	w->p[w->n++] = m;
	for (size_t k = nbytes; k > 0; k--)
		w->p[w->n++] = (uint8_t)(v >> ((k - 1) * 8));
}

/* A header (marker + nbytes of v) followed by len payload bytes, all or nothing. */
static int header_payload(mp_writer *w, uint8_t m, uint64_t v, size_t nbytes, const void *data,
                          size_t len)
{
	int rc;

	if (len > SIZE_MAX - 1 - nbytes)
		return w->err ? w->err : (w->err = ST_ETOOBIG);
	rc = reserve(w, 1 + nbytes + len);
	if (rc < 0)
		return rc;
	put(w, m, v, nbytes);
	if (len > 0) {
		mp_memcpy(w->p + w->n, data, len);
		w->n += len;
	}
	return 0;
}

static int header(mp_writer *w, uint8_t m, uint64_t v, size_t nbytes)
{
	return header_payload(w, m, v, nbytes, NULL, 0);
}

int mp_write_nil(mp_writer *w)
{
	return header(w, 0xc0, 0, 0);
}

int mp_write_bool(mp_writer *w, bool v)
{
	return header(w, v ? 0xc3 : 0xc2, 0, 0);
}

int mp_write_uint(mp_writer *w, uint64_t v)
{
	if (v <= 0x7f)
		return header(w, (uint8_t)v, 0, 0);
	if (v <= 0xff)
		return header(w, 0xcc, v, 1);
	if (v <= 0xffff)
		return header(w, 0xcd, v, 2);
	if (v <= 0xffffffff)
		return header(w, 0xce, v, 4);
	return header(w, 0xcf, v, 8);
}

int mp_write_int(mp_writer *w, int64_t v)
{
	if (v >= 0)
		return mp_write_uint(w, (uint64_t)v);
	if (v >= -32)
		return header(w, (uint8_t)(int8_t)v, 0, 0);
	if (v >= INT8_MIN)
		return header(w, 0xd0, (uint64_t)v, 1);
	if (v >= INT16_MIN)
		return header(w, 0xd1, (uint64_t)v, 2);
	if (v >= INT32_MIN)
		return header(w, 0xd2, (uint64_t)v, 4);
	return header(w, 0xd3, (uint64_t)v, 8);
}

int mp_write_float(mp_writer *w, float v)
{
	union {
		float f;
		uint32_t u;
	} x;

	x.f = v;
	return header(w, 0xca, x.u, 4);
}

int mp_write_double(mp_writer *w, double v)
{
	union {
		double d;
		uint64_t u;
	} x;

	x.d = v;
	return header(w, 0xcb, x.u, 8);
}

/* Length-prefixed payloads: the 8-bit form's marker is m8, 16 and 32 follow it. */
static int sized(mp_writer *w, uint8_t m8, const void *p, size_t len)
{
	if (len <= 0xff)
		return header_payload(w, m8, len, 1, p, len);
	if (len <= 0xffff)
		return header_payload(w, m8 + 1, len, 2, p, len);
	if ((uint64_t)len <= 0xffffffff)
		return header_payload(w, m8 + 2, len, 4, p, len);
	return w->err ? w->err : (w->err = ST_ETOOBIG);
}

int mp_write_str(mp_writer *w, const char *s, size_t len)
{
	if (len <= 31)
		return header_payload(w, (uint8_t)(0xa0 | len), 0, 0, s, len);
	return sized(w, 0xd9, s, len);
}

int mp_write_cstr(mp_writer *w, const char *s)
{
	size_t len = 0;

	if (!s)
		s = "";
	while (s[len])
		len++;
	return mp_write_str(w, s, len);
}

int mp_write_bin(mp_writer *w, const void *p, size_t len)
{
	return sized(w, 0xc4, p, len);
}

int mp_write_array(mp_writer *w, uint32_t count)
{
	if (count <= 15)
		return header(w, (uint8_t)(0x90 | count), 0, 0);
	if (count <= 0xffff)
		return header(w, 0xdc, count, 2);
	return header(w, 0xdd, count, 4);
}

int mp_write_map(mp_writer *w, uint32_t count)
{
	if (count <= 15)
		return header(w, (uint8_t)(0x80 | count), 0, 0);
	if (count <= 0xffff)
		return header(w, 0xde, count, 2);
	return header(w, 0xdf, count, 4);
}

int mp_write_ext(mp_writer *w, int8_t type, const void *p, size_t len)
{
	uint8_t t = (uint8_t)type;

	switch (len) {
	case 1:
		return header_payload(w, 0xd4, t, 1, p, len);
	case 2:
		return header_payload(w, 0xd5, t, 1, p, len);
	case 4:
		return header_payload(w, 0xd6, t, 1, p, len);
	case 8:
		return header_payload(w, 0xd7, t, 1, p, len);
	case 16:
		return header_payload(w, 0xd8, t, 1, p, len);
	default:
		break;
	}
	/* ext 8/16/32: the length field, then the type byte. */
	if (len <= 0xff)
		return header_payload(w, 0xc7, (uint64_t)len << 8 | t, 2, p, len);
	if (len <= 0xffff)
		return header_payload(w, 0xc8, (uint64_t)len << 8 | t, 3, p, len);
	if ((uint64_t)len <= 0xffffffff)
		return header_payload(w, 0xc9, (uint64_t)len << 8 | t, 5, p, len);
	return w->err ? w->err : (w->err = ST_ETOOBIG);
}

int mp_write_raw(mp_writer *w, const void *p, size_t len)
{
	int rc;

	if (len == 0)
		return w->err;
	rc = reserve(w, len);
	if (rc < 0)
		return rc;
	mp_memcpy(w->p + w->n, p, len);
	w->n += len;
	return 0;
}
