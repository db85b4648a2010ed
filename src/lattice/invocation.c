/*
 * invocation.c - the Invocation / InvocationResponse msgpack envelope and
 * its anti-forgery helpers (see invocation.h; lattice.md §4).
 *
 * Decoding is two passes over the borrowed input. The first walks the map
 * once, checking every type and remembering where each known field's
 * bytes are (later duplicates win, unknown keys are skipped). The second
 * sizes one arena block for every string, the payload and the traceContext
 * table, and copies them in, so a decoded struct is one allocation that
 * outlives the NATS message it came from.
 */
#include "lattice/invocation.h"

#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#include "core/hex.h"
#include "core/mem.h"
#include "core/banned.h"

/* Upper bound on traceContext entries we keep (more is malformed). */
#define INV_MAX_TRACE 64

/* ---- Entities ---------------------------------------------------------- */

static const char *nz(const char *s)
{
	return s ? s : "";
}

static claims_entity to_claims_entity(const inv_entity *e)
{
	claims_entity c = { e->public_key, e->contract_id, e->link_name };

	return c;
}

char *inv_entity_url(const inv_entity *e)
{
	claims_entity c = to_claims_entity(e);

	return claims_entity_url(&c);
}

char *inv_entity_subject(const inv_entity *e, const char *prefix)
{
	static const char head[] = "wasmbus.rpc.";
	const char *pk = nz(e->public_key), *link = nz(e->link_name);
	size_t np = strlen(nz(prefix)), nk = strlen(pk), nl = strlen(link);
	size_t o = sizeof(head) - 1;
	char *s = xmalloc(sizeof(head) + np + 1 + nk + 1 + nl);

	memcpy(s, head, o);
	memcpy(s + o, nz(prefix), np);
	o += np;
	s[o++] = '.';
	memcpy(s + o, pk, nk);
	o += nk;
	if (nl > 0) {
		s[o++] = '.';
		memcpy(s + o, link, nl);
		o += nl;
	}
	s[o] = '\0';
	return s;
}

bool inv_entity_is_actor(const inv_entity *e)
{
	return nz(e->link_name)[0] == '\0' && nz(e->contract_id)[0] == '\0';
}

void inv_id_generate(char out[INV_ID_LEN + 1])
{
	uint8_t b[INV_ID_LEN / 2];

	if (sodium_init() < 0)
		ST_BUG("libsodium failed to initialise");
	randombytes_buf(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	st_hex_lower(b, sizeof(b), out);
	out[INV_ID_LEN] = '\0';
}

/* ---- Encoding ----------------------------------------------------------- */

static void write_kv_str(mp_writer *w, const char *key, const char *value)
{
	mp_write_cstr(w, key);
	mp_write_cstr(w, value);
}

static void write_entity(mp_writer *w, const char *key, const inv_entity *e)
{
	mp_write_cstr(w, key);
	mp_write_map(w, 3);
	write_kv_str(w, "public_key", e->public_key);
	write_kv_str(w, "link_name", e->link_name);
	write_kv_str(w, "contract_id", e->contract_id);
}

static int writer_result(const mp_writer *w, const char *what, st_err *err)
{
	int rc = mp_writer_status(w);

	if (rc < 0)
		return st_err_set(err, rc, "encoding %s: %s", what, st_strerror(rc));
	return 0;
}

int inv_invocation_encode(const inv_invocation *inv, mp_writer *w, st_err *err)
{
	uint32_t nkeys = 7 + (inv->has_content_length ? 1 : 0) + (inv->has_trace_context ? 1 : 0);

	mp_write_map(w, nkeys);
	write_entity(w, "origin", &inv->origin);
	write_entity(w, "target", &inv->target);
	write_kv_str(w, "operation", inv->operation);
	mp_write_cstr(w, "msg");
	mp_write_bin(w, inv->msg.p, inv->msg.n);
	write_kv_str(w, "id", inv->id);
	write_kv_str(w, "encoded_claims", inv->encoded_claims);
	write_kv_str(w, "host_id", inv->host_id);
	if (inv->has_content_length) {
		mp_write_cstr(w, "content_length");
		mp_write_uint(w, inv->content_length);
	}
	if (inv->has_trace_context) {
		mp_write_cstr(w, "traceContext");
		mp_write_map(w, (uint32_t)inv->ntrace);
		for (size_t k = 0; k < inv->ntrace; k++)
			write_kv_str(w, inv->trace[k].key, inv->trace[k].value);
	}
	return writer_result(w, "invocation", err);
}

int inv_response_encode(const inv_response *r, mp_writer *w, st_err *err)
{
	uint32_t nkeys =
		2 + (r->error ? 1 : 0) + (r->instance_id ? 1 : 0) + (r->has_content_length ? 1 : 0);

	mp_write_map(w, nkeys);
	mp_write_cstr(w, "msg");
	mp_write_bin(w, r->msg.p, r->msg.n);
	write_kv_str(w, "invocation_id", r->invocation_id);
	if (r->error)
		write_kv_str(w, "error", r->error);
	if (r->instance_id)
		write_kv_str(w, "instance_id", r->instance_id);
	if (r->has_content_length) {
		mp_write_cstr(w, "content_length");
		mp_write_uint(w, r->content_length);
	}
	return writer_result(w, "invocation response", err);
}

/* ---- Decoding, pass 1: locate the fields ---------------------------------- */

/* A string field in the input (borrowed). set: the key was present and not nil. */
typedef struct span {
	const char *s;
	size_t n;
	bool set;
} span;

/* The payload in the input: a byte run, or an array of count byte values at pos. */
typedef struct payload {
	const uint8_t *p;
	size_t n;
	bool array;
	size_t pos;
} payload;

static int field_error(const mp_reader *r, int rc, const char *field, st_err *err)
{
	return st_err_setat(err, rc, (int64_t)r->err_pos, "%s: msgpack: %s", field,
	                    r->msg[0] ? r->msg : st_strerror(rc));
}

/* True (and consumed) when the next value is nil. */
static bool take_nil(mp_reader *r)
{
	mp_type t;

	return mp_peek(r, &t) == 0 && t == MP_NIL && mp_read_nil(r) == 0;
}

/* A str (or nil, which leaves *out unset) without NUL bytes. */
static int read_span(mp_reader *r, const char *field, span *out, st_err *err)
{
	size_t at = r->pos;
	int rc;

	if (take_nil(r)) {
		out->set = false;
		return 0;
	}
	rc = mp_read_str(r, &out->s, &out->n);
	if (rc < 0)
		return field_error(r, rc, field, err);
	if (memchr(out->s, '\0', out->n))
		return st_err_setat(err, ST_EMALFORMED, (int64_t)at, "%s: string holds a NUL byte",
		                    field);
	out->set = true;
	return 0;
}

/* msg as bin, str, an array of byte values, or nil (empty). */
static int read_payload(mp_reader *r, payload *out, st_err *err)
{
	const char *s;
	uint32_t count;
	uint64_t b;
	mp_type t;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mp_peek(r, &t);
	if (rc < 0)
		return field_error(r, rc, "msg", err);
	switch (t) {
	case MP_NIL:
		return take_nil(r) ? 0 : field_error(r, ST_EMALFORMED, "msg", err);
	case MP_BIN:
		rc = mp_read_bin(r, &out->p, &out->n);
		break;
	case MP_STR:
		rc = mp_read_str(r, &s, &out->n);
		out->p = (const uint8_t *)s;
		break;
	case MP_ARRAY:
		rc = mp_read_array(r, &count);
		if (rc < 0)
			break;
		out->array = true;
		out->pos = r->pos;
		out->n = count;
		for (uint32_t k = 0; k < count; k++) {
			size_t at = r->pos;

			rc = mp_read_uint(r, &b);
			if (rc < 0)
				break;
			if (b > 0xff)
				return st_err_setat(err, ST_EMALFORMED, (int64_t)at,
				                    "msg: array element %" PRIu64 " is not a byte",
				                    b);
		}
		break;
	default:
		return st_err_setat(err, ST_EMALFORMED, (int64_t)r->pos,
		                    "msg: expected bin, str or array, found %s", mp_type_name(t));
	}
	return rc < 0 ? field_error(r, rc, "msg", err) : 0;
}

/* An optional uint (nil = absent). */
static int read_opt_uint(mp_reader *r, const char *field, bool *has, uint64_t *out, st_err *err)
{
	int rc;

	if (take_nil(r)) {
		*has = false;
		return 0;
	}
	rc = mp_read_uint(r, out);
	if (rc < 0)
		return field_error(r, rc, field, err);
	*has = true;
	return 0;
}

/*
 * Reads a map key. Returns 1 with the key when it is a str, 0 after
 * skipping a key of another type (the caller then skips the value).
 */
static int read_key(mp_reader *r, const char *what, const char **k, size_t *n, st_err *err)
{
	mp_type t;
	int rc = mp_peek(r, &t);

	if (rc == 0 && t == MP_STR)
		rc = mp_read_str(r, k, n);
	else if (rc == 0)
		rc = mp_skip(r);
	if (rc < 0)
		return field_error(r, rc, what, err);
	return t == MP_STR;
}

static int skip_value(mp_reader *r, const char *what, st_err *err)
{
	int rc = mp_skip(r);

	return rc < 0 ? field_error(r, rc, what, err) : 0;
}

/* The header of a map, or nil (count 0). */
static int read_map_or_nil(mp_reader *r, const char *what, uint32_t *count, st_err *err)
{
	int rc;

	if (take_nil(r)) {
		*count = 0;
		return 0;
	}
	rc = mp_read_map(r, count);
	return rc < 0 ? field_error(r, rc, what, err) : 0;
}

typedef struct ent_spans {
	span public_key, link_name, contract_id;
} ent_spans;

static int read_entity(mp_reader *r, const char *what, ent_spans *e, st_err *err)
{
	uint32_t n;
	const char *k;
	size_t kn;
	int rc = read_map_or_nil(r, what, &n, err);

	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		rc = read_key(r, what, &k, &kn, err);
		if (rc < 0)
			break;
		if (rc == 0)
			rc = skip_value(r, what, err);
		else if (mp_str_eq(k, kn, "public_key"))
			rc = read_span(r, "public_key", &e->public_key, err);
		else if (mp_str_eq(k, kn, "link_name"))
			rc = read_span(r, "link_name", &e->link_name, err);
		else if (mp_str_eq(k, kn, "contract_id"))
			rc = read_span(r, "contract_id", &e->contract_id, err);
		else
			rc = skip_value(r, what, err);
	}
	return rc;
}

/* traceContext: a str -> str map (nil = absent); remembers where it is. */
static int read_trace(mp_reader *r, size_t *pos, uint32_t *count, bool *has, st_err *err)
{
	span v;
	const char *k;
	size_t kn;
	uint32_t n;
	int rc;

	*has = false;
	if (take_nil(r))
		return 0;
	rc = read_map_or_nil(r, "traceContext", &n, err);
	if (rc < 0)
		return rc;
	if (n > INV_MAX_TRACE)
		return st_err_setat(err, ST_EMALFORMED, (int64_t)r->pos,
		                    "traceContext: more than %d entries", INV_MAX_TRACE);
	*pos = r->pos;
	*count = n;
	*has = true;
	for (uint32_t i = 0; i < n; i++) {
		rc = read_key(r, "traceContext", &k, &kn, err);
		if (rc == 0)
			rc = st_err_setat(err, ST_EMALFORMED, (int64_t)r->pos,
			                  "traceContext: a key is not a str");
		if (rc < 0)
			return rc;
		if (memchr(k, '\0', kn))
			return st_err_setat(err, ST_EMALFORMED, (int64_t)r->pos,
			                    "traceContext: key holds a NUL byte");
		rc = read_span(r, "traceContext", &v, err);
		if (rc < 0)
			return rc;
		if (!v.set)
			return st_err_setat(err, ST_EMALFORMED, (int64_t)r->pos,
			                    "traceContext: a value is nil");
	}
	return 0;
}

/* ---- Decoding, pass 2: copy into one arena ---------------------------------- */

typedef struct block {
	uint8_t *p;
	size_t n, cap;
} block;

static size_t span_need(span s)
{
	return s.set ? s.n + 1 : 1;
}

/* Copies s (or "" when unset) with a NUL; room was reserved. */
static const char *arena_str(block *a, const char *s, size_t n)
{
	char *d = (char *)a->p + a->n;

	if (n > 0)
		memcpy(d, s, n);
	d[n] = '\0';
	a->n += n + 1;
	return d;
}

static const char *arena_span(block *a, span s)
{
	return s.set ? arena_str(a, s.s, s.n) : arena_str(a, "", 0);
}

/* Copies the payload (the array form converted to bytes) and returns its slice. */
static st_slice arena_payload(block *a, const payload *pl, const uint8_t *in, size_t len)
{
	uint8_t *d = a->p + a->n;
	mp_reader r;
	uint64_t b;

	if (pl->array) {
		mp_reader_init(&r, in, len);
		r.pos = pl->pos;
		for (size_t k = 0; k < pl->n; k++) {
			if (mp_read_uint(&r, &b) < 0)
				ST_BUG("msg array changed between passes");
			d[k] = (uint8_t)b;
		}
	} else if (pl->n > 0) {
		memcpy(d, pl->p, pl->n);
	}
	a->n += pl->n;
	return st_slice_make(pl->n ? d : NULL, pl->n);
}

static int arena_alloc(block *a, size_t need, st_err *err)
{
	a->p = st_malloc(need ? need : 1);
	a->n = 0;
	a->cap = need;
	if (!a->p)
		return st_err_set(err, ST_ENOMEM, "out of memory decoding an invocation");
	return 0;
}

/* ---- Invocation --------------------------------------------------------- */

void inv_invocation_init(inv_invocation *inv)
{
	memset(inv, 0, sizeof(*inv));
}

void inv_invocation_deinit(inv_invocation *inv)
{
	if (!inv)
		return;
	st_free(inv->arena);
	st_free(inv->claims);
	inv_invocation_init(inv);
}

/* Everything pass 1 found in an Invocation. */
typedef struct inv_spans {
	ent_spans origin, target;
	span operation, id, encoded_claims, host_id;
	payload msg;
	bool has_content_length;
	uint64_t content_length;
	bool has_trace;
	size_t trace_pos;
	uint32_t ntrace;
} inv_spans;

static int inv_locate(mp_reader *r, inv_spans *f, st_err *err)
{
	const char *k;
	size_t kn;
	uint32_t n;
	int rc;

	rc = mp_read_map(r, &n);
	if (rc < 0)
		return field_error(r, rc, "invocation", err);
	for (uint32_t i = 0; i < n; i++) {
		rc = read_key(r, "invocation", &k, &kn, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			rc = skip_value(r, "invocation", err);
		else if (mp_str_eq(k, kn, "origin"))
			rc = read_entity(r, "origin", &f->origin, err);
		else if (mp_str_eq(k, kn, "target"))
			rc = read_entity(r, "target", &f->target, err);
		else if (mp_str_eq(k, kn, "operation"))
			rc = read_span(r, "operation", &f->operation, err);
		else if (mp_str_eq(k, kn, "msg"))
			rc = read_payload(r, &f->msg, err);
		else if (mp_str_eq(k, kn, "id"))
			rc = read_span(r, "id", &f->id, err);
		else if (mp_str_eq(k, kn, "encoded_claims"))
			rc = read_span(r, "encoded_claims", &f->encoded_claims, err);
		else if (mp_str_eq(k, kn, "host_id"))
			rc = read_span(r, "host_id", &f->host_id, err);
		else if (mp_str_eq(k, kn, "content_length"))
			rc = read_opt_uint(r, "content_length", &f->has_content_length,
			                   &f->content_length, err);
		else if (mp_str_eq(k, kn, "traceContext"))
			rc = read_trace(r, &f->trace_pos, &f->ntrace, &f->has_trace, err);
		else
			rc = skip_value(r, "invocation", err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Copies the traceContext entries (validated in pass 1) into the arena. */
static void arena_trace(block *a, inv_kv *kv, const inv_spans *f, const uint8_t *in, size_t len)
{
	mp_reader r;
	const char *s;
	size_t n;

	mp_reader_init(&r, in, len);
	r.pos = f->trace_pos;
	for (uint32_t i = 0; i < f->ntrace; i++) {
		if (mp_read_str(&r, &s, &n) < 0)
			ST_BUG("traceContext changed between passes");
		kv[i].key = arena_str(a, s, n);
		if (mp_read_str(&r, &s, &n) < 0)
			ST_BUG("traceContext changed between passes");
		kv[i].value = arena_str(a, s, n);
	}
}

/* Bytes the traceContext strings need (keys and values with NULs). */
static size_t trace_need(const inv_spans *f, const uint8_t *in, size_t len)
{
	size_t need = 0, n;
	const char *s;
	mp_reader r;

	mp_reader_init(&r, in, len);
	r.pos = f->trace_pos;
	for (uint32_t i = 0; i < 2 * f->ntrace; i++) {
		if (mp_read_str(&r, &s, &n) < 0)
			ST_BUG("traceContext changed between passes");
		need += n + 1;
	}
	return need;
}

int inv_invocation_decode(inv_invocation *inv, const uint8_t *p, size_t len, st_err *err)
{
	const span *strs[9];
	inv_spans f;
	mp_reader r;
	block a = { 0 };
	inv_kv *kv;
	size_t need;
	int rc;

	inv_invocation_deinit(inv);
	memset(&f, 0, sizeof(f));
	mp_reader_init(&r, p, len);
	rc = inv_locate(&r, &f, err);
	if (rc < 0)
		return rc;

	strs[0] = &f.origin.public_key;
	strs[1] = &f.origin.link_name;
	strs[2] = &f.origin.contract_id;
	strs[3] = &f.target.public_key;
	strs[4] = &f.target.link_name;
	strs[5] = &f.target.contract_id;
	strs[6] = &f.operation;
	strs[7] = &f.id;
	strs[8] = &f.encoded_claims;
	need = f.ntrace * sizeof(inv_kv) + f.msg.n + span_need(f.host_id);
	for (size_t k = 0; k < 9; k++)
		need += span_need(*strs[k]);
	if (f.has_trace)
		need += trace_need(&f, p, len);
	rc = arena_alloc(&a, need, err);
	if (rc < 0)
		return rc;

	/* The kv table first: the block is suitably aligned for it. */
	kv = (inv_kv *)(void *)a.p;
	a.n = f.ntrace * sizeof(inv_kv);
	inv->msg = arena_payload(&a, &f.msg, p, len);
	inv->origin.public_key = arena_span(&a, f.origin.public_key);
	inv->origin.link_name = arena_span(&a, f.origin.link_name);
	inv->origin.contract_id = arena_span(&a, f.origin.contract_id);
	inv->target.public_key = arena_span(&a, f.target.public_key);
	inv->target.link_name = arena_span(&a, f.target.link_name);
	inv->target.contract_id = arena_span(&a, f.target.contract_id);
	inv->operation = arena_span(&a, f.operation);
	inv->id = arena_span(&a, f.id);
	inv->encoded_claims = arena_span(&a, f.encoded_claims);
	inv->host_id = arena_span(&a, f.host_id);
	inv->has_content_length = f.has_content_length;
	inv->content_length = f.content_length;
	if (f.has_trace) {
		arena_trace(&a, kv, &f, p, len);
		inv->has_trace_context = true;
		inv->trace = f.ntrace ? kv : NULL;
		inv->ntrace = f.ntrace;
	}
	if (a.n != a.cap)
		ST_BUG("invocation arena: used %zu of %zu bytes", a.n, a.cap);
	inv->arena = a.p;
	return 0;
}

static claims_invocation to_claims_invocation(const inv_invocation *inv)
{
	claims_invocation c = {
		.id = inv->id,
		.origin = to_claims_entity(&inv->origin),
		.target = to_claims_entity(&inv->target),
		.operation = nz(inv->operation),
		.payload = inv->msg.p,
		.len = inv->msg.n,
		.host_id = inv->host_id,
	};

	return c;
}

int inv_invocation_sign(inv_invocation *inv, const nkey *cluster, st_err *err)
{
	claims_invocation c = to_claims_invocation(inv);
	char *token = NULL;
	int rc;

	rc = claims_invocation_sign(&c, cluster, &token, err);
	if (rc < 0)
		return rc;
	st_free(inv->claims);
	inv->claims = token;
	inv->encoded_claims = token;
	return 0;
}

int inv_invocation_verify(const inv_invocation *inv, const char *const *cluster_issuers,
                          int64_t now, claims *out, st_err *err)
{
	claims_invocation c = to_claims_invocation(inv);
	const char *tok = nz(inv->encoded_claims);
	char reason[ST_ERR_MSG_MAX];
	int rc, kind;

	/* The OTP host skips the hash of an empty (chunked) msg. */
	if (inv->msg.n == 0)
		c.payload = NULL;
	c.host_id = nz(inv->host_id);
	rc = claims_invocation_verify(&c, tok, strlen(tok), cluster_issuers, now, out, err);
	if (rc < 0 && err) {
		kind = err->kind;
		memcpy(reason, err->msg, sizeof(reason));
		st_err_set(err, rc, "%s%s", INV_ERR_ANTIFORGERY_PREFIX, reason);
		err->kind = kind;
	}
	return rc;
}

/* ---- InvocationResponse ------------------------------------------------- */

void inv_response_init(inv_response *r)
{
	memset(r, 0, sizeof(*r));
}

void inv_response_deinit(inv_response *r)
{
	if (!r)
		return;
	st_free(r->arena);
	inv_response_init(r);
}

void inv_response_set_ok(inv_response *r, const char *invocation_id, const void *msg, size_t len)
{
	void *arena = r->arena;

	inv_response_init(r);
	r->arena = arena;
	r->msg = st_slice_make(msg, len);
	r->invocation_id = invocation_id;
	r->has_content_length = true;
	r->content_length = len;
}

void inv_response_set_error(inv_response *r, const char *invocation_id, const char *error)
{
	void *arena = r->arena;

	inv_response_init(r);
	r->arena = arena;
	r->invocation_id = invocation_id;
	r->error = nz(error);
	r->has_content_length = true;
	r->content_length = 0;
}

int inv_response_decode(inv_response *r, const uint8_t *p, size_t len, st_err *err)
{
	span id = { 0 }, error = { 0 }, instance = { 0 };
	bool has_cl = false;
	uint64_t cl = 0;
	payload msg;
	mp_reader rd;
	block a = { 0 };
	const char *k;
	size_t kn;
	uint32_t n;
	int rc;

	inv_response_deinit(r);
	memset(&msg, 0, sizeof(msg));
	mp_reader_init(&rd, p, len);
	rc = mp_read_map(&rd, &n);
	if (rc < 0)
		return field_error(&rd, rc, "invocation response", err);
	for (uint32_t i = 0; i < n; i++) {
		rc = read_key(&rd, "invocation response", &k, &kn, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			rc = skip_value(&rd, "invocation response", err);
		else if (mp_str_eq(k, kn, "msg"))
			rc = read_payload(&rd, &msg, err);
		else if (mp_str_eq(k, kn, "invocation_id"))
			rc = read_span(&rd, "invocation_id", &id, err);
		else if (mp_str_eq(k, kn, "error"))
			rc = read_span(&rd, "error", &error, err);
		else if (mp_str_eq(k, kn, "instance_id"))
			rc = read_span(&rd, "instance_id", &instance, err);
		else if (mp_str_eq(k, kn, "content_length"))
			rc = read_opt_uint(&rd, "content_length", &has_cl, &cl, err);
		else
			rc = skip_value(&rd, "invocation response", err);
		if (rc < 0)
			return rc;
	}
	rc = arena_alloc(&a,
	                 msg.n + span_need(id) + (error.set ? span_need(error) : 0) +
	                         (instance.set ? span_need(instance) : 0),
	                 err);
	if (rc < 0)
		return rc;
	r->msg = arena_payload(&a, &msg, p, len);
	r->invocation_id = arena_span(&a, id);
	r->error = error.set ? arena_span(&a, error) : NULL;
	r->instance_id = instance.set ? arena_span(&a, instance) : NULL;
	r->has_content_length = has_cl;
	r->content_length = cl;
	r->arena = a.p;
	return 0;
}
