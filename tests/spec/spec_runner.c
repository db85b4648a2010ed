/*
 * spec_runner.c - runs the official WebAssembly spec tests against the
 * engine, through wm.h only. Input is one script converted by wabt's
 * `wast2json X.wast -o DIR/X.json`; every command in it is one check.
 * A file runs in a forked child, so an engine crash fails that file and the
 * runner still prints its summary. Failures listed in known-failures.txt are
 * reported as known; a listed entry that passes fails the run.
 * Usage: spec_runner [-v] [--known FILE] [--timeout SEC] X.json
 *        spec_runner [--known FILE] [--timeout SEC] --summary DIR
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "wasm/wm.h"
#include "core/banned.h"

#define SPEC_MAX_RESULTS 1024u      /* results of one invoked function */
#define SPEC_EXTERN_SLOTS 4096u     /* `ref.extern N` values the runner can map */
#define SPEC_CALL_DEADLINE_S 60u    /* one call longer than this is a runaway */
#define SPEC_DEFAULT_TIMEOUT_S 280u /* one file, under ctest's 300 s */

/* Counters of one file; shared with the parent through an anonymous mapping. */
typedef struct spec_counts {
	long passed;
	long failed; /* every failure, known ones included */
	long known;  /* failures listed in known-failures.txt */
	long skipped;
	long fixed;   /* listed failures that pass now */
	long line;    /* line of the command being run (for crash reports) */
	int finished; /* the child reached the end of the script */
} spec_counts;

/* One entry of known-failures.txt: `file.wast:LINE  reason`. */
typedef struct spec_known {
	char *file;
	long line;
	char *reason;
	bool hit;
} spec_known;

typedef struct spec_known_list {
	spec_known *v;
	size_t n;
	size_t cap;
} spec_known_list;

/* A name bound to an instance: named modules ($M) and registered ones. */
typedef struct spec_binding {
	char *name;
	size_t name_len;
	wm_instance *inst; /* one reference, NULL when the module failed */
} spec_binding;

typedef struct spec_bindings {
	spec_binding *v;
	size_t n;
	size_t cap;
} spec_bindings;

/* The state of one script run. */
typedef struct spec_run {
	const char *dir; /* directory of the .json (and its .wasm files) */
	char wast[256];  /* "i32.wast", as named in FAIL lines */
	const spec_known_list *known;
	spec_counts *counts;
	bool quiet; /* --summary: no FAIL lines */
	wm_exec *x;
	wm_instance *current;     /* last module defined, one reference */
	spec_bindings named;      /* "$M" -> instance */
	spec_bindings registered; /* register "as" -> instance */
	wm_func *st_funcs[7];
	wm_global *st_globals[4];
	wm_table *st_table;
	wm_memory *st_memory;
} spec_run;

static bool spec_verbose;

/* Externref values: `ref.extern N` is the address of spec_extern_slots[N]. */
static char spec_extern_slots[SPEC_EXTERN_SLOTS];

/* ----------------------------------------------------------------------- */
/* Known failures */

static char *spec_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Loads the list; blank lines and lines starting with '#' are comments. */
static int spec_known_load(spec_known_list *kl, const char *path)
{
	char line[1024];
	FILE *f;
	int rc = 0;
	long lineno = 0;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "spec_runner: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = spec_trim(line), *colon, *end, *reason;
		long ln;

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		colon = strchr(s, ':');
		if (!colon)
			goto bad;
		errno = 0;
		ln = strtol(colon + 1, &end, 10);
		if (errno || end == colon + 1 || ln < 0 ||
		    (*end != '\0' && *end != ' ' && *end != '\t'))
			goto bad;
		reason = spec_trim(end);
		if (*reason == '\0')
			goto bad;
		if (kl->n == kl->cap) {
			kl->cap = kl->cap ? kl->cap * 2 : 16;
			kl->v = xrealloc(kl->v, kl->cap * sizeof(*kl->v));
		}
		kl->v[kl->n].file = xstrndup(s, (size_t)(colon - s));
		kl->v[kl->n].line = ln;
		kl->v[kl->n].reason = xstrdup(reason);
		kl->v[kl->n].hit = false;
		kl->n++;
		continue;
bad:
		fprintf(stderr, "%s:%ld: expected `file.wast:LINE  reason`\n", path, lineno);
		rc = -1;
		break;
	}
	fclose(f);
	return rc;
}

static void spec_known_free(spec_known_list *kl)
{
	size_t i;

	for (i = 0; i < kl->n; i++) {
		st_free(kl->v[i].file);
		st_free(kl->v[i].reason);
	}
	st_free(kl->v);
	kl->v = NULL;
	kl->n = kl->cap = 0;
}

static spec_known *spec_known_find(const spec_known_list *kl, const char *file, long line)
{
	size_t i;

	if (!kl)
		return NULL;
	for (i = 0; i < kl->n; i++)
		if (kl->v[i].line == line && strcmp(kl->v[i].file, file) == 0)
			return &kl->v[i];
	return NULL;
}

/* ----------------------------------------------------------------------- */
/* Reporting */

static void spec_pass(spec_run *r)
{
	r->counts->passed++;
}

static void spec_skip(spec_run *r, long line, const char *what)
{
	r->counts->skipped++;
	if (spec_verbose && !r->quiet)
		printf("SKIP %s:%ld: %s\n", r->wast, line, what);
}

/* Counts one failed check and prints it (as known when it is listed). */
static void spec_fail(spec_run *r, long line, const char *fmt, ...) ST_PRINTF(3, 4);
static void spec_fail(spec_run *r, long line, const char *fmt, ...)
{
	char what[1024];
	spec_known *k;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	r->counts->failed++;
	k = spec_known_find(r->known, r->wast, line);
	if (k) {
		k->hit = true;
		r->counts->known++;
		if (!r->quiet)
			printf("KNOWN %s:%ld: %s [%s]\n", r->wast, line, what, k->reason);
		return;
	}
	if (!r->quiet)
		printf("FAIL %s:%ld: %s\n", r->wast, line, what);
}

/* ----------------------------------------------------------------------- */
/* Values */

typedef enum spec_nan {
	SPEC_NAN_NONE = 0,
	SPEC_NAN_CANONICAL,
	SPEC_NAN_ARITHMETIC,
} spec_nan;

/* One value of the script: a type and either bits, a NaN class or "any ref". */
typedef struct spec_val {
	wm_valtype type;
	wm_val v;
	spec_nan nan;
	bool any_ref; /* expected (ref.func) / (ref.extern) without a value: not null */
} spec_val;

static int spec_type_parse(const char *s, wm_valtype *out)
{
	static const struct {
		const char *name;
		wm_valtype t;
	} types[] = {
		{ "i32", WM_I32 },   { "i64", WM_I64 },         { "f32", WM_F32 },
		{ "f64", WM_F64 },   { "funcref", WM_FUNCREF }, { "externref", WM_EXTERNREF },
		{ "v128", WM_V128 },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(s, types[i].name) == 0) {
			*out = types[i].t;
			return 0;
		}
	}
	return -1;
}

static const char *spec_type_name(wm_valtype t)
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
	return "?";
}

static int spec_u64_parse(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Parses {"type": T, "value": V}. Numbers are unsigned decimal bit patterns
 * (floats too); "nan:canonical"/"nan:arithmetic" only where expect is set.
 * Writes a message into why on failure.
 */
static int spec_val_parse(const json_t *j, bool expect, spec_val *out, char *why, size_t whylen)
{
	const char *ts, *vs;
	json_t *jv;
	uint64_t u;
	uint32_t u32;

	memset(out, 0, sizeof(*out));
	ts = json_string_value(json_object_get(j, "type"));
	if (!ts || spec_type_parse(ts, &out->type) < 0) {
		snprintf(why, whylen, "unknown value type %s", ts ? ts : "(none)");
		return -1;
	}
	if (out->type == WM_V128) {
		snprintf(why, whylen, "v128 values are not supported");
		return -1;
	}
	jv = json_object_get(j, "value");
	if (!jv) {
		if (expect && (out->type == WM_FUNCREF || out->type == WM_EXTERNREF)) {
			out->any_ref = true;
			return 0;
		}
		snprintf(why, whylen, "%s value missing", ts);
		return -1;
	}
	vs = json_string_value(jv);
	if (!vs) {
		snprintf(why, whylen, "%s value is not a string", ts);
		return -1;
	}
	if (expect && (out->type == WM_F32 || out->type == WM_F64)) {
		if (strcmp(vs, "nan:canonical") == 0) {
			out->nan = SPEC_NAN_CANONICAL;
			return 0;
		}
		if (strcmp(vs, "nan:arithmetic") == 0) {
			out->nan = SPEC_NAN_ARITHMETIC;
			return 0;
		}
	}
	switch (out->type) {
	case WM_I32:
	case WM_F32:
		if (spec_u64_parse(vs, UINT32_MAX, &u) < 0)
			goto bad;
		u32 = (uint32_t)u;
		/* Bit copies only: a float assignment could quiet a signalling NaN. */
		if (out->type == WM_I32)
			out->v.i32 = u32;
		else
			memcpy(&out->v.f32, &u32, sizeof(u32));
		return 0;
	case WM_I64:
	case WM_F64:
		if (spec_u64_parse(vs, UINT64_MAX, &u) < 0)
			goto bad;
		if (out->type == WM_I64)
			out->v.i64 = u;
		else
			memcpy(&out->v.f64, &u, sizeof(u));
		return 0;
	case WM_FUNCREF:
	case WM_EXTERNREF:
		if (strcmp(vs, "null") == 0) {
			out->v.ref = NULL;
			return 0;
		}
		if (out->type == WM_FUNCREF) {
			/* A function cannot be named from the script: only null is checkable. */
			snprintf(why, whylen, "funcref value %s cannot be represented", vs);
			return -1;
		}
		if (spec_u64_parse(vs, SPEC_EXTERN_SLOTS - 1, &u) < 0)
			goto bad;
		out->v.ref = &spec_extern_slots[u];
		return 0;
	case WM_V128:
		break;
	}
bad:
	snprintf(why, whylen, "bad %s value \"%s\"", ts, vs);
	return -1;
}

static uint32_t spec_f32_bits(wm_val v)
{
	uint32_t b;

	memcpy(&b, &v.f32, sizeof(b));
	return b;
}

static uint64_t spec_f64_bits(wm_val v)
{
	uint64_t b;

	memcpy(&b, &v.f64, sizeof(b));
	return b;
}

/* Formats a value of type t for messages, e.g. "f32:0x7fc00000 (nan)". */
static void spec_val_format(char *s, size_t n, wm_valtype t, wm_val v)
{
	uintptr_t p;

	switch (t) {
	case WM_I32:
		snprintf(s, n, "i32:%" PRIu32 " (0x%" PRIx32 ")", v.i32, v.i32);
		return;
	case WM_I64:
		snprintf(s, n, "i64:%" PRIu64 " (0x%" PRIx64 ")", v.i64, v.i64);
		return;
	case WM_F32:
		snprintf(s, n, "f32:0x%08" PRIx32 " (%.9g)", spec_f32_bits(v), (double)v.f32);
		return;
	case WM_F64:
		snprintf(s, n, "f64:0x%016" PRIx64 " (%.17g)", spec_f64_bits(v), v.f64);
		return;
	case WM_FUNCREF:
		snprintf(s, n, "funcref:%s", v.ref ? "non-null" : "null");
		return;
	case WM_EXTERNREF:
		p = (uintptr_t)v.ref;
		if (!v.ref)
			snprintf(s, n, "externref:null");
		else if (p >= (uintptr_t)spec_extern_slots &&
		         p < (uintptr_t)spec_extern_slots + SPEC_EXTERN_SLOTS)
			snprintf(s, n, "externref:%zu", (size_t)(p - (uintptr_t)spec_extern_slots));
		else
			snprintf(s, n, "externref:%p (not made by the runner)", v.ref);
		return;
	case WM_V128:
		break;
	}
	snprintf(s, n, "%s:?", spec_type_name(t));
}

static void spec_expect_format(char *s, size_t n, const spec_val *e)
{
	if (e->nan == SPEC_NAN_CANONICAL)
		snprintf(s, n, "%s:nan:canonical", spec_type_name(e->type));
	else if (e->nan == SPEC_NAN_ARITHMETIC)
		snprintf(s, n, "%s:nan:arithmetic", spec_type_name(e->type));
	else if (e->any_ref)
		snprintf(s, n, "%s:non-null", spec_type_name(e->type));
	else
		spec_val_format(s, n, e->type, e->v);
}

/* Does the result (type t, value v) match the expectation? Floats bit-exactly. */
static bool spec_val_matches(const spec_val *e, wm_valtype t, wm_val v)
{
	uint32_t b32;
	uint64_t b64;

	if (e->type != t)
		return false;
	switch (t) {
	case WM_I32:
		return v.i32 == e->v.i32;
	case WM_I64:
		return v.i64 == e->v.i64;
	case WM_F32:
		b32 = spec_f32_bits(v);
		if (e->nan == SPEC_NAN_CANONICAL)
			return (b32 & 0x7fffffffu) == 0x7fc00000u;
		if (e->nan == SPEC_NAN_ARITHMETIC)
			return (b32 & 0x7fc00000u) == 0x7fc00000u;
		return b32 == spec_f32_bits(e->v);
	case WM_F64:
		b64 = spec_f64_bits(v);
		if (e->nan == SPEC_NAN_CANONICAL)
			return (b64 & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
		if (e->nan == SPEC_NAN_ARITHMETIC)
			return (b64 & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
		return b64 == spec_f64_bits(e->v);
	case WM_FUNCREF:
	case WM_EXTERNREF:
		if (e->any_ref)
			return v.ref != NULL;
		if (t == WM_FUNCREF)
			return v.ref == NULL && e->v.ref == NULL;
		return v.ref == e->v.ref;
	case WM_V128:
		break;
	}
	return false;
}

/* ----------------------------------------------------------------------- */
/* Traps */

/* The spec's trap texts and our kinds; matched as a prefix of the expected text. */
static const struct {
	const char *text;
	wm_trap_kind kind;
} spec_traps[] = {
	{ "unreachable", WM_TRAP_UNREACHABLE },
	{ "out of bounds memory access", WM_TRAP_MEMORY_OOB },
	{ "out of bounds table access", WM_TRAP_TABLE_OOB },
	{ "undefined element", WM_TRAP_UNDEFINED_ELEMENT },
	{ "uninitialized element", WM_TRAP_UNINITIALIZED_ELEMENT },
	{ "indirect call type mismatch", WM_TRAP_INDIRECT_MISMATCH },
	{ "integer overflow", WM_TRAP_INT_OVERFLOW },
	{ "integer divide by zero", WM_TRAP_DIV_ZERO },
	{ "invalid conversion to integer", WM_TRAP_INVALID_CONVERSION },
	{ "call stack exhausted", WM_TRAP_STACK_EXHAUSTED },
};

/* The kind the expected text names, WM_TRAP_NONE when we do not know it. */
static wm_trap_kind spec_trap_kind(const char *text)
{
	size_t i, best = 0;
	wm_trap_kind kind = WM_TRAP_NONE;

	for (i = 0; i < sizeof(spec_traps) / sizeof(spec_traps[0]); i++) {
		size_t n = strlen(spec_traps[i].text);

		if (n > best && strncmp(text, spec_traps[i].text, n) == 0) {
			best = n;
			kind = spec_traps[i].kind;
		}
	}
	return kind;
}

static const char *spec_trap_name(int kind)
{
	size_t i;

	for (i = 0; i < sizeof(spec_traps) / sizeof(spec_traps[0]); i++)
		if ((int)spec_traps[i].kind == kind)
			return spec_traps[i].text;
	switch (kind) {
	case WM_TRAP_NONE:
		return "no trap kind";
	case WM_TRAP_INTERRUPTED:
		return "interrupted (deadline)";
	case WM_TRAP_FUEL:
		return "fuel exhausted";
	case WM_TRAP_HOST:
		return "host function failed";
	case WM_TRAP_EXIT:
		return "exit";
	default:
		return "unknown trap kind";
	}
}

/* Describes the outcome rc/err of an operation, e.g. "trap: integer overflow". */
static void spec_outcome_format(char *s, size_t n, int rc, const st_err *err)
{
	if (rc == 0)
		snprintf(s, n, "success");
	else if (rc == ST_ETRAP)
		snprintf(s, n, "trap: %s [%s]", spec_trap_name(err->kind), err->msg);
	else
		snprintf(s, n, "%s (%s)", st_errname(rc), err->msg[0] ? err->msg : st_strerror(rc));
}

/* ----------------------------------------------------------------------- */
/* Bindings */

/* wm_instance_unref that takes NULL (a module that failed to load). */
static void spec_instance_drop(wm_instance *inst)
{
	if (inst)
		wm_instance_unref(inst);
}

static void spec_bind(spec_bindings *b, const char *name, size_t len, wm_instance *inst)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	b->v[b->n].name = xstrndup(name, len);
	b->v[b->n].name_len = len;
	b->v[b->n].inst = inst ? wm_instance_ref(inst) : NULL;
	b->n++;
}

/* The latest binding of name; *found tells whether there is one at all. */
static wm_instance *spec_lookup(const spec_bindings *b, const char *name, size_t len, bool *found)
{
	size_t i;

	for (i = b->n; i > 0; i--) {
		const spec_binding *e = &b->v[i - 1];

		if (e->name_len == len && memcmp(e->name, name, len) == 0) {
			*found = true;
			return e->inst;
		}
	}
	*found = false;
	return NULL;
}

static void spec_bindings_free(spec_bindings *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		spec_instance_drop(b->v[i].inst);
		st_free(b->v[i].name);
	}
	st_free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
}

/* ----------------------------------------------------------------------- */
/* The "spectest" host module */

static const wm_valtype spec_vt_i32[] = { WM_I32 };
static const wm_valtype spec_vt_i64[] = { WM_I64 };
static const wm_valtype spec_vt_f32[] = { WM_F32 };
static const wm_valtype spec_vt_f64[] = { WM_F64 };
static const wm_valtype spec_vt_i32_f32[] = { WM_I32, WM_F32 };
static const wm_valtype spec_vt_f64_f64[] = { WM_F64, WM_F64 };

static const struct {
	const char *name;
	wm_functype type;
} spec_host_funcs[7] = {
	{ "print", { 0, 0, NULL, NULL } },
	{ "print_i32", { 1, 0, spec_vt_i32, NULL } },
	{ "print_i64", { 1, 0, spec_vt_i64, NULL } },
	{ "print_f32", { 1, 0, spec_vt_f32, NULL } },
	{ "print_f64", { 1, 0, spec_vt_f64, NULL } },
	{ "print_i32_f32", { 2, 0, spec_vt_i32_f32, NULL } },
	{ "print_f64_f64", { 2, 0, spec_vt_f64_f64, NULL } },
};

static const char *const spec_host_globals[4] = {
	"global_i32",
	"global_i64",
	"global_f32",
	"global_f64",
};

/* spectest.print*: prints its arguments with -v, otherwise does nothing. */
static int spec_host_print(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                           void *ud)
{
	const wm_functype *ft = ud;
	char s[96];
	uint32_t i;

	(void)x;
	(void)caller;
	(void)results;
	if (!spec_verbose)
		return 0;
	printf("spectest.print:");
	for (i = 0; i < ft->nparams; i++) {
		spec_val_format(s, sizeof(s), ft->params[i], args[i]);
		printf(" %s", s);
	}
	printf("\n");
	return 0;
}

static int spec_host_new(spec_run *r, st_err *err)
{
	wm_val v;
	size_t i;
	int rc;

	for (i = 0; i < 7; i++) {
		r->st_funcs[i] = wm_func_new_host(&spec_host_funcs[i].type, spec_host_print,
		                                  (void *)&spec_host_funcs[i].type);
		if (!r->st_funcs[i])
			return st_err_set(err, ST_ENOMEM, "spectest.%s", spec_host_funcs[i].name);
	}
	v.bits = 0;
	v.i32 = 666;
	rc = wm_global_new(&r->st_globals[0], WM_I32, false, v, err);
	if (rc < 0)
		return rc;
	v.bits = 0;
	v.i64 = 666;
	rc = wm_global_new(&r->st_globals[1], WM_I64, false, v, err);
	if (rc < 0)
		return rc;
	v.bits = 0;
	v.f32 = 666.6f;
	rc = wm_global_new(&r->st_globals[2], WM_F32, false, v, err);
	if (rc < 0)
		return rc;
	v.bits = 0;
	v.f64 = 666.6;
	rc = wm_global_new(&r->st_globals[3], WM_F64, false, v, err);
	if (rc < 0)
		return rc;
	rc = wm_table_new(&r->st_table, WM_FUNCREF, (wm_limits){ 10, 20, true }, NULL, err);
	if (rc < 0)
		return rc;
	return wm_memory_new(&r->st_memory, (wm_limits){ 1, 2, true }, err);
}

static void spec_host_free(spec_run *r)
{
	size_t i;

	/* Also after a partial spec_host_new: unset objects are NULL. */
	for (i = 0; i < 7; i++)
		if (r->st_funcs[i])
			wm_func_unref(r->st_funcs[i]);
	for (i = 0; i < 4; i++)
		if (r->st_globals[i])
			wm_global_unref(r->st_globals[i]);
	if (r->st_table)
		wm_table_unref(r->st_table);
	if (r->st_memory)
		wm_memory_unref(r->st_memory);
}

static bool spec_name_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int spec_host_lookup(spec_run *r, const char *name, size_t len, wm_extern *out)
{
	size_t i;

	for (i = 0; i < 7; i++) {
		if (spec_name_is(name, len, spec_host_funcs[i].name)) {
			out->kind = WM_EXTERN_FUNC;
			out->of.func = r->st_funcs[i];
			return 0;
		}
	}
	for (i = 0; i < 4; i++) {
		if (spec_name_is(name, len, spec_host_globals[i])) {
			out->kind = WM_EXTERN_GLOBAL;
			out->of.global = r->st_globals[i];
			return 0;
		}
	}
	if (spec_name_is(name, len, "table")) {
		out->kind = WM_EXTERN_TABLE;
		out->of.table = r->st_table;
		return 0;
	}
	if (spec_name_is(name, len, "memory")) {
		out->kind = WM_EXTERN_MEMORY;
		out->of.memory = r->st_memory;
		return 0;
	}
	return ST_ENOTFOUND;
}

/* Imports: registered instances first (latest registration wins), then spectest. */
static int spec_resolve(void *ud, const wm_import_desc *imp, wm_extern *out)
{
	spec_run *r = ud;
	wm_instance *inst;
	bool found;

	inst = spec_lookup(&r->registered, imp->module, imp->module_len, &found);
	if (found) {
		if (!inst)
			return ST_ENOTFOUND;
		return wm_instance_export(inst, imp->name, imp->name_len, out);
	}
	if (spec_name_is(imp->module, imp->module_len, "spectest"))
		return spec_host_lookup(r, imp->name, imp->name_len, out);
	return ST_ENOTFOUND;
}

/* ----------------------------------------------------------------------- */
/* Modules and actions */

static uint64_t spec_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Which step of loading a module failed. */
typedef enum spec_stage {
	SPEC_STAGE_READ,
	SPEC_STAGE_COMPILE,
	SPEC_STAGE_INSTANTIATE,
	SPEC_STAGE_DONE,
} spec_stage;

static const char *spec_stage_name(spec_stage s)
{
	switch (s) {
	case SPEC_STAGE_READ:
		return "reading";
	case SPEC_STAGE_COMPILE:
		return "wm_module_new";
	case SPEC_STAGE_INSTANTIATE:
		return "wm_instance_new";
	case SPEC_STAGE_DONE:
		return "done";
	}
	return "?";
}

/*
 * Reads, compiles and instantiates DIR/filename. Returns 0 with *out (one
 * reference) or the failing code, with *stage telling which step failed.
 */
static int spec_module_load(spec_run *r, const char *filename, wm_instance **out, spec_stage *stage,
                            st_err *err)
{
	char path[4096];
	wm_module *m = NULL;
	st_buf b;
	int rc;

	*out = NULL;
	st_buf_init(&b, WM_MAX_MODULE_BYTES);
	*stage = SPEC_STAGE_READ;
	if (strchr(filename, '/') ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", r->dir, filename) >= sizeof(path)) {
		rc = st_err_set(err, ST_EINVAL, "bad module file name %s", filename);
		goto out;
	}
	rc = st_file_read(path, WM_MAX_MODULE_BYTES, &b, err);
	if (rc < 0)
		goto out;
	*stage = SPEC_STAGE_COMPILE;
	st_err_clear(err);
	rc = wm_module_new(&m, b.p ? b.p : (const uint8_t *)"", b.n, err);
	if (rc < 0)
		goto out;
	*stage = SPEC_STAGE_INSTANTIATE;
	st_err_clear(err);
	/* The start function runs here: the same runaway limit as an action. */
	wm_exec_set_deadline(r->x, spec_now_ns() + SPEC_CALL_DEADLINE_S * 1000000000ull);
	rc = wm_instance_new(out, m, r->x, spec_resolve, r, NULL, 0, err);
	if (rc < 0)
		goto out;
	*stage = SPEC_STAGE_DONE;
out:
	wm_module_unref(m);
	st_buf_deinit(&b);
	return rc;
}

/* The instance an action or register names: "$M", or the current one. */
static wm_instance *spec_target(spec_run *r, const json_t *jname, char *why, size_t whylen)
{
	wm_instance *inst;
	bool found;

	if (!jname) {
		if (!r->current)
			snprintf(why, whylen, "no current module (its definition failed)");
		return r->current;
	}
	inst = spec_lookup(&r->named, json_string_value(jname), json_string_length(jname), &found);
	if (!found)
		snprintf(why, whylen, "unknown module %s", json_string_value(jname));
	else if (!inst)
		snprintf(why, whylen, "module %s failed to load", json_string_value(jname));
	return inst;
}

/* The outcome of one action. */
typedef struct spec_result {
	int rc; /* 0, ST_ETRAP, or another code (then why says it) */
	st_err err;
	size_t n;
	wm_valtype types[SPEC_MAX_RESULTS];
	wm_val vals[SPEC_MAX_RESULTS];
	char why[512];     /* a runner-side problem (bad script, missing export) */
	bool setup_failed; /* the action could not even be attempted */
} spec_result;

/* Performs an "invoke" or "get" action. */
static void spec_action(spec_run *r, const json_t *action, spec_result *res)
{
	const json_t *jargs, *jfield;
	const char *type;
	wm_val *args = NULL;
	const wm_functype *ft;
	wm_instance *inst;
	wm_extern ext;
	spec_val sv;
	size_t i, nargs;

	res->rc = 0;
	res->n = 0;
	res->why[0] = '\0';
	res->setup_failed = true;
	st_err_clear(&res->err);
	type = json_string_value(json_object_get(action, "type"));
	jfield = json_object_get(action, "field");
	if (!type || !json_is_string(jfield)) {
		snprintf(res->why, sizeof(res->why), "malformed action in the script");
		goto out;
	}
	inst = spec_target(r, json_object_get(action, "module"), res->why, sizeof(res->why));
	if (!inst)
		goto out;
	if (wm_instance_export(inst, json_string_value(jfield), json_string_length(jfield), &ext) <
	    0) {
		snprintf(res->why, sizeof(res->why), "no export \"%s\"", json_string_value(jfield));
		goto out;
	}
	if (strcmp(type, "get") == 0) {
		if (ext.kind != WM_EXTERN_GLOBAL) {
			snprintf(res->why, sizeof(res->why), "export \"%s\" is not a global",
			         json_string_value(jfield));
			goto out;
		}
		res->setup_failed = false;
		res->n = 1;
		res->types[0] = wm_global_type(ext.of.global);
		res->vals[0] = wm_global_get(ext.of.global);
		goto out;
	}
	if (strcmp(type, "invoke") != 0) {
		snprintf(res->why, sizeof(res->why), "unknown action type %s", type);
		goto out;
	}
	if (ext.kind != WM_EXTERN_FUNC) {
		snprintf(res->why, sizeof(res->why), "export \"%s\" is not a function",
		         json_string_value(jfield));
		goto out;
	}
	ft = wm_func_type(ext.of.func);
	jargs = json_object_get(action, "args");
	nargs = json_array_size(jargs);
	if (ft->nresults > SPEC_MAX_RESULTS) {
		snprintf(res->why, sizeof(res->why),
		         "%" PRIu32 " results are more than the runner takes", ft->nresults);
		goto out;
	}
	args = xcalloc(nargs ? nargs : 1, sizeof(*args));
	for (i = 0; i < nargs; i++) {
		if (spec_val_parse(json_array_get(jargs, i), false, &sv, res->why,
		                   sizeof(res->why)) < 0)
			goto out;
		args[i] = sv.v;
	}
	res->setup_failed = false;
	wm_exec_set_deadline(r->x, spec_now_ns() + SPEC_CALL_DEADLINE_S * 1000000000ull);
	res->rc = wm_call(r->x, ext.of.func, args, nargs, res->vals, ft->nresults, &res->err);
	if (res->rc == 0) {
		res->n = ft->nresults;
		for (i = 0; i < res->n; i++)
			res->types[i] = ft->results[i];
	}
out:
	st_free(args);
}

/* Formats the results of a successful action: "[i32:1 (0x1), f32:...]". */
static void spec_results_format(char *s, size_t n, const spec_result *res)
{
	size_t i, used = 0;
	char one[96];

	used += (size_t)snprintf(s, n, "[");
	for (i = 0; i < res->n && used < n; i++) {
		spec_val_format(one, sizeof(one), res->types[i], res->vals[i]);
		used += (size_t)snprintf(s + used, n - used, "%s%s", i ? ", " : "", one);
	}
	if (used < n)
		snprintf(s + used, n - used, "]");
}

/* ----------------------------------------------------------------------- */
/* Commands */

static const char *spec_str(const json_t *cmd, const char *key)
{
	const char *s = json_string_value(json_object_get(cmd, key));

	return s ? s : "";
}

static void spec_cmd_module(spec_run *r, const json_t *cmd, long line)
{
	const json_t *jname = json_object_get(cmd, "name");
	wm_instance *inst = NULL;
	spec_stage stage;
	char out[512];
	st_err err;
	int rc;

	st_err_clear(&err);
	rc = spec_module_load(r, spec_str(cmd, "filename"), &inst, &stage, &err);
	spec_instance_drop(r->current);
	r->current = inst;
	if (jname)
		spec_bind(&r->named, json_string_value(jname), json_string_length(jname), inst);
	if (rc < 0) {
		spec_outcome_format(out, sizeof(out), rc, &err);
		spec_fail(r, line, "module %s (expected success, got %s from %s)",
		          spec_str(cmd, "filename"), out, spec_stage_name(stage));
		return;
	}
	spec_pass(r);
}

static void spec_cmd_register(spec_run *r, const json_t *cmd, long line)
{
	const json_t *jas = json_object_get(cmd, "as");
	wm_instance *inst;
	char why[256] = "";

	inst = spec_target(r, json_object_get(cmd, "name"), why, sizeof(why));
	if (!json_is_string(jas)) {
		spec_fail(r, line, "register without \"as\" in the script");
		return;
	}
	/* A failed module is registered too, so that importers fail to link. */
	spec_bind(&r->registered, json_string_value(jas), json_string_length(jas), inst);
	if (!inst) {
		spec_fail(r, line, "register \"%s\": %s", json_string_value(jas), why);
		return;
	}
	spec_pass(r);
}

static void spec_cmd_action(spec_run *r, const json_t *cmd, long line, spec_result *res)
{
	const json_t *action = json_object_get(cmd, "action");
	const char *field = spec_str(action, "field");
	char out[512];

	spec_action(r, action, res);
	if (res->setup_failed) {
		spec_fail(r, line, "action \"%s\": %s", field, res->why);
		return;
	}
	if (res->rc < 0) {
		spec_outcome_format(out, sizeof(out), res->rc, &res->err);
		spec_fail(r, line, "action \"%s\" (expected success, got %s)", field, out);
		return;
	}
	spec_pass(r);
}

static void spec_cmd_return(spec_run *r, const json_t *cmd, long line, spec_result *res)
{
	const json_t *action = json_object_get(cmd, "action");
	const json_t *jexp = json_object_get(cmd, "expected");
	const char *field = spec_str(action, "field");
	char want[256], got[1024], why[256];
	spec_val e;
	size_t i, nexp = json_array_size(jexp);

	spec_action(r, action, res);
	if (res->setup_failed) {
		spec_fail(r, line, "assert_return \"%s\": %s", field, res->why);
		return;
	}
	if (res->rc < 0) {
		spec_outcome_format(got, sizeof(got), res->rc, &res->err);
		spec_fail(r, line, "assert_return \"%s\" (expected success, got %s)", field, got);
		return;
	}
	if (res->n != nexp) {
		spec_results_format(got, sizeof(got), res);
		spec_fail(r, line, "assert_return \"%s\" (expected %zu results, got %zu: %s)",
		          field, nexp, res->n, got);
		return;
	}
	for (i = 0; i < nexp; i++) {
		if (spec_val_parse(json_array_get(jexp, i), true, &e, why, sizeof(why)) < 0) {
			spec_fail(r, line, "assert_return \"%s\": result %zu: %s", field, i, why);
			return;
		}
		if (!spec_val_matches(&e, res->types[i], res->vals[i])) {
			spec_expect_format(want, sizeof(want), &e);
			spec_val_format(got, sizeof(got), res->types[i], res->vals[i]);
			spec_fail(r, line, "assert_return \"%s\": result %zu (expected %s, got %s)",
			          field, i, want, got);
			return;
		}
	}
	spec_pass(r);
}

/* assert_trap and assert_exhaustion on an action. */
static void spec_cmd_trap(spec_run *r, const json_t *cmd, long line, spec_result *res)
{
	const json_t *action = json_object_get(cmd, "action");
	const char *field = spec_str(action, "field");
	const char *ctype = spec_str(cmd, "type");
	const char *text = spec_str(cmd, "text");
	wm_trap_kind want = spec_trap_kind(text);
	char got[1024];

	if (want == WM_TRAP_NONE) {
		spec_fail(r, line, "%s: the runner does not know the trap \"%s\"", ctype, text);
		return;
	}
	spec_action(r, action, res);
	if (res->setup_failed) {
		spec_fail(r, line, "%s \"%s\": %s", ctype, field, res->why);
		return;
	}
	if (res->rc == ST_ETRAP && res->err.kind == (int)want) {
		spec_pass(r);
		return;
	}
	if (res->rc == 0) {
		char vals[900];

		spec_results_format(vals, sizeof(vals), res);
		snprintf(got, sizeof(got), "success %s", vals);
	} else {
		spec_outcome_format(got, sizeof(got), res->rc, &res->err);
	}
	spec_fail(r, line, "%s \"%s\" (expected trap: %s, got %s)", ctype, field, text, got);
}

/*
 * assert_malformed, assert_invalid, assert_unlinkable, assert_uninstantiable:
 * the module must fail at the right step with the right code.
 */
static void spec_cmd_bad_module(spec_run *r, const json_t *cmd, long line)
{
	const char *ctype = spec_str(cmd, "type");
	const char *text = spec_str(cmd, "text");
	const char *file = spec_str(cmd, "filename");
	wm_instance *inst = NULL;
	spec_stage want_stage, stage;
	wm_trap_kind want_kind = WM_TRAP_NONE;
	const char *want;
	char got[512];
	bool ok;
	st_err err;
	int rc;

	if (strcmp(spec_str(cmd, "module_type"), "binary") != 0) {
		spec_skip(r, line, "text module");
		return;
	}
	if (strcmp(ctype, "assert_malformed") == 0) {
		want = "EMALFORMED";
		want_stage = SPEC_STAGE_COMPILE;
	} else if (strcmp(ctype, "assert_invalid") == 0) {
		want = "EINVALID";
		want_stage = SPEC_STAGE_COMPILE;
	} else if (strcmp(ctype, "assert_unlinkable") == 0) {
		want = "EUNLINKABLE";
		want_stage = SPEC_STAGE_INSTANTIATE;
	} else {
		want = "trap";
		want_stage = SPEC_STAGE_INSTANTIATE;
		want_kind = spec_trap_kind(text);
		if (want_kind == WM_TRAP_NONE) {
			spec_fail(r, line, "%s: the runner does not know the trap \"%s\"", ctype,
			          text);
			return;
		}
	}
	st_err_clear(&err);
	rc = spec_module_load(r, file, &inst, &stage, &err);
	spec_instance_drop(inst);
	if (stage == SPEC_STAGE_READ) {
		spec_outcome_format(got, sizeof(got), rc, &err);
		spec_fail(r, line, "%s %s: cannot read the module: %s", ctype, file, got);
		return;
	}
	if (want_kind != WM_TRAP_NONE)
		ok = rc == ST_ETRAP && err.kind == (int)want_kind;
	else if (want_stage == SPEC_STAGE_INSTANTIATE)
		ok = rc == ST_EUNLINKABLE;
	else if (strcmp(want, "EINVALID") == 0)
		ok = rc == ST_EINVALID;
	else
		/* Decoding failures; a truncated input may say so with ETRUNC. */
		ok = rc == ST_EMALFORMED || rc == ST_ETRUNC;
	if (ok && stage == want_stage) {
		spec_pass(r);
		return;
	}
	if (rc == 0) {
		snprintf(got, sizeof(got), "success: the module loads and instantiates");
	} else {
		size_t n;

		spec_outcome_format(got, sizeof(got), rc, &err);
		n = strlen(got);
		snprintf(got + n, sizeof(got) - n, " from %s", spec_stage_name(stage));
	}
	spec_fail(r, line, "%s %s (expected %s \"%s\", got %s)", ctype, file, want, text, got);
}

static void spec_command(spec_run *r, const json_t *cmd, spec_result *res)
{
	const char *type = spec_str(cmd, "type");
	long line = (long)json_integer_value(json_object_get(cmd, "line"));

	r->counts->line = line;
	if (strcmp(type, "module") == 0)
		spec_cmd_module(r, cmd, line);
	else if (strcmp(type, "register") == 0)
		spec_cmd_register(r, cmd, line);
	else if (strcmp(type, "action") == 0)
		spec_cmd_action(r, cmd, line, res);
	else if (strcmp(type, "assert_return") == 0)
		spec_cmd_return(r, cmd, line, res);
	else if (strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0)
		spec_cmd_trap(r, cmd, line, res);
	else if (strcmp(type, "assert_malformed") == 0 || strcmp(type, "assert_invalid") == 0 ||
	         strcmp(type, "assert_unlinkable") == 0 ||
	         strcmp(type, "assert_uninstantiable") == 0)
		spec_cmd_bad_module(r, cmd, line);
	else
		spec_fail(r, line, "unknown command type \"%s\"", type);
}

/* ----------------------------------------------------------------------- */
/* Files */

/* "DIR/i32.json" -> dir "DIR"; the .wast name comes from the script itself. */
static void spec_names(const char *json_path, const json_t *root, char *dir, size_t dirlen,
                       char *wast, size_t wastlen)
{
	const char *slash = strrchr(json_path, '/');
	const char *src = json_string_value(json_object_get(root, "source_filename"));
	const char *base = slash ? slash + 1 : json_path;
	const char *dot;

	if (slash)
		snprintf(dir, dirlen, "%.*s", (int)(slash - json_path), json_path);
	else
		snprintf(dir, dirlen, ".");
	if (src) {
		slash = strrchr(src, '/');
		snprintf(wast, wastlen, "%s", slash ? slash + 1 : src);
		return;
	}
	dot = strrchr(base, '.');
	snprintf(wast, wastlen, "%.*s.wast", (int)(dot ? dot - base : (long)strlen(base)), base);
}

/*
 * Runs one script in this process, filling counts. Returns 0 when it ran to
 * the end (whatever the checks said), -1 when the script itself is unusable.
 */
static int spec_file_run(const char *json_path, const spec_known_list *known, bool quiet,
                         spec_counts *counts)
{
	spec_run r;
	spec_result *res = NULL;
	json_error_t jerr;
	json_t *root = NULL, *cmds;
	char dir[4096];
	st_err err;
	size_t i;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.known = known;
	r.counts = counts;
	r.quiet = quiet;
	r.dir = dir;
	root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
	if (!root) {
		fprintf(stderr, "spec_runner: %s:%d: %s\n", json_path, jerr.line, jerr.text);
		goto out;
	}
	spec_names(json_path, root, dir, sizeof(dir), r.wast, sizeof(r.wast));
	cmds = json_object_get(root, "commands");
	if (!json_is_array(cmds)) {
		fprintf(stderr, "spec_runner: %s: no \"commands\" array\n", json_path);
		goto out;
	}
	st_err_clear(&err);
	if (wm_exec_new(&r.x, 0, 0, &err) < 0 || spec_host_new(&r, &err) < 0) {
		fprintf(stderr, "spec_runner: cannot set up the engine: %s\n", err.msg);
		goto out;
	}
	res = xmalloc(sizeof(*res));
	for (i = 0; i < json_array_size(cmds); i++)
		spec_command(&r, json_array_get(cmds, i), res);
	/* A listed failure that did not happen: the list must stay honest. */
	for (i = 0; known && i < known->n; i++) {
		if (known->v[i].line > 0 && !known->v[i].hit &&
		    strcmp(known->v[i].file, r.wast) == 0) {
			counts->fixed++;
			if (!quiet)
				printf("FIXED %s:%ld: passes now, remove it from known-failures.txt [%s]\n",
				       r.wast, known->v[i].line, known->v[i].reason);
		}
	}
	counts->finished = 1;
	rc = 0;
out:
	st_free(res);
	spec_instance_drop(r.current);
	spec_bindings_free(&r.named);
	spec_bindings_free(&r.registered);
	spec_host_free(&r);
	if (r.x)
		wm_exec_free(r.x);
	json_decref(root);
	return rc;
}

/* The outcome of one file as the parent sees it. */
typedef struct spec_file_result {
	spec_counts c;
	char name[256]; /* "i32" */
	int signal;     /* the child died of it (crash or timeout), 0 if not */
	bool unusable;  /* the script could not be run at all */
} spec_file_result;

/*
 * Runs one script in a forked child with a time limit, so that a crash or a
 * hang fails this file only. Prints the per-file lines unless quiet.
 */
static void spec_file(const char *json_path, const spec_known_list *known, bool quiet,
                      unsigned timeout_s, spec_file_result *fr)
{
	spec_counts *shared;
	const char *base, *dot;
	int status = 0;
	pid_t pid;

	memset(fr, 0, sizeof(*fr));
	base = strrchr(json_path, '/');
	base = base ? base + 1 : json_path;
	dot = strrchr(base, '.');
	snprintf(fr->name, sizeof(fr->name), "%.*s", (int)(dot ? dot - base : (long)strlen(base)),
	         base);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
	              0);
	if (shared == MAP_FAILED) {
		fprintf(stderr, "spec_runner: mmap: %s\n", strerror(errno));
		fr->unusable = true;
		return;
	}
	memset(shared, 0, sizeof(*shared));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "spec_runner: fork: %s\n", strerror(errno));
		fr->unusable = true;
		goto out;
	}
	if (pid == 0) {
		int rc;

		setvbuf(stdout, NULL, _IOLBF, 0);
		alarm(timeout_s);
		rc = spec_file_run(json_path, known, quiet, shared);
		/* exit, not _exit: a sanitizer's leak check runs at exit. */
		exit(rc < 0 ? 2 : 0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "spec_runner: waitpid: %s\n", strerror(errno));
			fr->unusable = true;
			goto out;
		}
	}
	fr->c = *shared;
	if (WIFSIGNALED(status)) {
		fr->signal = WTERMSIG(status);
		fr->c.failed++;
		if (!quiet)
			printf("FAIL %s.wast:%ld: %s (signal %d: %s) in this command; the rest of the file did not run\n",
			       fr->name, fr->c.line,
			       fr->signal == SIGALRM ? "timed out" : "engine crashed", fr->signal,
			       strsignal(fr->signal));
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !fr->c.finished) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

		fr->unusable = true;
		fr->c.failed++;
		if (quiet)
			goto out;
		if (fr->c.finished)
			printf("FAIL %s.wast: the run ended with exit status %d (a sanitizer report on "
			       "stderr?)\n",
			       fr->name, code);
		else if (code == 2)
			printf("FAIL %s.wast: the script could not be run\n", fr->name);
		else
			printf("FAIL %s.wast:%ld: the run stopped in this command with exit status %d "
			       "(a crash caught by a sanitizer? see stderr)\n",
			       fr->name, fr->c.line, code);
	}
out:
	munmap(shared, sizeof(*shared));
}

/* Did the file fail the run: an unlisted failure, a crash, or a fixed entry? */
static bool spec_file_failed(const spec_file_result *fr)
{
	return fr->c.failed > fr->c.known || fr->c.fixed > 0 || fr->signal || fr->unusable;
}

static int spec_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --summary DIR: every DIR/ *.json (or DIR/ * / *.json), one table row each. */
static int spec_summary(const char *dir, const spec_known_list *known, unsigned timeout_s)
{
	char **paths = NULL;
	size_t n = 0, cap = 0, i;
	spec_file_result fr;
	spec_counts total;
	long nfailed_files = 0;
	struct dirent *de;
	DIR *d;
	char path[4096];

	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "spec_runner: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		} else {
			/* The per-file layout of the ctest build: DIR/i32/i32.json. */
			snprintf(path, sizeof(path), "%s/%s/%s.json", dir, de->d_name, de->d_name);
			if (access(path, R_OK) != 0)
				continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 128;
			paths = xrealloc(paths, cap * sizeof(*paths));
		}
		paths[n++] = xstrdup(path);
	}
	closedir(d);
	if (n)
		qsort(paths, n, sizeof(*paths), spec_cmp_str);
	memset(&total, 0, sizeof(total));
	printf("%-28s %8s %8s %8s %8s  %s\n", "file", "passed", "failed", "known", "skipped",
	       "status");
	for (i = 0; i < n; i++) {
		const char *status;

		spec_file(paths[i], known, true, timeout_s, &fr);
		if (fr.signal == SIGALRM)
			status = "TIMEOUT";
		else if (fr.signal)
			status = "CRASH";
		else if (fr.unusable)
			status = "ERROR";
		else if (fr.c.fixed)
			status = "FIXED-ENTRY";
		else if (spec_file_failed(&fr))
			status = "FAIL";
		else
			status = "ok";
		if (spec_file_failed(&fr))
			nfailed_files++;
		printf("%-28s %8ld %8ld %8ld %8ld  %s", fr.name, fr.c.passed, fr.c.failed,
		       fr.c.known, fr.c.skipped, status);
		if (fr.signal)
			printf(" (line %ld, signal %d)", fr.c.line, fr.signal);
		printf("\n");
		fflush(stdout);
		total.passed += fr.c.passed;
		total.failed += fr.c.failed;
		total.known += fr.c.known;
		total.skipped += fr.c.skipped;
		st_free(paths[i]);
	}
	st_free(paths);
	printf("%-28s %8ld %8ld %8ld %8ld  %ld of %zu files failing\n", "TOTAL", total.passed,
	       total.failed, total.known, total.skipped, nfailed_files, n);
	return nfailed_files ? 1 : 0;
}

static void spec_usage(void)
{
	fprintf(stderr,
	        "usage: spec_runner [-v] [--known FILE] [--timeout SEC] X.json\n"
	        "       spec_runner [--known FILE] [--timeout SEC] --summary DIR\n"
	        "X.json comes from `wast2json X.wast -o DIR/X.json`. Exit status: 0 when every\n"
	        "check passed or is a listed known failure, 1 otherwise, 2 on usage errors.\n");
}

int main(int argc, char **argv)
{
	spec_known_list known = { NULL, 0, 0 };
	const char *known_path = NULL, *summary_dir = NULL, *json_path = NULL;
	unsigned long timeout_s = SPEC_DEFAULT_TIMEOUT_S;
	spec_file_result fr;
	int i, rc = 2;
	char *end;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			spec_verbose = true;
		} else if (strcmp(argv[i], "--known") == 0 && i + 1 < argc) {
			known_path = argv[++i];
		} else if (strcmp(argv[i], "--summary") == 0 && i + 1 < argc) {
			summary_dir = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			timeout_s = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || timeout_s == 0 || timeout_s > 86400) {
				spec_usage();
				return 2;
			}
		} else if (argv[i][0] != '-' && !json_path) {
			json_path = argv[i];
		} else {
			spec_usage();
			return 2;
		}
	}
	if ((summary_dir != NULL) == (json_path != NULL)) {
		spec_usage();
		return 2;
	}
	if (known_path && spec_known_load(&known, known_path) < 0)
		goto out;
	if (summary_dir) {
		rc = spec_summary(summary_dir, &known, (unsigned)timeout_s);
		goto out;
	}
	spec_file(json_path, &known, false, (unsigned)timeout_s, &fr);
	if (fr.c.known)
		printf("%s: %ld of the failures are known (see known-failures.txt)\n", fr.name,
		       fr.c.known);
	printf("%s: %ld passed, %ld failed, %ld skipped\n", fr.name, fr.c.passed, fr.c.failed,
	       fr.c.skipped);
	rc = spec_file_failed(&fr) ? 1 : 0;
out:
	spec_known_free(&known);
	return rc;
}
