/*
 * wm_int.h - private structures of the engine, shared by its .c files only
 * (decode.c, types.c, instance.c, compile.c, interp.c, wasi.c). Nothing
 * outside src/wasm includes this header.
 *
 * Ownership in one picture:
 *
 *   wm_module (refcounted, immutable after wm_module_new, any thread)
 *     owns: a copy of the input bytes, types, imports, exports, segments,
 *           custom section index, and the compiled code of every function.
 *   wm_instance (refcounted, one thread at a time)
 *     holds a reference to its module, and one reference to each memory,
 *     table and global it uses (own or imported). Its own wasm functions
 *     are embedded in it (own_funcs) and share its reference count.
 *   wm_memory / wm_table / wm_global: refcounted, independent objects.
 *   wm_func: a host function is refcounted on its own; a wasm function's
 *     ref/unref go to its instance.
 */
#ifndef STRATUS_WASM_WM_INT_H
#define STRATUS_WASM_WM_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wm.h"

#define WM_PAGE_SIZE 65536u
#define WM_MAX_LOCALS 50000u /* declared locals per function (implementation cap) */
#define WM_MAX_PARAMS 1000u  /* params or results of one function type */
#define WM_MAX_FUNCS 1000000u
#define WM_MAX_SEGMENT_ELEMS 10000000u

/* A function type of the module. */
typedef struct wm_type {
	wm_functype ft; /* params/results point into vt */
	uint32_t id;    /* process-wide interned id: equal ids <=> equal types */
	wm_valtype *vt; /* owned: nparams params then nresults results */
} wm_type;

typedef struct wm_tabletype {
	wm_valtype elem; /* WM_FUNCREF or WM_EXTERNREF */
	wm_limits lim;
} wm_tabletype;

typedef struct wm_globaltype {
	wm_valtype type;
	bool mut;
} wm_globaltype;

/*
 * A constant expression (Wasm 2.0: exactly one instruction then `end`).
 * op is the instruction's opcode: 0x41 i32.const, 0x42 i64.const,
 * 0x43 f32.const, 0x44 f64.const, 0xd0 ref.null, 0xd2 ref.func,
 * 0x23 global.get. val holds the constant (bits); idx the function or global
 * index; type the result type (for ref.null the reference type).
 */
typedef struct wm_constexpr {
	uint8_t op;
	wm_valtype type;
	wm_val val;
	uint32_t idx;
} wm_constexpr;

typedef struct wm_import {
	char *module; /* owned, NUL-terminated copy */
	uint32_t module_len;
	char *name; /* owned, NUL-terminated copy */
	uint32_t name_len;
	wm_extern_kind kind;
	uint32_t index; /* index in its own space (the i-th imported func is func i) */
} wm_import;

typedef struct wm_export {
	char *name; /* owned, NUL-terminated copy */
	uint32_t name_len;
	wm_extern_kind kind;
	uint32_t index;
} wm_export;

typedef enum wm_segmode {
	WM_SEG_ACTIVE,
	WM_SEG_PASSIVE,
	WM_SEG_DECLARATIVE,
} wm_segmode;

typedef struct wm_elem {
	wm_segmode mode;
	uint32_t table;      /* active only */
	wm_constexpr offset; /* active only: i32 */
	wm_valtype type;     /* WM_FUNCREF or WM_EXTERNREF */
	uint32_t n;
	wm_constexpr *inits; /* owned, n entries (ref.func / ref.null / global.get) */
} wm_elem;

typedef struct wm_data {
	wm_segmode mode;     /* ACTIVE or PASSIVE */
	uint32_t mem;        /* active only */
	wm_constexpr offset; /* active only: i32 */
	size_t off;          /* payload position in wm_module.bytes */
	size_t len;          /* payload length in bytes */
} wm_data;

typedef struct wm_custom {
	char *name; /* owned, NUL-terminated copy */
	uint32_t name_len;
	size_t off; /* payload position in wm_module.bytes */
	size_t len;
} wm_custom;

/* One defined function's body as found in the code section. */
typedef struct wm_funcbody {
	uint32_t nlocals;        /* declared locals, excluding params */
	wm_valtype *local_types; /* owned, nlocals entries (NULL when 0) */
	size_t code_off;         /* first instruction, in wm_module.bytes */
	size_t code_end;         /* one past the body's final `end` (0x0b) */
} wm_funcbody;

typedef struct wm_code wm_code; /* compiled function, compile.c */

struct wm_module {
	atomic_int refs;
	uint8_t *bytes; /* owned copy of the input */
	size_t len;

	wm_type *types; /* ntypes */
	uint32_t ntypes;

	wm_import *imports; /* nimports, in declaration order */
	uint32_t nimports;

	/* Index spaces: imports first, then definitions. */
	uint32_t nfuncs, nfunc_imports;
	uint32_t *func_types; /* nfuncs type indices */
	uint32_t ntables, ntable_imports;
	wm_tabletype *tables; /* ntables */
	uint32_t nmems, nmem_imports;
	wm_limits *mems; /* nmems (at most 1 in Wasm 2.0) */
	uint32_t nglobals, nglobal_imports;
	wm_globaltype *globals;     /* nglobals */
	wm_constexpr *global_inits; /* nglobals - nglobal_imports, for defined globals */

	wm_export *exports;
	uint32_t nexports;

	int64_t start; /* function index, or -1 */

	wm_elem *elems;
	uint32_t nelems;
	wm_data *datas;
	uint32_t ndatas;
	bool has_datacount; /* a data count section was present */

	wm_funcbody *bodies; /* nfuncs - nfunc_imports */
	uint8_t *declared;   /* bitmap over nfuncs: may be named by ref.func in code */

	wm_custom *customs;
	uint32_t ncustoms;

	wm_code **codes; /* nfuncs - nfunc_imports compiled bodies (compile.c) */
};

/* ----------------------------------------------------------------------- */
/* Runtime objects */

enum wm_func_kind {
	WM_FUNC_WASM = 0,
	WM_FUNC_HOST = 1
};

struct wm_func {
	uint8_t kind;            /* enum wm_func_kind */
	uint32_t type_id;        /* interned signature id (call_indirect checks it) */
	const wm_functype *type; /* WASM: the module's; HOST: own_type */
	wm_instance *inst;       /* WASM: the instance it belongs to (no reference) */
	const wm_code *code;     /* WASM: compiled body, owned by the module */
	wm_host_cb cb;           /* HOST */
	void *ud;                /* HOST: embedder data, not owned */
	atomic_int refs;         /* HOST only */
	wm_functype own_type;    /* HOST: copy of the type; arrays owned */
};

struct wm_memory {
	uint8_t *base;     /* start of the reserved mapping */
	uint64_t size;     /* accessible bytes (a multiple of the page size) */
	uint64_t reserved; /* bytes of address space reserved; size <= reserved */
	wm_limits lim;     /* in pages; lim.min is the current page count */
	atomic_int refs;
};

struct wm_table {
	void **elems; /* size entries; NULL is ref.null */
	uint32_t size;
	wm_limits lim; /* lim.min is the current size */
	wm_valtype type;
	atomic_int refs;
};

struct wm_global {
	wm_val val;
	wm_valtype type;
	bool mut;
	atomic_int refs;
};

struct wm_instance {
	atomic_int refs;
	wm_module *mod;      /* one reference */
	wm_func **funcs;     /* mod->nfuncs; imports (with a reference) then &own_funcs[i] */
	wm_func *own_funcs;  /* defined functions */
	wm_table **tables;   /* mod->ntables, each with a reference */
	wm_memory *mem0;     /* memory 0 (with a reference) or NULL */
	wm_global **globals; /* mod->nglobals, each with a reference */
	void ***elem_vals;   /* per elem segment: evaluated references */
	uint32_t *elem_len;  /* per elem segment: length, 0 once dropped */
	bool *data_dropped;  /* per data segment */
	void *ud;            /* embedder's, not owned */
};

/* ----------------------------------------------------------------------- */
/* Internal entry points */

/* types.c: interns a signature, returning its process-wide id. Thread-safe. */
uint32_t wm_type_intern(const wm_functype *ft);
bool wm_functype_eq(const wm_functype *a, const wm_functype *b);

/* compile.c: validates and compiles every function body of m into m->codes. */
int wm_compile_module(wm_module *m, st_err *err) ST_WARN_UNUSED;
/* compile.c: frees one compiled body. */
void wm_code_free(wm_code *c);
/* compile.c: prints a compiled body (debugging aid). */
void wm_code_dump(const wm_code *c, FILE *f);

/* instance.c: grow helpers, also used by the interpreter. */
int64_t wm_memory_grow_pages(wm_memory *mem, uint64_t delta);
int64_t wm_table_grow_elems(wm_table *t, uint64_t delta, void *init);

/* Text for a trap kind; also fills err with ST_ETRAP. */
int wm_trap_err(st_err *err, wm_trap_kind kind);

#endif
