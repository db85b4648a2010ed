/*
 * fuzz_wasm.c - libFuzzer target for the engine: decode, validate and compile
 * the input with wm_module_new; when it is valid and small enough, instantiate
 * it against dummy imports and call every export whose parameters are all
 * numbers, with zero arguments. Traps and link errors are expected results;
 * only a sanitizer report, a crash or a leak is a finding.
 *
 * Resources stay bounded whatever the input declares: memories above
 * FUZZ_MAX_PAGES, tables above FUZZ_MAX_TABLE_ELEMS and inputs whose failed
 * instantiation the engine would keep for good (see module_fits) are decoded
 * and validated but not instantiated; every call runs on a small stack with fuel.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "wasm/wm.h"

#include "core/banned.h"

#define FUZZ_MAX_PAGES 256u          /* 16 MiB: declared or imported memory min/max */
#define FUZZ_MAX_TABLE_ELEMS 10000u  /* one table's min, and the max we give imported ones */
#define FUZZ_MAX_TABLES_ELEMS 50000u /* the sum of the declared tables' min */
#define FUZZ_STACK_SLOTS 65536u      /* value slots of the execution context */
#define FUZZ_MAX_FRAMES 1000u        /* nested calls */
#define FUZZ_FUEL 100000             /* per call (start function included) */
#define FUZZ_MAX_CALLS 100u          /* exports called per input */

/* Binary section ids the pre-instantiation check reads. */
#define SEC_TABLE 4
#define SEC_MEMORY 5
#define SEC_START 8
#define SEC_ELEM 9

/* The import objects made for one instantiation, released after it. */
typedef struct fuzz_imports {
	wm_extern *v; /* n objects, one reference each */
	size_t n;
	size_t cap;
} fuzz_imports;

/* A read position in the (already validated) module bytes. */
typedef struct fuzz_reader {
	const uint8_t *p;
	const uint8_t *end;
} fuzz_reader;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool read_byte(fuzz_reader *r, uint8_t *out)
{
	if (r->p >= r->end)
		return false;
	*out = *r->p++;
	return true;
}

/* Unsigned LEB128 of at most 32 bits. */
static bool read_u32(fuzz_reader *r, uint32_t *out)
{
	uint64_t v = 0;
	uint8_t b;

	for (unsigned shift = 0; shift < 35; shift += 7) {
		if (!read_byte(r, &b))
			return false;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (v > UINT32_MAX)
				return false;
			*out = (uint32_t)v;
			return true;
		}
	}
	return false;
}

/* Limits: a flag byte (bit 0: a maximum follows), the minimum, the maximum. */
static bool read_limits(fuzz_reader *r, wm_limits *out)
{
	uint8_t flags;
	uint32_t v;

	memset(out, 0, sizeof(*out));
	if (!read_byte(r, &flags) || !read_u32(r, &v))
		return false;
	out->min = v;
	if (flags & 1) {
		if (!read_u32(r, &v))
			return false;
		out->max = v;
		out->has_max = true;
	}
	return true;
}

/* A defined table's or memory's size is acceptable to instantiate here. */
static bool section_fits(uint8_t id, fuzz_reader *r)
{
	uint64_t table_elems = 0;
	wm_limits lim;
	uint32_t n;
	uint8_t reftype;

	if (!read_u32(r, &n))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (id == SEC_TABLE && !read_byte(r, &reftype))
			return false;
		if (!read_limits(r, &lim))
			return false;
		if (id == SEC_MEMORY && lim.min > FUZZ_MAX_PAGES)
			return false;
		if (id == SEC_TABLE) {
			table_elems += lim.min;
			if (lim.min > FUZZ_MAX_TABLE_ELEMS || table_elems > FUZZ_MAX_TABLES_ELEMS)
				return false;
		}
	}
	return true;
}

/* Whether the start function could hand out this module's functions. */
static bool import_passes_refs(const wm_import_desc *d)
{
	if (d->kind == WM_EXTERN_TABLE || d->kind == WM_EXTERN_GLOBAL)
		return true;
	if (d->kind == WM_EXTERN_FUNC)
		for (uint32_t k = 0; k < d->func->nparams; k++)
			if (d->func->params[k] == WM_FUNCREF)
				return true;
	return false;
}

/*
 * Whether a valid module is cheap and safe to instantiate in this process.
 * The public API does not list defined memories and tables, so their section
 * is read here. Refused: memories over FUZZ_MAX_PAGES and tables over the
 * element caps (defined or imported), and the modules whose failed
 * instantiation the engine keeps for the life of the process (by design;
 * a long run would pile them up): references written into an imported table
 * by element segments, or a start function with an import that could carry
 * references out (the engine's rule in wm_instance_new).
 */
static bool module_fits(const wm_module *m, const uint8_t *data, size_t size)
{
	bool imports_table = false, imports_refs = false, has_elems = false, has_start = false;
	fuzz_reader r;
	wm_import_desc d;

	for (size_t i = 0; i < wm_module_import_count(m); i++) {
		wm_module_import(m, i, &d);
		if (d.kind == WM_EXTERN_MEMORY && d.limits.min > FUZZ_MAX_PAGES)
			return false;
		if (d.kind == WM_EXTERN_TABLE) {
			if (d.limits.min > FUZZ_MAX_TABLE_ELEMS)
				return false;
			imports_table = true;
		}
		if (import_passes_refs(&d))
			imports_refs = true;
	}
	if (size < 8)
		return false;
	r.p = data + 8; /* after the magic and the version */
	r.end = data + size;
	while (r.p < r.end) {
		fuzz_reader sec;
		uint32_t len;
		uint8_t id;

		if (!read_byte(&r, &id) || !read_u32(&r, &len) || len > (size_t)(r.end - r.p))
			return false;
		sec.p = r.p;
		sec.end = r.p + len;
		r.p += len;
		if (id == SEC_START)
			has_start = true;
		if (id == SEC_ELEM)
			has_elems = true;
		if ((id == SEC_TABLE || id == SEC_MEMORY) && !section_fits(id, &sec))
			return false;
	}
	return !(imports_table && has_elems) && !(has_start && imports_refs);
}

/* Every host function: zeros of any type are all-zero bits (ref.null too). */
static int host_zero(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results, void *ud)
{
	size_t nresults = (size_t)(uintptr_t)ud;

	(void)x;
	(void)caller;
	(void)args;
	for (size_t i = 0; i < nresults; i++)
		results[i].bits = 0;
	return 0;
}

static wm_limits capped(wm_limits want, uint64_t cap)
{
	wm_limits lim = { want.min, cap, true };

	if (want.has_max && want.max < cap)
		lim.max = want.max;
	return lim;
}

/* Satisfies any import with a fresh object of the declared type. */
static int resolve_any(void *ud, const wm_import_desc *imp, wm_extern *out)
{
	fuzz_imports *made = ud;
	wm_val zero = { .bits = 0 };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->kind = imp->kind;
	switch (imp->kind) {
	case WM_EXTERN_FUNC:
		out->of.func = wm_func_new_host(imp->func, host_zero,
		                                (void *)(uintptr_t)imp->func->nresults);
		break;
	case WM_EXTERN_MEMORY:
		if (imp->limits.min > FUZZ_MAX_PAGES)
			return ST_ENOTFOUND;
		rc = wm_memory_new(&out->of.memory, capped(imp->limits, FUZZ_MAX_PAGES), NULL);
		break;
	case WM_EXTERN_TABLE:
		if (imp->limits.min > FUZZ_MAX_TABLE_ELEMS)
			return ST_ENOTFOUND;
		rc = wm_table_new(&out->of.table, imp->type,
		                  capped(imp->limits, FUZZ_MAX_TABLE_ELEMS), NULL, NULL);
		break;
	case WM_EXTERN_GLOBAL:
		rc = wm_global_new(&out->of.global, imp->type, imp->mut, zero, NULL);
		break;
	default:
		return ST_ENOTFOUND;
	}
	if (rc < 0)
		return rc;
	if (made->n == made->cap) {
		made->cap = made->cap ? made->cap * 2 : 16;
		made->v = xrealloc(made->v, made->cap * sizeof(*made->v));
	}
	made->v[made->n++] = *out;
	return 0;
}

static void imports_release(fuzz_imports *made)
{
	for (size_t i = 0; i < made->n; i++) {
		wm_extern *e = &made->v[i];

		switch (e->kind) {
		case WM_EXTERN_FUNC:
			wm_func_unref(e->of.func);
			break;
		case WM_EXTERN_MEMORY:
			wm_memory_unref(e->of.memory);
			break;
		case WM_EXTERN_TABLE:
			wm_table_unref(e->of.table);
			break;
		case WM_EXTERN_GLOBAL:
			wm_global_unref(e->of.global);
			break;
		}
	}
	st_free(made->v);
	made->v = NULL;
	made->n = made->cap = 0;
}

static bool is_numeric(wm_valtype t)
{
	return t == WM_I32 || t == WM_I64 || t == WM_F32 || t == WM_F64;
}

/* Calls f with zero arguments when it takes only numbers; traps are fine. */
static void call_zero(wm_exec *x, wm_func *f)
{
	const wm_functype *ft = wm_func_type(f);
	wm_val *args, *results;
	st_err err;

	for (uint32_t i = 0; i < ft->nparams; i++)
		if (!is_numeric(ft->params[i]))
			return;
	args = xcalloc(ft->nparams + 1, sizeof(*args));
	results = xcalloc(ft->nresults + 1, sizeof(*results));
	wm_exec_set_fuel(x, FUZZ_FUEL);
	(void)wm_call(x, f, args, ft->nparams, results, ft->nresults, &err);
	st_free(results);
	st_free(args);
}

static void call_exports(wm_instance *inst, wm_exec *x)
{
	const wm_module *m = wm_instance_module(inst);
	size_t n = wm_module_export_count(m), calls = 0;
	wm_export_desc d;
	wm_extern e;

	for (size_t i = 0; i < n && calls < FUZZ_MAX_CALLS; i++) {
		wm_module_export(m, i, &d);
		if (d.kind != WM_EXTERN_FUNC)
			continue;
		if (wm_instance_export(inst, d.name, d.name_len, &e) < 0 ||
		    e.kind != WM_EXTERN_FUNC)
			continue;
		call_zero(x, e.of.func);
		calls++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_imports made = { NULL, 0, 0 };
	wm_module *m = NULL;
	wm_instance *inst = NULL;
	wm_exec *x = NULL;
	st_err err;

	if (wm_module_new(&m, data, size, &err) < 0)
		goto out;
	if (!module_fits(m, data, size))
		goto out;
	if (wm_exec_new(&x, FUZZ_STACK_SLOTS, FUZZ_MAX_FRAMES, &err) < 0)
		goto out;
	wm_exec_set_fuel(x, FUZZ_FUEL);
	if (wm_instance_new(&inst, m, x, resolve_any, &made, NULL, 0, &err) < 0)
		goto out;
	call_exports(inst, x);
out:
	wm_instance_unref(inst);
	imports_release(&made);
	wm_exec_free(x);
	wm_module_unref(m);
	return 0;
}
