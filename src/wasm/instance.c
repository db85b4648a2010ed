/*
 * instance.c - runtime objects (host functions, memories, tables, globals)
 * and instantiation, following the Wasm 2.0 algorithm: resolve and check
 * imports, allocate, evaluate element segments, apply active segments in
 * order, run the start function.
 *
 * A memory reserves its maximum (4 GiB without one) as PROT_NONE and only
 * changes protections as it grows, so its base never moves. Table entries
 * hold no references: the embedder keeps instances alive, as the spec's
 * store does, except after a failed instantiation whose functions escaped
 * into imported tables (see park_instance).
 */
#include "wm_int.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "../core/mem.h"
#include "../core/banned.h"

/* ----------------------------------------------------------------------- */
/* Functions */

wm_func *wm_func_new_host(const wm_functype *type, wm_host_cb cb, void *ud)
{
	wm_func *f = xcalloc(1, sizeof(*f));
	size_t n = (size_t)type->nparams + type->nresults;
	wm_valtype *vt = xmalloc(n ? n * sizeof(*vt) : 1);

	if (type->nparams)
		memcpy(vt, type->params, type->nparams * sizeof(*vt));
	if (type->nresults)
		memcpy(vt + type->nparams, type->results, type->nresults * sizeof(*vt));
	f->kind = WM_FUNC_HOST;
	f->own_type.nparams = type->nparams;
	f->own_type.nresults = type->nresults;
	f->own_type.params = vt;
	f->own_type.results = vt + type->nparams;
	f->type = &f->own_type;
	f->type_id = wm_type_intern(&f->own_type);
	f->cb = cb;
	f->ud = ud;
	atomic_init(&f->refs, 1);
	return f;
}

wm_func *wm_func_ref(wm_func *f)
{
	if (!f)
		return NULL;
	if (f->kind == WM_FUNC_WASM)
		wm_instance_ref(f->inst);
	else
		atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
	return f;
}

void wm_func_unref(wm_func *f)
{
	if (!f)
		return;
	if (f->kind == WM_FUNC_WASM) {
		wm_instance_unref(f->inst);
		return;
	}
	if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
		return;
	st_free((void *)f->own_type.params);
	st_free(f);
}

const wm_functype *wm_func_type(const wm_func *f)
{
	return f->type;
}

/* ----------------------------------------------------------------------- */
/* Memories */

int wm_memory_new(wm_memory **out, wm_limits lim, st_err *err)
{
	uint64_t pages, reserve;
	wm_memory *mem;
	void *base;
	int rc;

	*out = NULL;
	if (lim.min > WM_MAX_PAGES || (lim.has_max && lim.max > WM_MAX_PAGES))
		return st_err_set(err, ST_EINVAL, "memory size must be at most 65536 pages (4GiB)");
	if (lim.has_max && lim.min > lim.max)
		return st_err_set(err, ST_EINVAL, "size minimum must not be greater than maximum");
	pages = lim.has_max ? lim.max : WM_MAX_PAGES;
	reserve = (pages ? pages : 1) * (uint64_t)WM_PAGE_SIZE;
	mem = st_calloc(1, sizeof(*mem));
	if (!mem)
		return st_err_set(err, ST_ENOMEM, "out of memory");
	base = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		rc = st_err_set(err, ST_ENOMEM, "cannot reserve %llu bytes for a memory",
		                (unsigned long long)reserve);
		goto fail;
	}
	mem->base = base;
	mem->reserved = reserve;
	if (lim.min && mprotect(base, lim.min * WM_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
		rc = st_err_set(err, ST_ENOMEM, "cannot commit a memory of %llu pages",
		                (unsigned long long)lim.min);
		goto fail;
	}
	mem->size = lim.min * WM_PAGE_SIZE;
	mem->lim = lim;
	atomic_init(&mem->refs, 1);
	*out = mem;
	return 0;
fail:
	if (mem->base)
		munmap(mem->base, mem->reserved);
	st_free(mem);
	return rc;
}

wm_memory *wm_memory_ref(wm_memory *mem)
{
	if (mem)
		atomic_fetch_add_explicit(&mem->refs, 1, memory_order_relaxed);
	return mem;
}

void wm_memory_unref(wm_memory *mem)
{
	if (!mem || atomic_fetch_sub_explicit(&mem->refs, 1, memory_order_acq_rel) != 1)
		return;
	munmap(mem->base, mem->reserved);
	st_free(mem);
}

uint8_t *wm_memory_data(wm_memory *mem)
{
	return mem->base;
}

size_t wm_memory_size(const wm_memory *mem)
{
	return (size_t)mem->size;
}

int64_t wm_memory_grow_pages(wm_memory *mem, uint64_t delta)
{
	uint64_t old = mem->lim.min;
	uint64_t limit = mem->lim.has_max ? mem->lim.max : WM_MAX_PAGES;

	if (delta == 0)
		return (int64_t)old;
	if (delta > limit - old)
		return -1;
	if (mprotect(mem->base + mem->size, delta * WM_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0)
		return -1;
	mem->lim.min = old + delta;
	mem->size = mem->lim.min * WM_PAGE_SIZE;
	return (int64_t)old;
}

int64_t wm_memory_grow(wm_memory *mem, uint64_t delta_pages)
{
	return wm_memory_grow_pages(mem, delta_pages);
}

wm_limits wm_memory_limits(const wm_memory *mem)
{
	return mem->lim;
}

void wm_memory_cap(wm_memory *mem, uint64_t max_pages)
{
	if (max_pages < mem->lim.min)
		max_pages = mem->lim.min;
	if (!mem->lim.has_max || max_pages < mem->lim.max) {
		mem->lim.max = max_pages;
		mem->lim.has_max = true;
	}
}

/* ----------------------------------------------------------------------- */
/* Tables */

int wm_table_new(wm_table **out, wm_valtype elem, wm_limits lim, void *init, st_err *err)
{
	wm_table *t;

	*out = NULL;
	if (elem != WM_FUNCREF && elem != WM_EXTERNREF)
		return st_err_set(err, ST_EINVAL, "table of %s", wm_valtype_name(elem));
	if (lim.has_max && lim.min > lim.max)
		return st_err_set(err, ST_EINVAL, "size minimum must not be greater than maximum");
	if (lim.min > WM_MAX_TABLE_ELEMS)
		return st_err_set(err, ST_ETOOBIG, "table of %llu elements (limit %u)",
		                  (unsigned long long)lim.min, WM_MAX_TABLE_ELEMS);
	t = st_calloc(1, sizeof(*t));
	if (!t)
		return st_err_set(err, ST_ENOMEM, "out of memory");
	t->elems = st_malloc(lim.min ? lim.min * sizeof(*t->elems) : 1);
	if (!t->elems) {
		st_free(t);
		return st_err_set(err, ST_ENOMEM, "out of memory for a table of %llu elements",
		                  (unsigned long long)lim.min);
	}
	for (uint64_t i = 0; i < lim.min; i++)
		t->elems[i] = init;
	t->size = (uint32_t)lim.min;
	t->lim = lim;
	t->type = elem;
	atomic_init(&t->refs, 1);
	*out = t;
	return 0;
}

wm_table *wm_table_ref(wm_table *t)
{
	if (t)
		atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	return t;
}

void wm_table_unref(wm_table *t)
{
	if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
		return;
	st_free(t->elems);
	st_free(t);
}

uint32_t wm_table_size(const wm_table *t)
{
	return t->size;
}

wm_valtype wm_table_elem_type(const wm_table *t)
{
	return t->type;
}

wm_limits wm_table_limits(const wm_table *t)
{
	return t->lim;
}

int wm_table_get(const wm_table *t, uint32_t i, void **out)
{
	if (i >= t->size)
		return ST_ENOTFOUND;
	*out = t->elems[i];
	return 0;
}

int wm_table_set(wm_table *t, uint32_t i, void *ref)
{
	if (i >= t->size)
		return ST_ENOTFOUND;
	t->elems[i] = ref;
	return 0;
}

int64_t wm_table_grow_elems(wm_table *t, uint64_t delta, void *init)
{
	uint64_t old = t->size;
	uint64_t limit = WM_MAX_TABLE_ELEMS;
	void **elems;

	if (t->lim.has_max && t->lim.max < limit)
		limit = t->lim.max;
	if (delta == 0)
		return (int64_t)old;
	if (delta > limit - old)
		return -1;
	elems = st_realloc(t->elems, (old + delta) * sizeof(*elems));
	if (!elems)
		return -1;
	for (uint64_t i = old; i < old + delta; i++)
		elems[i] = init;
	t->elems = elems;
	t->size = (uint32_t)(old + delta);
	t->lim.min = t->size;
	return (int64_t)old;
}

/* ----------------------------------------------------------------------- */
/* Globals */

int wm_global_new(wm_global **out, wm_valtype type, bool mut, wm_val init, st_err *err)
{
	wm_global *g;

	*out = NULL;
	switch (type) {
	case WM_I32:
	case WM_I64:
	case WM_F32:
	case WM_F64:
	case WM_FUNCREF:
	case WM_EXTERNREF:
		break;
	default:
		return st_err_set(err, ST_EINVAL, "global of %s", wm_valtype_name(type));
	}
	g = st_calloc(1, sizeof(*g));
	if (!g)
		return st_err_set(err, ST_ENOMEM, "out of memory");
	g->val = init;
	g->type = type;
	g->mut = mut;
	atomic_init(&g->refs, 1);
	*out = g;
	return 0;
}

wm_global *wm_global_ref(wm_global *g)
{
	if (g)
		atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
	return g;
}

void wm_global_unref(wm_global *g)
{
	if (g && atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1)
		st_free(g);
}

wm_val wm_global_get(const wm_global *g)
{
	return g->val;
}

void wm_global_set(wm_global *g, wm_val v)
{
	g->val = v;
}

wm_valtype wm_global_type(const wm_global *g)
{
	return g->type;
}

bool wm_global_mutable(const wm_global *g)
{
	return g->mut;
}

/* ----------------------------------------------------------------------- */
/* Instances */

/*
 * Instances whose instantiation failed after their functions escaped into
 * imported tables (or a start function ran): the spec keeps those functions
 * callable, and nothing else owns the instance. Guarded by parked_mu; never
 * freed, so the memory stays reachable.
 */
static pthread_mutex_t parked_mu = PTHREAD_MUTEX_INITIALIZER;
static wm_instance **parked;
static size_t nparked, parked_cap;

static void park_instance(wm_instance *inst)
{
	pthread_mutex_lock(&parked_mu);
	if (nparked == parked_cap) {
		parked_cap = parked_cap ? parked_cap * 2 : 8;
		parked = xrealloc(parked, parked_cap * sizeof(*parked));
	}
	parked[nparked++] = inst;
	pthread_mutex_unlock(&parked_mu);
}

/* Import subtyping of limits: at least the minimum, at most the maximum. */
static bool limits_match(wm_limits actual, wm_limits want)
{
	if (actual.min < want.min)
		return false;
	if (want.has_max && (!actual.has_max || actual.max > want.max))
		return false;
	return true;
}

static int incompatible(st_err *err, const wm_import_desc *d, const char *why)
{
	return st_err_set(err, ST_EUNLINKABLE, "incompatible import type for \"%.*s\" \"%.*s\": %s",
	                  (int)d->module_len, d->module, (int)d->name_len, d->name, why);
}

/* Resolves import i, checks its type and takes a reference into inst. */
static int link_import(wm_instance *inst, uint32_t i, wm_resolve_cb resolve, void *ud,
                       const wm_extern *imports, st_err *err)
{
	wm_module *m = inst->mod;
	const wm_import *imp = &m->imports[i];
	wm_import_desc d;
	wm_extern e;

	wm_module_import(m, i, &d);
	memset(&e, 0, sizeof(e));
	if (resolve) {
		if (resolve(ud, &d, &e) < 0)
			return st_err_set(err, ST_EUNLINKABLE, "unknown import \"%.*s\" \"%.*s\"",
			                  (int)d.module_len, d.module, (int)d.name_len, d.name);
	} else {
		e = imports[i];
	}
	if (e.kind != d.kind)
		return incompatible(err, &d, "wrong kind");
	switch (d.kind) {
	case WM_EXTERN_FUNC:
		if (!e.of.func)
			return incompatible(err, &d, "no function");
		if (e.of.func->type_id != m->types[m->func_types[imp->index]].id)
			return incompatible(err, &d, "function type differs");
		inst->funcs[imp->index] = wm_func_ref(e.of.func);
		break;
	case WM_EXTERN_TABLE: {
		wm_limits have;

		if (!e.of.table)
			return incompatible(err, &d, "no table");
		have = e.of.table->lim;
		have.min = e.of.table->size;
		if (e.of.table->type != d.type || !limits_match(have, d.limits))
			return incompatible(err, &d, "table type differs");
		inst->tables[imp->index] = wm_table_ref(e.of.table);
		break;
	}
	case WM_EXTERN_MEMORY:
		if (!e.of.memory)
			return incompatible(err, &d, "no memory");
		if (!limits_match(e.of.memory->lim, d.limits))
			return incompatible(err, &d, "memory limits differ");
		inst->mem0 = wm_memory_ref(e.of.memory);
		break;
	case WM_EXTERN_GLOBAL:
		if (!e.of.global)
			return incompatible(err, &d, "no global");
		if (e.of.global->type != d.type || e.of.global->mut != d.mut)
			return incompatible(err, &d, "global type differs");
		inst->globals[imp->index] = wm_global_ref(e.of.global);
		break;
	}
	return 0;
}

/* The value of a validated constant expression in inst. */
static wm_val eval_const(const wm_instance *inst, const wm_constexpr *ce)
{
	wm_val v;

	switch (ce->op) {
	case 0x23:
		return inst->globals[ce->idx]->val;
	case 0xd2:
		v.bits = 0;
		v.ref = inst->funcs[ce->idx];
		return v;
	case 0xd0:
		v.bits = 0;
		v.ref = NULL;
		return v;
	default:
		return ce->val;
	}
}

static int alloc_arrays(wm_instance *inst, st_err *err)
{
	wm_module *m = inst->mod;
	uint32_t nown = m->nfuncs - m->nfunc_imports;

	inst->funcs = st_calloc(m->nfuncs ? m->nfuncs : 1, sizeof(*inst->funcs));
	inst->own_funcs = st_calloc(nown ? nown : 1, sizeof(*inst->own_funcs));
	inst->tables = st_calloc(m->ntables ? m->ntables : 1, sizeof(*inst->tables));
	inst->globals = st_calloc(m->nglobals ? m->nglobals : 1, sizeof(*inst->globals));
	inst->elem_vals = st_calloc(m->nelems ? m->nelems : 1, sizeof(*inst->elem_vals));
	inst->elem_len = st_calloc(m->nelems ? m->nelems : 1, sizeof(*inst->elem_len));
	inst->data_dropped = st_calloc(m->ndatas ? m->ndatas : 1, sizeof(*inst->data_dropped));
	if (!inst->funcs || !inst->own_funcs || !inst->tables || !inst->globals ||
	    !inst->elem_vals || !inst->elem_len || !inst->data_dropped)
		return st_err_set(err, ST_ENOMEM, "out of memory instantiating a module");
	return 0;
}

/* Defined functions, globals, tables and memory 0. */
static int alloc_defined(wm_instance *inst, st_err *err)
{
	wm_module *m = inst->mod;
	int rc;

	for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
		wm_func *f = &inst->own_funcs[i];
		uint32_t t = m->func_types[m->nfunc_imports + i];

		f->kind = WM_FUNC_WASM;
		f->type_id = m->types[t].id;
		f->type = &m->types[t].ft;
		f->inst = inst;
		f->code = m->codes ? m->codes[i] : NULL;
		inst->funcs[m->nfunc_imports + i] = f;
	}
	for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
		const wm_constexpr *ce = &m->global_inits[i - m->nglobal_imports];

		rc = wm_global_new(&inst->globals[i], m->globals[i].type, m->globals[i].mut,
		                   eval_const(inst, ce), err);
		if (rc < 0)
			return rc;
	}
	for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
		rc = wm_table_new(&inst->tables[i], m->tables[i].elem, m->tables[i].lim, NULL, err);
		if (rc < 0)
			return rc;
	}
	if (m->nmems > m->nmem_imports) {
		rc = wm_memory_new(&inst->mem0, m->mems[0], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Evaluates every element segment's references (elem instances). */
static int eval_elems(wm_instance *inst, st_err *err)
{
	wm_module *m = inst->mod;

	for (uint32_t i = 0; i < m->nelems; i++) {
		const wm_elem *e = &m->elems[i];

		if (e->n == 0)
			continue;
		inst->elem_vals[i] = st_malloc((size_t)e->n * sizeof(void *));
		if (!inst->elem_vals[i])
			return st_err_set(err, ST_ENOMEM, "out of memory for element segment %u",
			                  i);
		for (uint32_t k = 0; k < e->n; k++)
			inst->elem_vals[i][k] = eval_const(inst, &e->inits[k]).ref;
		inst->elem_len[i] = e->n;
	}
	return 0;
}

static void elem_drop(wm_instance *inst, uint32_t i)
{
	st_free(inst->elem_vals[i]);
	inst->elem_vals[i] = NULL;
	inst->elem_len[i] = 0;
}

/*
 * Active element segments (table.init then elem.drop), declarative drops,
 * then active data segments (memory.init then data.drop). *escaped is set
 * once references were written into an imported table.
 */
static int apply_segments(wm_instance *inst, bool *escaped, st_err *err)
{
	wm_module *m = inst->mod;

	for (uint32_t i = 0; i < m->nelems; i++) {
		const wm_elem *e = &m->elems[i];
		wm_table *t;
		uint64_t off;

		if (e->mode == WM_SEG_DECLARATIVE)
			elem_drop(inst, i);
		if (e->mode != WM_SEG_ACTIVE)
			continue;
		t = inst->tables[e->table];
		off = eval_const(inst, &e->offset).i32;
		if (off + inst->elem_len[i] > t->size)
			return wm_trap_err(err, WM_TRAP_TABLE_OOB);
		if (inst->elem_len[i]) {
			memcpy(t->elems + off, inst->elem_vals[i],
			       (size_t)inst->elem_len[i] * sizeof(void *));
			if (e->table < m->ntable_imports)
				*escaped = true;
		}
		elem_drop(inst, i);
	}
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const wm_data *s = &m->datas[i];
		uint64_t off;

		if (s->mode != WM_SEG_ACTIVE)
			continue;
		off = eval_const(inst, &s->offset).i32;
		if (!inst->mem0 || off + s->len > inst->mem0->size)
			return wm_trap_err(err, WM_TRAP_MEMORY_OOB);
		if (s->len)
			memcpy(inst->mem0->base + off, m->bytes + s->off, s->len);
		inst->data_dropped[i] = true;
	}
	return 0;
}

static int run_start(wm_instance *inst, wm_exec *x, st_err *err)
{
	wm_func *f = inst->funcs[inst->mod->start];
	wm_exec *own = NULL;
	int rc;

	if (!x) {
		rc = wm_exec_new(&own, 0, 0, err);
		if (rc < 0)
			return rc;
		x = own;
	}
	rc = wm_call(x, f, NULL, 0, NULL, 0, err);
	wm_exec_free(own);
	return rc;
}

/*
 * Can a start function hand this instance's functions to the outside before
 * trapping? Only through an imported table or global, or as a funcref
 * argument of an imported function. (Actors and WASI commands cannot.)
 */
static bool start_can_leak_refs(const wm_module *m)
{
	if (m->ntable_imports || m->nglobal_imports)
		return true;
	for (uint32_t i = 0; i < m->nfunc_imports; i++) {
		const wm_functype *ft = &m->types[m->func_types[i]].ft;

		for (uint32_t k = 0; k < ft->nparams; k++)
			if (ft->params[k] == WM_FUNCREF)
				return true;
	}
	return false;
}

int wm_instance_new(wm_instance **out, wm_module *m, wm_exec *x, wm_resolve_cb resolve,
                    void *resolve_ud, const wm_extern *imports, size_t nimports, st_err *err)
{
	wm_instance *inst;
	bool escaped = false;
	int rc;

	*out = NULL;
	if (!resolve && nimports != m->nimports)
		return st_err_set(err, ST_EINVAL, "the module has %u imports, %zu given",
		                  m->nimports, nimports);
	inst = st_calloc(1, sizeof(*inst));
	if (!inst)
		return st_err_set(err, ST_ENOMEM, "out of memory instantiating a module");
	atomic_init(&inst->refs, 1);
	inst->mod = wm_module_ref(m);
	rc = alloc_arrays(inst, err);
	for (uint32_t i = 0; rc == 0 && i < m->nimports; i++)
		rc = link_import(inst, i, resolve, resolve_ud, imports, err);
	if (rc == 0)
		rc = alloc_defined(inst, err);
	if (rc == 0)
		rc = eval_elems(inst, err);
	if (rc == 0)
		rc = apply_segments(inst, &escaped, err);
	if (rc == 0 && m->start >= 0) {
		escaped = start_can_leak_refs(m);
		rc = run_start(inst, x, err);
	}
	if (rc < 0)
		goto fail;
	*out = inst;
	return 0;
fail:
	if (escaped)
		park_instance(inst);
	else
		wm_instance_unref(inst);
	return rc;
}

wm_instance *wm_instance_ref(wm_instance *inst)
{
	if (inst)
		atomic_fetch_add_explicit(&inst->refs, 1, memory_order_relaxed);
	return inst;
}

static void instance_free(wm_instance *inst)
{
	wm_module *m = inst->mod;

	if (inst->funcs)
		for (uint32_t i = 0; i < m->nfunc_imports; i++)
			wm_func_unref(inst->funcs[i]);
	if (inst->tables)
		for (uint32_t i = 0; i < m->ntables; i++)
			wm_table_unref(inst->tables[i]);
	if (inst->globals)
		for (uint32_t i = 0; i < m->nglobals; i++)
			wm_global_unref(inst->globals[i]);
	wm_memory_unref(inst->mem0);
	if (inst->elem_vals)
		for (uint32_t i = 0; i < m->nelems; i++)
			st_free(inst->elem_vals[i]);
	st_free(inst->funcs);
	st_free(inst->own_funcs);
	st_free(inst->tables);
	st_free(inst->globals);
	st_free(inst->elem_vals);
	st_free(inst->elem_len);
	st_free(inst->data_dropped);
	wm_module_unref(m);
	st_free(inst);
}

void wm_instance_unref(wm_instance *inst)
{
	if (inst && atomic_fetch_sub_explicit(&inst->refs, 1, memory_order_acq_rel) == 1)
		instance_free(inst);
}

wm_module *wm_instance_module(const wm_instance *inst)
{
	return inst->mod;
}

int wm_instance_export(wm_instance *inst, const char *name, size_t name_len, wm_extern *out)
{
	const wm_module *m = inst->mod;

	for (uint32_t i = 0; i < m->nexports; i++) {
		const wm_export *e = &m->exports[i];

		if (e->name_len != name_len || memcmp(e->name, name, name_len) != 0)
			continue;
		out->kind = e->kind;
		switch (e->kind) {
		case WM_EXTERN_FUNC:
			out->of.func = inst->funcs[e->index];
			break;
		case WM_EXTERN_TABLE:
			out->of.table = inst->tables[e->index];
			break;
		case WM_EXTERN_MEMORY:
			out->of.memory = inst->mem0;
			break;
		case WM_EXTERN_GLOBAL:
			out->of.global = inst->globals[e->index];
			break;
		}
		return 0;
	}
	return ST_ENOTFOUND;
}

wm_func *wm_instance_func(wm_instance *inst, const char *name)
{
	wm_extern e;

	if (wm_instance_export(inst, name, strlen(name), &e) < 0 || e.kind != WM_EXTERN_FUNC)
		return NULL;
	return e.of.func;
}

wm_memory *wm_instance_memory(wm_instance *inst)
{
	return inst->mem0;
}

void wm_instance_set_ud(wm_instance *inst, void *ud)
{
	inst->ud = ud;
}

void *wm_instance_ud(const wm_instance *inst)
{
	return inst->ud;
}
