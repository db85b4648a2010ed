/*
 * decode.c - the binary decoder and module-level validator.
 *
 * wm_module_new copies the input, decodes every section in one pass into
 * struct wm_module (wm_int.h), checks everything outside function bodies
 * (index spaces, limits, constant expressions, segments, exports, start)
 * and hands the bodies to wm_compile_module. Reads are bounded by the end
 * of the module, not of the section, and each section must then end exactly
 * where its size says, which reproduces the spec interpreter's messages.
 * Malformed input always wins over invalid input: the first validation
 * error is kept aside and reported only once the whole module has decoded.
 */
#include "wm_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"
#include "leb.h"
#include "../core/banned.h"

/* Expanded locals over all functions of one module (implementation limit). */
#define WM_MAX_MODULE_LOCALS ((uint64_t)1 << 25)

enum {
	SEC_CUSTOM = 0,
	SEC_TYPE,
	SEC_IMPORT,
	SEC_FUNC,
	SEC_TABLE,
	SEC_MEMORY,
	SEC_GLOBAL,
	SEC_EXPORT,
	SEC_START,
	SEC_ELEM,
	SEC_CODE,
	SEC_DATA,
	SEC_DATACOUNT,
};

/* Position of each section id in the required order (custom: anywhere). */
static const uint8_t section_rank[13] = {
	[SEC_TYPE] = 1,   [SEC_IMPORT] = 2,     [SEC_FUNC] = 3,   [SEC_TABLE] = 4,
	[SEC_MEMORY] = 5, [SEC_GLOBAL] = 6,     [SEC_EXPORT] = 7, [SEC_START] = 8,
	[SEC_ELEM] = 9,   [SEC_DATACOUNT] = 10, [SEC_CODE] = 11,  [SEC_DATA] = 12,
};

typedef struct dec {
	wm_module *m;
	const uint8_t *p; /* m->bytes */
	size_t pos;       /* next byte to read */
	size_t len;       /* module length: no read goes past it */
	st_err *err;
	st_err inval; /* first validation error, reported after decoding */
	bool has_inval;
	bool simd;            /* a v128 type was seen: ST_ENOSYS after decoding */
	uint32_t nfunc_decls; /* entries of the function section */
	uint32_t ncode;       /* entries of the code section */
	uint32_t datacount;   /* value of the data count section */
	uint64_t total_locals;
} dec;

static int malformed(dec *d, size_t off, const char *msg)
{
	return st_err_setat(d->err, ST_EMALFORMED, (int64_t)off, "%s", msg);
}

/* Records a validation error (the first one only); decoding goes on. */
static void ST_PRINTF(3, 4) invalid(dec *d, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (d->has_inval)
		return;
	d->has_inval = true;
	d->inval.code = ST_EINVALID;
	d->inval.kind = 0;
	d->inval.offset = (int64_t)off;
	va_start(ap, fmt);
	vsnprintf(d->inval.msg, sizeof(d->inval.msg), fmt, ap);
	va_end(ap);
}

static int nomem(dec *d)
{
	return st_err_set(d->err, ST_ENOMEM, "out of memory decoding the module");
}

/* ----------------------------------------------------------------------- */
/* Primitive readers */

static int rd_u8(dec *d, uint8_t *out)
{
	*out = 0;
	if (d->pos >= d->len)
		return malformed(d, d->pos, "unexpected end of section or function");
	*out = d->p[d->pos++];
	return 0;
}

static int rd_bytes(dec *d, size_t n, const uint8_t **out)
{
	*out = NULL;
	if (n > d->len - d->pos)
		return malformed(d, d->len, "unexpected end of section or function");
	*out = d->p + d->pos;
	d->pos += n;
	return 0;
}

/* LEB128 integers (leb.h); errors are malformed at the offending byte. */
static int rd_uleb(dec *d, unsigned bits, uint64_t *out)
{
	const uint8_t *p = d->p + d->pos;
	int e = wm_leb_u(&p, d->p + d->len, bits, out);

	d->pos = (size_t)(p - d->p);
	return e ? malformed(d, d->pos, wm_leb_text(e)) : 0;
}

static int rd_sleb(dec *d, unsigned bits, int64_t *out)
{
	const uint8_t *p = d->p + d->pos;
	int e = wm_leb_s(&p, d->p + d->len, bits, out);

	d->pos = (size_t)(p - d->p);
	return e ? malformed(d, d->pos, wm_leb_text(e)) : 0;
}

static int rd_u32(dec *d, uint32_t *out)
{
	uint64_t v;
	int rc = rd_uleb(d, 32, &v);

	*out = (uint32_t)v;
	return rc;
}

/*
 * A length or count: a u32 that cannot exceed the bytes left in the module
 * (counted from the length's own first byte), so nothing is ever allocated
 * from a count the input cannot back.
 */
static int rd_len(dec *d, uint32_t *out)
{
	size_t at = d->pos;
	int rc = rd_u32(d, out);

	if (rc < 0)
		return rc;
	if (*out > d->len - at)
		return malformed(d, at, "length out of bounds");
	return 0;
}

/* UTF-8 as Unicode defines it: no overlongs, surrogates or code points past U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t more;
		uint8_t lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return false;
		}
		if (n - i - 1 < more)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= more; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += more + 1;
	}
	return true;
}

/* A name: length, then UTF-8 bytes. Returns an owned NUL-terminated copy. */
static int rd_name(dec *d, char **out, uint32_t *out_len)
{
	const uint8_t *s;
	uint32_t n;
	size_t at;
	int rc;

	rc = rd_len(d, &n);
	if (rc < 0)
		return rc;
	at = d->pos;
	rc = rd_bytes(d, n, &s);
	if (rc < 0)
		return rc;
	if (!utf8_valid(s, n))
		return malformed(d, at, "malformed UTF-8 encoding");
	*out = st_malloc((size_t)n + 1);
	if (!*out)
		return nomem(d);
	memcpy(*out, s, n);
	(*out)[n] = '\0';
	*out_len = n;
	return 0;
}

/* Type codes are one-byte signed LEB128s: a continuation bit makes them too long. */
static int rd_valtype(dec *d, wm_valtype *out)
{
	size_t at = d->pos;
	uint8_t b;
	int rc = rd_u8(d, &b);

	if (rc < 0)
		return rc;
	if (b & 0x80)
		return malformed(d, at, "integer representation too long");
	switch (b) {
	case WM_I32:
	case WM_I64:
	case WM_F32:
	case WM_F64:
	case WM_FUNCREF:
	case WM_EXTERNREF:
		break;
	case WM_V128:
		d->simd = true;
		break;
	default:
		return malformed(d, at, "malformed value type");
	}
	*out = (wm_valtype)b;
	return 0;
}

static int rd_reftype(dec *d, wm_valtype *out)
{
	size_t at = d->pos;
	uint8_t b;
	int rc = rd_u8(d, &b);

	if (rc < 0)
		return rc;
	if (b & 0x80)
		return malformed(d, at, "integer representation too long");
	if (b != WM_FUNCREF && b != WM_EXTERNREF)
		return malformed(d, at, "malformed reference type");
	*out = (wm_valtype)b;
	return 0;
}

/* Limits: a flag (0 or 1, read as a 1-bit LEB128), min, optional max. */
static int rd_limits(dec *d, wm_limits *out)
{
	uint64_t flags;
	uint32_t v;
	int rc;

	rc = rd_uleb(d, 1, &flags);
	if (rc < 0)
		return rc;
	rc = rd_u32(d, &v);
	if (rc < 0)
		return rc;
	out->min = v;
	out->has_max = flags == 1;
	out->max = 0;
	if (out->has_max) {
		rc = rd_u32(d, &v);
		if (rc < 0)
			return rc;
		out->max = v;
	}
	return 0;
}

static int rd_tabletype(dec *d, wm_tabletype *out)
{
	int rc = rd_reftype(d, &out->elem);

	if (rc < 0)
		return rc;
	return rd_limits(d, &out->lim);
}

static int rd_globaltype(dec *d, wm_globaltype *out)
{
	size_t at;
	uint8_t mut;
	int rc = rd_valtype(d, &out->type);

	if (rc < 0)
		return rc;
	at = d->pos;
	rc = rd_u8(d, &mut);
	if (rc < 0)
		return rc;
	if (mut > 1)
		return malformed(d, at, "malformed mutability");
	out->mut = mut == 1;
	return 0;
}

/* Grows a module array from n_old to n_old + n_add entries (st_realloc). */
static int grow_array(dec *d, void **arr, size_t elem, uint32_t n_old, uint32_t n_add)
{
	size_t n = (size_t)n_old + n_add;
	void *p;

	if (n_add == 0)
		return 0;
	p = st_realloc(*arr, n * elem);
	if (!p)
		return nomem(d);
	memset((uint8_t *)p + (size_t)n_old * elem, 0, (size_t)n_add * elem);
	*arr = p;
	return 0;
}

/* ----------------------------------------------------------------------- */
/* Limits and constant expressions (validation) */

static void check_table_limits(dec *d, size_t at, const wm_limits *lim)
{
	if (lim->has_max && lim->min > lim->max)
		invalid(d, at, "size minimum must not be greater than maximum");
}

static void check_mem_limits(dec *d, size_t at, const wm_limits *lim)
{
	if (lim->min > WM_MAX_PAGES || (lim->has_max && lim->max > WM_MAX_PAGES))
		invalid(d, at, "memory size must be at most 65536 pages (4GiB)");
	else if (lim->has_max && lim->min > lim->max)
		invalid(d, at, "size minimum must not be greater than maximum");
}

/* A zero byte that reserves room for a future index. */
static int rd_zero(dec *d)
{
	size_t at = d->pos;
	uint8_t b;
	int rc = rd_u8(d, &b);

	if (rc == 0 && b != 0)
		rc = malformed(d, at, "zero byte expected");
	return rc;
}

/*
 * Skips the immediates of a non-constant instruction inside a constant
 * expression, so that the expression's end is found and the module can be
 * reported invalid rather than malformed. Tracks block nesting in *depth.
 */
static int skip_instr(dec *d, size_t at, uint8_t op, uint32_t *depth)
{
	uint64_t u;
	int64_t s;
	uint32_t n, sub;
	int rc = 0;

	switch (op) {
	case 0x00:
	case 0x01:
	case 0x0f:
	case 0x1a:
	case 0x1b:
	case 0xd1:
		break;
	case 0x02:
	case 0x03:
	case 0x04: /* block, loop, if: a block type (s33) */
		rc = rd_sleb(d, 33, &s);
		if (rc == 0)
			(*depth)++;
		break;
	case 0x05: /* else */
		if (*depth == 0)
			rc = malformed(d, at, "END opcode expected");
		break;
	case 0x0c:
	case 0x0d:
	case 0x10:
	case 0x20:
	case 0x21:
	case 0x22:
	case 0x24:
	case 0x25:
	case 0x26:
		rc = rd_uleb(d, 32, &u);
		break;
	case 0x0e: /* br_table */
		rc = rd_len(d, &n);
		for (uint32_t i = 0; rc == 0 && i <= n; i++)
			rc = rd_uleb(d, 32, &u);
		break;
	case 0x11: /* call_indirect */
		rc = rd_uleb(d, 32, &u);
		if (rc == 0)
			rc = rd_uleb(d, 32, &u);
		break;
	case 0x1c: { /* select t* */
		wm_valtype t;

		rc = rd_len(d, &n);
		for (uint32_t i = 0; rc == 0 && i < n; i++)
			rc = rd_valtype(d, &t);
		break;
	}
	case 0x3f:
	case 0x40:
		rc = rd_zero(d);
		break;
	case 0xfc:
		rc = rd_u32(d, &sub);
		if (rc < 0)
			break;
		if (sub <= 7)
			break;
		if (sub == 8 || sub == 12 || sub == 14) {
			rc = rd_uleb(d, 32, &u);
			if (rc == 0)
				rc = sub == 8 ? rd_zero(d) : rd_uleb(d, 32, &u);
		} else if (sub == 9 || sub == 13 || (sub >= 15 && sub <= 17)) {
			rc = rd_uleb(d, 32, &u);
		} else if (sub == 10) {
			rc = rd_zero(d);
			if (rc == 0)
				rc = rd_zero(d);
		} else if (sub == 11) {
			rc = rd_zero(d);
		} else {
			rc = malformed(d, at, "illegal opcode");
		}
		break;
	case 0xfd:
		rc = st_err_setat(d->err, ST_ENOSYS, (int64_t)at, "SIMD is not supported");
		break;
	default:
		if (op >= 0x28 && op <= 0x3e) { /* loads and stores: memarg */
			rc = rd_uleb(d, 32, &u);
			if (rc == 0)
				rc = rd_uleb(d, 32, &u);
		} else if (op >= 0x45 && op <= 0xc4) { /* numeric, no immediates */
			break;
		} else {
			rc = malformed(d, at, "illegal opcode");
		}
		break;
	}
	return rc;
}

/*
 * A constant expression producing one value of type want. The binary form
 * is any instruction sequence up to `end`; it must be a single constant
 * instruction (i32/i64/f32/f64.const, ref.null, ref.func, or global.get of
 * an immutable imported global). Decoding errors are returned; validation
 * errors are recorded and *ce still describes the first instruction.
 */
static int rd_constexpr(dec *d, wm_valtype want, wm_constexpr *ce)
{
	wm_module *m = d->m;
	size_t start = d->pos, bad_func_at = 0;
	uint32_t n = 0, depth = 0, bad_func = 0;
	bool failed = false, has_bad_func = false;
	int rc;

	memset(ce, 0, sizeof(*ce));
	for (;;) {
		size_t at = d->pos;
		wm_constexpr cur;
		bool is_const = true;
		uint8_t op;
		int64_t s;
		uint32_t idx;
		const uint8_t *raw;

		rc = rd_u8(d, &op);
		if (rc < 0)
			return rc;
		if (op == 0x0b) {
			if (depth == 0)
				break;
			depth--;
			n++;
			continue;
		}
		memset(&cur, 0, sizeof(cur));
		cur.op = op;
		switch (op) {
		case 0x41:
			rc = rd_sleb(d, 32, &s);
			cur.type = WM_I32;
			cur.val.i32 = (uint32_t)s;
			break;
		case 0x42:
			rc = rd_sleb(d, 64, &s);
			cur.type = WM_I64;
			cur.val.i64 = (uint64_t)s;
			break;
		case 0x43:
			rc = rd_bytes(d, 4, &raw);
			if (rc == 0)
				cur.val.i32 = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 |
				              (uint32_t)raw[2] << 16 | (uint32_t)raw[3] << 24;
			cur.type = WM_F32;
			break;
		case 0x44:
			rc = rd_bytes(d, 8, &raw);
			for (int i = 7; rc == 0 && i >= 0; i--)
				cur.val.bits = cur.val.bits << 8 | raw[i];
			cur.type = WM_F64;
			break;
		case 0xd0:
			rc = rd_reftype(d, &cur.type);
			break;
		case 0xd2:
			rc = rd_u32(d, &idx);
			cur.idx = idx;
			cur.type = WM_FUNCREF;
			if (rc == 0 && idx >= m->nfuncs && !has_bad_func) {
				has_bad_func = true;
				bad_func = idx;
				bad_func_at = at;
			}
			break;
		case 0x23:
			rc = rd_u32(d, &idx);
			cur.idx = idx;
			if (rc == 0 && !failed) {
				/* Wasm 2.0: only imported globals are visible here. */
				if (idx >= m->nglobal_imports) {
					invalid(d, at, "unknown global %u", idx);
					failed = true;
				} else if (m->globals[idx].mut) {
					invalid(d, at, "constant expression required");
					failed = true;
				} else {
					cur.type = m->globals[idx].type;
				}
			}
			break;
		default:
			is_const = false;
			rc = skip_instr(d, at, op, &depth);
			break;
		}
		if (rc < 0)
			return rc;
		if (!is_const && !failed) {
			invalid(d, at, "constant expression required");
			failed = true;
		}
		if (n == 0)
			*ce = cur;
		n++;
	}
	if (failed)
		return 0;
	if (has_bad_func)
		invalid(d, bad_func_at, "unknown function %u", bad_func);
	else if (n != 1 || ce->type != want)
		invalid(d, start, "type mismatch");
	return 0;
}

/* ----------------------------------------------------------------------- */
/* Sections */

static int sec_custom(dec *d, size_t end)
{
	wm_module *m = d->m;
	wm_custom *c;
	int rc;

	rc = grow_array(d, (void **)&m->customs, sizeof(*m->customs), m->ncustoms, 1);
	if (rc < 0)
		return rc;
	c = &m->customs[m->ncustoms++];
	rc = rd_name(d, &c->name, &c->name_len);
	if (rc < 0)
		return rc;
	/* A length is checked from its first byte, so end may pass the input. */
	if (d->pos > end || end > d->len)
		return malformed(d, end, "unexpected end");
	c->off = d->pos;
	c->len = end - d->pos;
	d->pos = end;
	return 0;
}

static int sec_type(dec *d)
{
	wm_module *m = d->m;
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc < 0)
		return rc;
	m->types = st_calloc(n ? n : 1, sizeof(*m->types));
	if (!m->types)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		wm_type *t = &m->types[i];
		uint32_t np, nr;
		size_t at = d->pos;
		uint8_t form;

		rc = rd_u8(d, &form);
		if (rc < 0)
			return rc;
		if (form & 0x80)
			return malformed(d, at, "integer representation too long");
		if (form != 0x60)
			return malformed(d, at, "malformed function type");
		rc = rd_len(d, &np);
		if (rc < 0)
			return rc;
		if (np > WM_MAX_PARAMS)
			return st_err_setat(d->err, ST_ETOOBIG, (int64_t)at,
			                    "function type has %u parameters (limit %u)", np,
			                    WM_MAX_PARAMS);
		/* Room for the params now, for the results once their count is known. */
		t->vt = st_malloc(((size_t)np + 1) * sizeof(*t->vt));
		if (!t->vt)
			return nomem(d);
		m->ntypes = i + 1;
		for (uint32_t k = 0; k < np; k++) {
			rc = rd_valtype(d, &t->vt[k]);
			if (rc < 0)
				return rc;
		}
		rc = rd_len(d, &nr);
		if (rc < 0)
			return rc;
		if (nr > WM_MAX_PARAMS)
			return st_err_setat(d->err, ST_ETOOBIG, (int64_t)at,
			                    "function type has %u results (limit %u)", nr,
			                    WM_MAX_PARAMS);
		if (nr) {
			wm_valtype *vt = st_realloc(t->vt, ((size_t)np + nr) * sizeof(*vt));

			if (!vt)
				return nomem(d);
			t->vt = vt;
		}
		for (uint32_t k = 0; k < nr; k++) {
			rc = rd_valtype(d, &t->vt[np + k]);
			if (rc < 0)
				return rc;
		}
		t->ft.nparams = np;
		t->ft.nresults = nr;
		t->ft.params = t->vt;
		t->ft.results = t->vt + np;
	}
	m->ntypes = n;
	return 0;
}

static int add_funcs(dec *d, uint32_t n)
{
	wm_module *m = d->m;

	if (n > WM_MAX_FUNCS - m->nfuncs)
		return st_err_set(d->err, ST_ETOOBIG, "too many functions (limit %u)",
		                  WM_MAX_FUNCS);
	return grow_array(d, (void **)&m->func_types, sizeof(*m->func_types), m->nfuncs, n);
}

static int sec_import(dec *d)
{
	wm_module *m = d->m;
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc < 0)
		return rc;
	m->imports = st_calloc(n ? n : 1, sizeof(*m->imports));
	if (!m->imports)
		return nomem(d);
	/* Each space gets room for n entries; the definitions grow them later. */
	rc = add_funcs(d, n);
	if (rc == 0)
		rc = grow_array(d, (void **)&m->tables, sizeof(*m->tables), 0, n);
	if (rc == 0)
		rc = grow_array(d, (void **)&m->mems, sizeof(*m->mems), 0, n);
	if (rc == 0)
		rc = grow_array(d, (void **)&m->globals, sizeof(*m->globals), 0, n);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		wm_import *imp = &m->imports[i];
		size_t at;
		uint8_t kind;
		uint32_t ti;

		m->nimports = i + 1;
		rc = rd_name(d, &imp->module, &imp->module_len);
		if (rc == 0)
			rc = rd_name(d, &imp->name, &imp->name_len);
		if (rc < 0)
			return rc;
		at = d->pos;
		rc = rd_u8(d, &kind);
		if (rc < 0)
			return rc;
		if (kind > WM_EXTERN_GLOBAL)
			return malformed(d, at, "malformed import kind");
		imp->kind = (wm_extern_kind)kind;
		at = d->pos;
		switch (kind) {
		case WM_EXTERN_FUNC:
			rc = rd_u32(d, &ti);
			if (rc < 0)
				return rc;
			if (ti >= m->ntypes)
				invalid(d, at, "unknown type %u", ti);
			imp->index = m->nfuncs;
			m->func_types[m->nfuncs++] = ti;
			m->nfunc_imports = m->nfuncs;
			break;
		case WM_EXTERN_TABLE:
			rc = rd_tabletype(d, &m->tables[m->ntables]);
			if (rc < 0)
				return rc;
			check_table_limits(d, at, &m->tables[m->ntables].lim);
			imp->index = m->ntables++;
			m->ntable_imports = m->ntables;
			break;
		case WM_EXTERN_MEMORY:
			rc = rd_limits(d, &m->mems[m->nmems]);
			if (rc < 0)
				return rc;
			check_mem_limits(d, at, &m->mems[m->nmems]);
			imp->index = m->nmems++;
			m->nmem_imports = m->nmems;
			break;
		default:
			rc = rd_globaltype(d, &m->globals[m->nglobals]);
			if (rc < 0)
				return rc;
			imp->index = m->nglobals++;
			m->nglobal_imports = m->nglobals;
			break;
		}
	}
	return 0;
}

static int sec_func(dec *d)
{
	wm_module *m = d->m;
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc == 0)
		rc = add_funcs(d, n);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		size_t at = d->pos;
		uint32_t ti;

		rc = rd_u32(d, &ti);
		if (rc < 0)
			return rc;
		if (ti >= m->ntypes)
			invalid(d, at, "unknown type %u", ti);
		m->func_types[m->nfuncs++] = ti;
	}
	d->nfunc_decls = n;
	return 0;
}

static int sec_table(dec *d)
{
	wm_module *m = d->m;
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc == 0)
		rc = grow_array(d, (void **)&m->tables, sizeof(*m->tables), m->ntables, n);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		size_t at = d->pos;

		rc = rd_tabletype(d, &m->tables[m->ntables]);
		if (rc < 0)
			return rc;
		check_table_limits(d, at, &m->tables[m->ntables].lim);
		m->ntables++;
	}
	return 0;
}

static int sec_memory(dec *d)
{
	wm_module *m = d->m;
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc == 0)
		rc = grow_array(d, (void **)&m->mems, sizeof(*m->mems), m->nmems, n);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		size_t at = d->pos;

		rc = rd_limits(d, &m->mems[m->nmems]);
		if (rc < 0)
			return rc;
		check_mem_limits(d, at, &m->mems[m->nmems]);
		m->nmems++;
	}
	return 0;
}

static int sec_global(dec *d)
{
	wm_module *m = d->m;
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc == 0)
		rc = grow_array(d, (void **)&m->globals, sizeof(*m->globals), m->nglobals, n);
	if (rc < 0)
		return rc;
	m->global_inits = st_calloc(n ? n : 1, sizeof(*m->global_inits));
	if (!m->global_inits)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		wm_globaltype *g = &m->globals[m->nglobals];

		rc = rd_globaltype(d, g);
		if (rc == 0)
			rc = rd_constexpr(d, g->type, &m->global_inits[i]);
		if (rc < 0)
			return rc;
		m->nglobals++;
	}
	return 0;
}

static int export_cmp(const void *a, const void *b)
{
	const wm_export *x = *(const wm_export *const *)a;
	const wm_export *y = *(const wm_export *const *)b;

	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return memcmp(x->name, y->name, x->name_len);
}

/* Export names must be unique: sort pointers to them and compare neighbours. */
static int check_export_names(dec *d, size_t at)
{
	wm_module *m = d->m;
	wm_export **v;

	if (m->nexports < 2)
		return 0;
	v = st_malloc((size_t)m->nexports * sizeof(*v));
	if (!v)
		return nomem(d);
	for (uint32_t i = 0; i < m->nexports; i++)
		v[i] = &m->exports[i];
	qsort(v, m->nexports, sizeof(*v), export_cmp);
	for (uint32_t i = 1; i < m->nexports; i++) {
		if (export_cmp(&v[i - 1], &v[i]) == 0) {
			invalid(d, at, "duplicate export name");
			break;
		}
	}
	st_free(v);
	return 0;
}

static int sec_export(dec *d)
{
	wm_module *m = d->m;
	size_t sec_at = d->pos;
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc < 0)
		return rc;
	m->exports = st_calloc(n ? n : 1, sizeof(*m->exports));
	if (!m->exports)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		wm_export *e = &m->exports[i];
		size_t at;
		uint8_t kind;

		m->nexports = i + 1;
		rc = rd_name(d, &e->name, &e->name_len);
		if (rc < 0)
			return rc;
		at = d->pos;
		rc = rd_u8(d, &kind);
		if (rc < 0)
			return rc;
		if (kind > WM_EXTERN_GLOBAL)
			return malformed(d, at, "malformed export kind");
		e->kind = (wm_extern_kind)kind;
		rc = rd_u32(d, &e->index);
		if (rc < 0)
			return rc;
		switch (kind) {
		case WM_EXTERN_FUNC:
			if (e->index >= m->nfuncs)
				invalid(d, at, "unknown function %u", e->index);
			break;
		case WM_EXTERN_TABLE:
			if (e->index >= m->ntables)
				invalid(d, at, "unknown table %u", e->index);
			break;
		case WM_EXTERN_MEMORY:
			if (e->index >= m->nmems)
				invalid(d, at, "unknown memory %u", e->index);
			break;
		default:
			if (e->index >= m->nglobals)
				invalid(d, at, "unknown global %u", e->index);
			break;
		}
	}
	return check_export_names(d, sec_at);
}

static int sec_start(dec *d)
{
	wm_module *m = d->m;
	size_t at = d->pos;
	uint32_t x;
	int rc = rd_u32(d, &x);

	if (rc < 0)
		return rc;
	m->start = x;
	if (x >= m->nfuncs) {
		invalid(d, at, "unknown function %u", x);
	} else if (m->func_types[x] < m->ntypes) {
		const wm_functype *ft = &m->types[m->func_types[x]].ft;

		if (ft->nparams != 0 || ft->nresults != 0)
			invalid(d, at, "start function");
	}
	return 0;
}

/* The init list of an element segment: function indices or expressions. */
static int elem_inits(dec *d, wm_elem *e, bool exprs)
{
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc < 0)
		return rc;
	if (n > WM_MAX_SEGMENT_ELEMS)
		return st_err_setat(d->err, ST_ETOOBIG, (int64_t)d->pos,
		                    "element segment of %u entries (limit %u)", n,
		                    WM_MAX_SEGMENT_ELEMS);
	e->inits = st_calloc(n ? n : 1, sizeof(*e->inits));
	if (!e->inits)
		return nomem(d);
	e->n = n;
	for (uint32_t i = 0; i < n; i++) {
		wm_constexpr *ce = &e->inits[i];
		size_t at = d->pos;

		if (exprs) {
			rc = rd_constexpr(d, e->type, ce);
		} else {
			rc = rd_u32(d, &ce->idx);
			ce->op = 0xd2;
			ce->type = WM_FUNCREF;
			if (rc == 0 && ce->idx >= d->m->nfuncs)
				invalid(d, at, "unknown function %u", ce->idx);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int rd_elemkind(dec *d, wm_valtype *out)
{
	size_t at = d->pos;
	uint8_t b;
	int rc = rd_u8(d, &b);

	if (rc < 0)
		return rc;
	if (b != 0x00)
		return malformed(d, at, "malformed element kind");
	*out = WM_FUNCREF;
	return 0;
}

/*
 * Element segment flags: bit 0 passive/declarative (bit 1 then picks
 * declarative) or active; bit 1 on an active segment: explicit table index
 * and element kind/type; bit 2: init expressions instead of function indices.
 */
static int rd_elem(dec *d, wm_elem *e)
{
	wm_module *m = d->m;
	size_t at = d->pos;
	uint32_t flags;
	int rc;

	rc = rd_u32(d, &flags);
	if (rc < 0)
		return rc;
	if (flags > 7)
		return malformed(d, at, "malformed elements segment kind");
	e->type = WM_FUNCREF;
	if (flags & 1) {
		e->mode = flags & 2 ? WM_SEG_DECLARATIVE : WM_SEG_PASSIVE;
	} else {
		size_t tat = d->pos;

		e->mode = WM_SEG_ACTIVE;
		if (flags & 2) {
			rc = rd_u32(d, &e->table);
			if (rc < 0)
				return rc;
		}
		if (e->table >= m->ntables)
			invalid(d, tat, "unknown table %u", e->table);
		rc = rd_constexpr(d, WM_I32, &e->offset);
		if (rc < 0)
			return rc;
	}
	if (flags & 3) {
		rc = flags & 4 ? rd_reftype(d, &e->type) : rd_elemkind(d, &e->type);
		if (rc < 0)
			return rc;
	}
	if (e->mode == WM_SEG_ACTIVE && e->table < m->ntables &&
	    m->tables[e->table].elem != e->type)
		invalid(d, at, "type mismatch");
	return elem_inits(d, e, flags & 4);
}

static int sec_elem(dec *d)
{
	wm_module *m = d->m;
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc < 0)
		return rc;
	m->elems = st_calloc(n ? n : 1, sizeof(*m->elems));
	if (!m->elems)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		m->nelems = i + 1;
		rc = rd_elem(d, &m->elems[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int sec_datacount(dec *d)
{
	int rc = rd_u32(d, &d->datacount);

	if (rc == 0)
		d->m->has_datacount = true;
	return rc;
}

/* Where a body lacks its final `end`, say what the spec interpreter would. */
static int missing_end(dec *d, size_t body_end, size_t sec_end, bool last)
{
	if (!last)
		return malformed(d, body_end, "END opcode expected");
	if (sec_end >= d->len)
		return malformed(d, body_end, "unexpected end of section or function");
	return malformed(d, sec_end, "section size mismatch");
}

static int rd_body(dec *d, wm_funcbody *b, size_t sec_end, bool last)
{
	size_t body_start, body_end, locals_at;
	uint32_t size, ngroups;
	uint64_t total = 0;
	wm_valtype t;
	int rc;

	rc = rd_len(d, &size);
	if (rc < 0)
		return rc;
	body_start = d->pos;
	body_end = body_start + size;
	if (body_end > d->len)
		return malformed(d, d->len, "unexpected end of section or function");
	rc = rd_len(d, &ngroups);
	if (rc < 0)
		return rc;
	locals_at = d->pos;
	for (uint32_t i = 0; i < ngroups; i++) {
		uint32_t cnt;

		rc = rd_u32(d, &cnt);
		if (rc == 0)
			rc = rd_valtype(d, &t);
		if (rc < 0)
			return rc;
		total += cnt;
	}
	if (total > UINT32_MAX)
		return malformed(d, locals_at, "too many locals");
	if (total > WM_MAX_LOCALS || d->total_locals + total > WM_MAX_MODULE_LOCALS)
		return st_err_setat(d->err, ST_ETOOBIG, (int64_t)locals_at, "too many locals");
	if (d->pos > body_end)
		return malformed(d, body_end, "unexpected end of section or function");
	d->total_locals += total;
	b->nlocals = (uint32_t)total;
	b->code_off = d->pos;
	b->code_end = body_end;
	if (total) {
		size_t k = 0;

		b->local_types = st_malloc((size_t)total * sizeof(*b->local_types));
		if (!b->local_types)
			return nomem(d);
		/* Second pass over the groups, already known to be well-formed. */
		d->pos = locals_at;
		for (uint32_t i = 0; i < ngroups; i++) {
			uint32_t cnt;

			rc = rd_u32(d, &cnt);
			if (rc == 0)
				rc = rd_valtype(d, &t);
			if (rc < 0)
				return rc;
			for (uint32_t j = 0; j < cnt; j++)
				b->local_types[k++] = t;
		}
	}
	if (b->code_off >= body_end || d->p[body_end - 1] != 0x0b)
		return missing_end(d, body_end, sec_end, last);
	d->pos = body_end;
	return 0;
}

static int sec_code(dec *d, size_t sec_end)
{
	wm_module *m = d->m;
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc < 0)
		return rc;
	if (n != d->nfunc_decls)
		return malformed(d, d->pos, "function and code section have inconsistent lengths");
	m->bodies = st_calloc(n ? n : 1, sizeof(*m->bodies));
	if (!m->bodies)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		d->ncode = i + 1;
		rc = rd_body(d, &m->bodies[i], sec_end, i + 1 == n);
		if (rc < 0)
			return rc;
	}
	d->ncode = n;
	return 0;
}

static int rd_data(dec *d, wm_data *s)
{
	wm_module *m = d->m;
	size_t at = d->pos;
	const uint8_t *payload;
	uint32_t flags, n;
	int rc;

	rc = rd_u32(d, &flags);
	if (rc < 0)
		return rc;
	if (flags > 2)
		return malformed(d, at, "malformed data segment kind");
	if (flags == 1) {
		s->mode = WM_SEG_PASSIVE;
	} else {
		size_t mat = d->pos;

		s->mode = WM_SEG_ACTIVE;
		if (flags == 2) {
			rc = rd_u32(d, &s->mem);
			if (rc < 0)
				return rc;
		}
		if (s->mem >= m->nmems)
			invalid(d, mat, "unknown memory %u", s->mem);
		rc = rd_constexpr(d, WM_I32, &s->offset);
		if (rc < 0)
			return rc;
	}
	rc = rd_len(d, &n);
	if (rc < 0)
		return rc;
	s->off = d->pos;
	s->len = n;
	return rd_bytes(d, n, &payload);
}

static int sec_data(dec *d)
{
	wm_module *m = d->m;
	uint32_t n;
	int rc;

	rc = rd_len(d, &n);
	if (rc < 0)
		return rc;
	m->datas = st_calloc(n ? n : 1, sizeof(*m->datas));
	if (!m->datas)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		m->ndatas = i + 1;
		rc = rd_data(d, &m->datas[i]);
		if (rc < 0)
			return rc;
	}
	m->ndatas = n;
	return 0;
}

static int decode_section(dec *d, uint8_t id, size_t end)
{
	switch (id) {
	case SEC_CUSTOM:
		return sec_custom(d, end);
	case SEC_TYPE:
		return sec_type(d);
	case SEC_IMPORT:
		return sec_import(d);
	case SEC_FUNC:
		return sec_func(d);
	case SEC_TABLE:
		return sec_table(d);
	case SEC_MEMORY:
		return sec_memory(d);
	case SEC_GLOBAL:
		return sec_global(d);
	case SEC_EXPORT:
		return sec_export(d);
	case SEC_START:
		return sec_start(d);
	case SEC_ELEM:
		return sec_elem(d);
	case SEC_CODE:
		return sec_code(d, end);
	case SEC_DATA:
		return sec_data(d);
	default:
		return sec_datacount(d);
	}
}

/* ----------------------------------------------------------------------- */
/* The module */

static void mark_declared(wm_module *m, const wm_constexpr *ce)
{
	if (ce->op == 0xd2 && ce->idx < m->nfuncs)
		m->declared[ce->idx / 8] |= (uint8_t)(1u << (ce->idx % 8));
}

/*
 * Functions that ref.func in code may name (Wasm 2.0 C.refs): those named
 * anywhere in the module outside function bodies and the start section.
 */
static int compute_declared(dec *d)
{
	wm_module *m = d->m;

	m->declared = st_calloc((size_t)m->nfuncs / 8 + 1, 1);
	if (!m->declared)
		return nomem(d);
	for (uint32_t i = 0; i < m->nglobals - m->nglobal_imports; i++)
		mark_declared(m, &m->global_inits[i]);
	for (uint32_t i = 0; i < m->nelems; i++) {
		mark_declared(m, &m->elems[i].offset);
		for (uint32_t k = 0; k < m->elems[i].n; k++)
			mark_declared(m, &m->elems[i].inits[k]);
	}
	for (uint32_t i = 0; i < m->ndatas; i++)
		mark_declared(m, &m->datas[i].offset);
	for (uint32_t i = 0; i < m->nexports; i++) {
		wm_export *e = &m->exports[i];
		wm_constexpr ce = { .op = 0xd2, .idx = e->index };

		if (e->kind == WM_EXTERN_FUNC)
			mark_declared(m, &ce);
	}
	return 0;
}

static int decode_module(dec *d)
{
	static const uint8_t magic[4] = { 0x00, 0x61, 0x73, 0x6d };
	static const uint8_t version[4] = { 0x01, 0x00, 0x00, 0x00 };
	wm_module *m = d->m;
	unsigned last = 0;
	int rc;

	if (d->len < 4)
		return malformed(d, d->len, "unexpected end");
	if (memcmp(d->p, magic, 4) != 0)
		return malformed(d, 0, "magic header not detected");
	if (d->len < 8)
		return malformed(d, d->len, "unexpected end");
	if (memcmp(d->p + 4, version, 4) != 0)
		return malformed(d, 4, "unknown binary version");
	d->pos = 8;
	while (d->pos < d->len) {
		size_t id_at = d->pos, size_at, start;
		uint8_t id = d->p[d->pos++];
		uint32_t size;

		if (id > SEC_DATACOUNT)
			return malformed(d, id_at, "malformed section id");
		if (id != SEC_CUSTOM) {
			if (section_rank[id] <= last)
				return malformed(d, id_at, "unexpected content after last section");
			last = section_rank[id];
		}
		size_at = d->pos;
		if (size_at >= d->len)
			return malformed(d, size_at, "unexpected end");
		rc = rd_len(d, &size);
		if (rc < 0)
			return rc;
		start = d->pos;
		rc = decode_section(d, id, start + size);
		if (rc < 0)
			return rc;
		if (d->pos != start + size)
			return malformed(d, start, "section size mismatch");
	}
	if (d->nfunc_decls != d->ncode)
		return malformed(d, d->len, "function and code section have inconsistent lengths");
	if (m->has_datacount && d->datacount != m->ndatas)
		return malformed(d, d->len,
		                 "data count and data section have inconsistent lengths");
	if (d->simd)
		return st_err_set(d->err, ST_ENOSYS, "SIMD is not supported");
	if (m->nmems > 1)
		invalid(d, d->len, "multiple memories");
	if (d->has_inval) {
		if (d->err)
			*d->err = d->inval;
		return ST_EINVALID;
	}
	return compute_declared(d);
}

int wm_module_new(wm_module **out, const uint8_t *bytes, size_t len, st_err *err)
{
	wm_module *m;
	dec d;
	int rc;

	*out = NULL;
	if (len > WM_MAX_MODULE_BYTES)
		return st_err_set(err, ST_ETOOBIG, "module is %zu bytes (limit %zu)", len,
		                  WM_MAX_MODULE_BYTES);
	m = st_calloc(1, sizeof(*m));
	if (!m)
		return st_err_set(err, ST_ENOMEM, "out of memory decoding the module");
	atomic_init(&m->refs, 1);
	m->start = -1;
	m->bytes = st_malloc(len ? len : 1);
	if (!m->bytes) {
		rc = st_err_set(err, ST_ENOMEM, "out of memory decoding the module");
		goto fail;
	}
	if (len)
		memcpy(m->bytes, bytes, len);
	m->len = len;
	memset(&d, 0, sizeof(d));
	d.m = m;
	d.p = m->bytes;
	d.len = len;
	d.err = err;
	rc = decode_module(&d);
	if (rc < 0)
		goto fail;
	for (uint32_t i = 0; i < m->ntypes; i++)
		m->types[i].id = wm_type_intern(&m->types[i].ft);
	rc = wm_compile_module(m, err);
	if (rc < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	wm_module_unref(m);
	return rc;
}

wm_module *wm_module_ref(wm_module *m)
{
	if (m)
		atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
	return m;
}

static void module_free(wm_module *m)
{
	uint32_t nbodies = m->nfuncs - m->nfunc_imports;

	for (uint32_t i = 0; i < m->ntypes; i++)
		st_free(m->types[i].vt);
	st_free(m->types);
	for (uint32_t i = 0; i < m->nimports; i++) {
		st_free(m->imports[i].module);
		st_free(m->imports[i].name);
	}
	st_free(m->imports);
	st_free(m->func_types);
	st_free(m->tables);
	st_free(m->mems);
	st_free(m->globals);
	st_free(m->global_inits);
	for (uint32_t i = 0; i < m->nexports; i++)
		st_free(m->exports[i].name);
	st_free(m->exports);
	for (uint32_t i = 0; i < m->nelems; i++)
		st_free(m->elems[i].inits);
	st_free(m->elems);
	st_free(m->datas);
	if (m->bodies) {
		/* The code section is only decoded when its count is nbodies. */
		for (uint32_t i = 0; i < nbodies; i++)
			st_free(m->bodies[i].local_types);
	}
	st_free(m->bodies);
	st_free(m->declared);
	for (uint32_t i = 0; i < m->ncustoms; i++)
		st_free(m->customs[i].name);
	st_free(m->customs);
	if (m->codes) {
		for (uint32_t i = 0; i < nbodies; i++)
			if (m->codes[i])
				wm_code_free(m->codes[i]);
	}
	st_free(m->codes);
	st_free(m->bytes);
	st_free(m);
}

void wm_module_unref(wm_module *m)
{
	if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1)
		module_free(m);
}

size_t wm_module_custom(const wm_module *m, const char *name, const uint8_t **data, size_t *len)
{
	size_t n = 0, name_len = strlen(name);

	for (uint32_t i = 0; i < m->ncustoms; i++) {
		const wm_custom *c = &m->customs[i];

		if (c->name_len != name_len || memcmp(c->name, name, name_len) != 0)
			continue;
		if (n++ == 0) {
			if (data)
				*data = m->bytes + c->off;
			if (len)
				*len = c->len;
		}
	}
	return n;
}

size_t wm_module_custom_count(const wm_module *m)
{
	return m->ncustoms;
}

void wm_module_custom_at(const wm_module *m, size_t i, wm_custom_desc *out)
{
	const wm_custom *c = &m->customs[i];

	out->name = c->name;
	out->name_len = c->name_len;
	out->data = m->bytes + c->off;
	out->len = c->len;
}

size_t wm_module_import_count(const wm_module *m)
{
	return m->nimports;
}

void wm_module_import(const wm_module *m, size_t i, wm_import_desc *out)
{
	const wm_import *imp = &m->imports[i];

	memset(out, 0, sizeof(*out));
	out->module = imp->module;
	out->module_len = imp->module_len;
	out->name = imp->name;
	out->name_len = imp->name_len;
	out->kind = imp->kind;
	switch (imp->kind) {
	case WM_EXTERN_FUNC:
		out->func = &m->types[m->func_types[imp->index]].ft;
		break;
	case WM_EXTERN_TABLE:
		out->type = m->tables[imp->index].elem;
		out->limits = m->tables[imp->index].lim;
		break;
	case WM_EXTERN_MEMORY:
		out->limits = m->mems[imp->index];
		break;
	case WM_EXTERN_GLOBAL:
		out->type = m->globals[imp->index].type;
		out->mut = m->globals[imp->index].mut;
		break;
	}
}

size_t wm_module_export_count(const wm_module *m)
{
	return m->nexports;
}

void wm_module_export(const wm_module *m, size_t i, wm_export_desc *out)
{
	const wm_export *e = &m->exports[i];

	out->name = e->name;
	out->name_len = e->name_len;
	out->kind = e->kind;
	out->index = e->index;
}
