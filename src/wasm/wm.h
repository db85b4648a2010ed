/*
 * wm.h - the stratus WebAssembly engine (Wasm 2.0 core, no SIMD).
 *
 * Object model (compile once, instantiate many):
 *  - wm_module: decoded, validated and compiled once; immutable afterwards,
 *    reference-counted and shared by any number of instances on any threads.
 *  - wm_instance: memories, tables, globals and resolved imports of one
 *    instantiation. Used by one thread at a time. Reference-counted, because
 *    an instance that exports objects stays alive while an importer uses them.
 *  - wm_exec: an execution context (value stack, frame stack, trap record,
 *    fuel/deadline). One per thread, reused across calls.
 *  - wm_func, wm_memory, wm_table, wm_global: the external objects that
 *    imports and exports carry. Objects created by the embedder
 *    (wm_*_new) are reference-counted; those defined by an instance belong
 *    to it and live as long as it does.
 *
 * Errors follow src/core/err.h: functions return 0 or a negative ST_E*
 * code and fill an optional st_err. Decoding errors are ST_EMALFORMED
 * (with the byte offset), validation errors ST_EINVALID, link errors
 * ST_EUNLINKABLE, and a trap is ST_ETRAP with st_err.kind a wm_trap_kind.
 * Messages use the spec test suite's wording ("type mismatch",
 * "integer divide by zero", ...).
 */
#ifndef STRATUS_WASM_WM_H
#define STRATUS_WASM_WM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

typedef struct wm_module wm_module;
typedef struct wm_instance wm_instance;
typedef struct wm_exec wm_exec;
typedef struct wm_func wm_func;
typedef struct wm_memory wm_memory;
typedef struct wm_table wm_table;
typedef struct wm_global wm_global;

/* Value types, with their binary encodings. */
typedef enum wm_valtype {
	WM_I32 = 0x7f,
	WM_I64 = 0x7e,
	WM_F32 = 0x7d,
	WM_F64 = 0x7c,
	WM_V128 = 0x7b, /* decoded only to be refused: SIMD is not supported */
	WM_FUNCREF = 0x70,
	WM_EXTERNREF = 0x6f,
} wm_valtype;

/* External kinds, with their binary encodings. */
typedef enum wm_extern_kind {
	WM_EXTERN_FUNC = 0,
	WM_EXTERN_TABLE = 1,
	WM_EXTERN_MEMORY = 2,
	WM_EXTERN_GLOBAL = 3,
} wm_extern_kind;

typedef enum wm_trap_kind {
	WM_TRAP_NONE = 0,
	WM_TRAP_UNREACHABLE,           /* "unreachable" */
	WM_TRAP_MEMORY_OOB,            /* "out of bounds memory access" */
	WM_TRAP_TABLE_OOB,             /* "out of bounds table access" */
	WM_TRAP_UNDEFINED_ELEMENT,     /* "undefined element" */
	WM_TRAP_UNINITIALIZED_ELEMENT, /* "uninitialized element" */
	WM_TRAP_INDIRECT_MISMATCH,     /* "indirect call type mismatch" */
	WM_TRAP_INT_OVERFLOW,          /* "integer overflow" */
	WM_TRAP_DIV_ZERO,              /* "integer divide by zero" */
	WM_TRAP_INVALID_CONVERSION,    /* "invalid conversion to integer" */
	WM_TRAP_STACK_EXHAUSTED,       /* "call stack exhausted" */
	WM_TRAP_INTERRUPTED,           /* deadline passed or wm_exec_interrupt */
	WM_TRAP_FUEL,                  /* fuel exhausted */
	WM_TRAP_HOST,                  /* a host function failed the call */
	WM_TRAP_EXIT,                  /* WASI proc_exit: not an error, see wasi.h */
} wm_trap_kind;

/*
 * One value. References are pointers: a funcref is a wm_func * (NULL is
 * ref.null), an externref is an opaque embedder pointer (NULL is ref.null).
 */
typedef union wm_val {
	uint32_t i32;
	uint64_t i64;
	float f32;
	double f64;
	void *ref;
	uint64_t bits; /* the raw 8-byte slot */
} wm_val;

/* A function signature. params/results point into storage owned by the module or caller. */
typedef struct wm_functype {
	uint32_t nparams;
	uint32_t nresults;
	const wm_valtype *params;
	const wm_valtype *results;
} wm_functype;

typedef struct wm_limits {
	uint64_t min;
	uint64_t max; /* valid only when has_max */
	bool has_max;
} wm_limits;

/* An import or export resolved to an object. */
typedef struct wm_extern {
	wm_extern_kind kind;
	union {
		wm_func *func;
		wm_table *table;
		wm_memory *memory;
		wm_global *global;
	} of;
} wm_extern;

/* ----------------------------------------------------------------------- */
/* Modules */

/* Hard caps on what a module may declare (sizes chosen by the input). */
#define WM_MAX_MODULE_BYTES ((size_t)256 << 20)
#define WM_MAX_PAGES 65536u /* 4 GiB of 64 KiB pages */
#define WM_MAX_TABLE_ELEMS 10000000u

/*
 * Decodes, validates and compiles a binary module. The bytes are copied;
 * the caller keeps ownership of them. On success *out is a new module with
 * one reference. Errors: ST_EMALFORMED (with err->offset), ST_EINVALID,
 * ST_ENOSYS (a feature we do not run, e.g. SIMD), ST_ETOOBIG, ST_ENOMEM.
 * Any thread.
 */
int wm_module_new(wm_module **out, const uint8_t *bytes, size_t len, st_err *err) ST_WARN_UNUSED;
wm_module *wm_module_ref(wm_module *m);
/* Drops a reference; the last one frees. NULL is a no-op. Any thread. */
void wm_module_unref(wm_module *m);

/*
 * Finds a custom section by name. Returns the number of sections of that
 * name; *data and *len receive the first one's payload (borrowed, valid while
 * the module lives). 0 when there is none.
 */
size_t wm_module_custom(const wm_module *m, const char *name, const uint8_t **data, size_t *len);

/* A custom section; every pointer is borrowed from the module. */
typedef struct wm_custom_desc {
	const char *name; /* NUL-terminated copy of the name */
	size_t name_len;
	const uint8_t *data;
	size_t len;
} wm_custom_desc;

/* The number of custom sections, and the i-th one in module order. */
size_t wm_module_custom_count(const wm_module *m);
void wm_module_custom_at(const wm_module *m, size_t i, wm_custom_desc *out);

/* Import and export listing. Returned strings are borrowed from the module. */
typedef struct wm_import_desc {
	const char *module; /* NUL-terminated (UTF-8; may contain NUL only if the name did) */
	size_t module_len;
	const char *name;
	size_t name_len;
	wm_extern_kind kind;
	const wm_functype *func; /* WM_EXTERN_FUNC */
	wm_valtype type;         /* table element type or global value type */
	bool mut;                /* global mutability */
	wm_limits limits;        /* table or memory */
} wm_import_desc;

typedef struct wm_export_desc {
	const char *name;
	size_t name_len;
	wm_extern_kind kind;
	uint32_t index;
} wm_export_desc;

size_t wm_module_import_count(const wm_module *m);
void wm_module_import(const wm_module *m, size_t i, wm_import_desc *out);
size_t wm_module_export_count(const wm_module *m);
void wm_module_export(const wm_module *m, size_t i, wm_export_desc *out);

/* ----------------------------------------------------------------------- */
/* Host functions and embedder-created objects */

/*
 * A host function. args holds the parameters, results receives the results;
 * the two never overlap. caller is the instance whose code made the call
 * (NULL when the embedder called the host function directly); its memory is
 * reached with wm_instance_memory. Return 0, or fail the call with
 * wm_trap_set(x, ...) returned as a negative code. Runs on the calling thread.
 */
typedef int (*wm_host_cb)(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                          void *ud);

/*
 * Creates a host function of the given type (copied). ud is passed to cb
 * and not owned. One reference; free with wm_func_unref.
 */
wm_func *wm_func_new_host(const wm_functype *type, wm_host_cb cb, void *ud);
wm_func *wm_func_ref(wm_func *f);
void wm_func_unref(wm_func *f);
/* The function's type, borrowed for the function's lifetime. */
const wm_functype *wm_func_type(const wm_func *f);

/* Creates a memory of min pages (max if has_max). One reference. */
int wm_memory_new(wm_memory **out, wm_limits limits, st_err *err) ST_WARN_UNUSED;
wm_memory *wm_memory_ref(wm_memory *mem);
void wm_memory_unref(wm_memory *mem);
/* Base address (valid until the next grow) and size in bytes. */
uint8_t *wm_memory_data(wm_memory *mem);
size_t wm_memory_size(const wm_memory *mem);
/* Grows by delta pages; returns the old size in pages, or -1. */
int64_t wm_memory_grow(wm_memory *mem, uint64_t delta_pages);
wm_limits wm_memory_limits(const wm_memory *mem);
/*
 * Lowers the number of pages mem may grow to (an embedder's per-instance
 * cap on a module-defined memory): the maximum becomes max_pages, or the
 * current size when that is larger; a maximum is never raised. Call it on
 * the thread that runs the instance, between calls.
 */
void wm_memory_cap(wm_memory *mem, uint64_t max_pages);

int wm_table_new(wm_table **out, wm_valtype elem, wm_limits limits, void *init,
                 st_err *err) ST_WARN_UNUSED;
wm_table *wm_table_ref(wm_table *t);
void wm_table_unref(wm_table *t);
uint32_t wm_table_size(const wm_table *t);
wm_valtype wm_table_elem_type(const wm_table *t);
wm_limits wm_table_limits(const wm_table *t);
/* Element i (a wm_func * for funcref tables); ST_ENOTFOUND out of range. */
int wm_table_get(const wm_table *t, uint32_t i, void **out);
int wm_table_set(wm_table *t, uint32_t i, void *ref);

int wm_global_new(wm_global **out, wm_valtype type, bool mut, wm_val init,
                  st_err *err) ST_WARN_UNUSED;
wm_global *wm_global_ref(wm_global *g);
void wm_global_unref(wm_global *g);
wm_val wm_global_get(const wm_global *g);
void wm_global_set(wm_global *g, wm_val v);
wm_valtype wm_global_type(const wm_global *g);
bool wm_global_mutable(const wm_global *g);

/* ----------------------------------------------------------------------- */
/* Instances */

/*
 * Resolves an import by (module, name). Return 0 and fill *out, or
 * ST_ENOTFOUND. The objects handed out are borrowed: the instance takes its
 * own references.
 */
typedef int (*wm_resolve_cb)(void *ud, const wm_import_desc *imp, wm_extern *out);

/*
 * Instantiates a module: resolves every import through resolve (or from
 * imports[] in declaration order when resolve is NULL; nimports must then
 * match), checks their types (ST_EUNLINKABLE, "incompatible import type",
 * "unknown import"), allocates memories, tables and globals, applies
 * element and data segments and runs the start function on x. A trap during
 * segments or start fails with ST_ETRAP (writes to imported objects made
 * before the trap stay, as the spec says). On success *out holds one
 * reference. The instance holds a reference to the module.
 */
int wm_instance_new(wm_instance **out, wm_module *m, wm_exec *x, wm_resolve_cb resolve,
                    void *resolve_ud, const wm_extern *imports, size_t nimports,
                    st_err *err) ST_WARN_UNUSED;
wm_instance *wm_instance_ref(wm_instance *inst);
void wm_instance_unref(wm_instance *inst);

wm_module *wm_instance_module(const wm_instance *inst);

/* Looks up an export by name (borrowed object). ST_ENOTFOUND if absent. */
int wm_instance_export(wm_instance *inst, const char *name, size_t name_len, wm_extern *out);
/* Shortcut: the exported function of that name, or NULL. */
wm_func *wm_instance_func(wm_instance *inst, const char *name);
/* The instance's memory 0, or NULL. */
wm_memory *wm_instance_memory(wm_instance *inst);

/* An embedder pointer carried by the instance (not owned). */
void wm_instance_set_ud(wm_instance *inst, void *ud);
void *wm_instance_ud(const wm_instance *inst);

/* ----------------------------------------------------------------------- */
/* Execution */

/* Default limits of an execution context. */
#define WM_DEFAULT_STACK_SLOTS (1u << 20) /* 8 MiB of value slots */
#define WM_DEFAULT_MAX_FRAMES 20000u
/*
 * wm_call may nest (a host function calling back into wasm) at most this
 * deep on one context: each level also uses C stack. Deeper calls trap with
 * WM_TRAP_STACK_EXHAUSTED.
 */
#define WM_MAX_NESTED_CALLS 256u

/*
 * Creates an execution context with room for stack_slots 8-byte value slots
 * and max_frames nested calls (0 for the defaults). Exceeding either traps
 * with WM_TRAP_STACK_EXHAUSTED.
 */
int wm_exec_new(wm_exec **out, size_t stack_slots, size_t max_frames, st_err *err) ST_WARN_UNUSED;
void wm_exec_free(wm_exec *x);

/*
 * Limits for the next calls on x: fuel counts loop iterations and calls
 * (a negative value means unlimited, the default); deadline_ns is an
 * absolute CLOCK_MONOTONIC time in nanoseconds (0 means none). They are
 * checked at loop back-edges and function entries.
 */
void wm_exec_set_fuel(wm_exec *x, int64_t fuel);
int64_t wm_exec_fuel(const wm_exec *x);
void wm_exec_set_deadline(wm_exec *x, uint64_t deadline_ns);
/* Asks a running call on x to trap with WM_TRAP_INTERRUPTED. Any thread. */
void wm_exec_interrupt(wm_exec *x);

/* An embedder pointer carried by the context (not owned). */
void wm_exec_set_ud(wm_exec *x, void *ud);
void *wm_exec_ud(const wm_exec *x);

/*
 * Calls f with nargs arguments (checked against its type, ST_EINVAL) and
 * stores its results. On a trap returns ST_ETRAP with err->kind set; the
 * instance is still usable afterwards (the host may choose to discard it).
 * Calls on x may nest (a host function may call back into wasm).
 */
int wm_call(wm_exec *x, wm_func *f, const wm_val *args, size_t nargs, wm_val *results,
            size_t nresults, st_err *err) ST_WARN_UNUSED;

/*
 * For host functions: records a trap of the given kind and message on x
 * and returns ST_ETRAP, for the host function to return.
 */
int wm_trap_set(wm_exec *x, wm_trap_kind kind, const char *fmt, ...) ST_PRINTF(3, 4);

/* The text of a trap kind, e.g. "integer overflow". */
const char *wm_trap_text(wm_trap_kind kind);

/* Name of a value type ("i32", "funcref", ...). */
const char *wm_valtype_name(wm_valtype t);

#endif
