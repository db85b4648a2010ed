/*
 * types.c - the process-wide table of interned function types.
 *
 * Every signature any module or host function uses gets a small dense id
 * (0, 1, 2, ...); two signatures have the same id exactly when they are
 * structurally equal, so call_indirect and import checks compare integers.
 * The table only grows (ids stay valid for the life of the process) and is
 * guarded by one mutex. Any thread.
 */
#include "wm_int.h"

#include <pthread.h>
#include <string.h>

#include "../core/mem.h"
#include "../core/banned.h"

typedef struct interned {
	wm_functype ft; /* params/results point into vt */
	wm_valtype *vt; /* owned */
	uint32_t hash;
} interned;

/* All guarded by intern_mu. */
static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static interned *intern_types; /* by id */
static uint32_t intern_n, intern_cap;
static uint32_t *intern_slots; /* open addressing: id + 1, 0 = empty */
static uint32_t intern_nslots; /* a power of two, or 0 */

bool wm_functype_eq(const wm_functype *a, const wm_functype *b)
{
	if (a->nparams != b->nparams || a->nresults != b->nresults)
		return false;
	for (uint32_t i = 0; i < a->nparams; i++)
		if (a->params[i] != b->params[i])
			return false;
	for (uint32_t i = 0; i < a->nresults; i++)
		if (a->results[i] != b->results[i])
			return false;
	return true;
}

/* FNV-1a over the counts and the value types. */
static uint32_t functype_hash(const wm_functype *ft)
{
	uint32_t h = 2166136261u;

	h = (h ^ ft->nparams) * 16777619u;
	h = (h ^ ft->nresults) * 16777619u;
	for (uint32_t i = 0; i < ft->nparams; i++)
		h = (h ^ (uint32_t)ft->params[i]) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (uint32_t i = 0; i < ft->nresults; i++)
		h = (h ^ (uint32_t)ft->results[i]) * 16777619u;
	return h;
}

/* Caller holds intern_mu. */
static void slots_rehash(uint32_t nslots)
{
	uint32_t *slots = xcalloc(nslots, sizeof(*slots));

	for (uint32_t id = 0; id < intern_n; id++) {
		uint32_t i = intern_types[id].hash & (nslots - 1);

		while (slots[i])
			i = (i + 1) & (nslots - 1);
		slots[i] = id + 1;
	}
	st_free(intern_slots);
	intern_slots = slots;
	intern_nslots = nslots;
}

uint32_t wm_type_intern(const wm_functype *ft)
{
	uint32_t h = functype_hash(ft), id, i;
	size_t nvt = (size_t)ft->nparams + ft->nresults;
	interned *t;

	pthread_mutex_lock(&intern_mu);
	if (intern_nslots) {
		for (i = h & (intern_nslots - 1); intern_slots[i];
		     i = (i + 1) & (intern_nslots - 1)) {
			t = &intern_types[intern_slots[i] - 1];
			if (t->hash == h && wm_functype_eq(&t->ft, ft)) {
				id = intern_slots[i] - 1;
				goto out;
			}
		}
	}
	if (intern_n == intern_cap) {
		intern_cap = intern_cap ? intern_cap * 2 : 64;
		intern_types = xrealloc(intern_types, (size_t)intern_cap * sizeof(*intern_types));
	}
	id = intern_n++;
	t = &intern_types[id];
	t->hash = h;
	t->vt = xmalloc(nvt ? nvt * sizeof(*t->vt) : 1);
	if (ft->nparams)
		memcpy(t->vt, ft->params, ft->nparams * sizeof(*t->vt));
	if (ft->nresults)
		memcpy(t->vt + ft->nparams, ft->results, ft->nresults * sizeof(*t->vt));
	t->ft.nparams = ft->nparams;
	t->ft.nresults = ft->nresults;
	t->ft.params = t->vt;
	t->ft.results = t->vt + ft->nparams;
	/* Keep the load factor at most one half. */
	if ((uint64_t)intern_n * 2 > intern_nslots)
		slots_rehash(intern_nslots ? intern_nslots * 2 : 128);
	else {
		for (i = h & (intern_nslots - 1); intern_slots[i];
		     i = (i + 1) & (intern_nslots - 1))
			;
		intern_slots[i] = id + 1;
	}
out:
	pthread_mutex_unlock(&intern_mu);
	return id;
}

const char *wm_valtype_name(wm_valtype t)
{
	switch (t) {
	case WM_I32:
		return "i32";
	case WM_I64:
		return "i64";
	case WM_F32:
		return "f32";
	case WM_F64:
		return "f64";
	case WM_V128:
		return "v128";
	case WM_FUNCREF:
		return "funcref";
	case WM_EXTERNREF:
		return "externref";
	}
	return "unknown";
}
