/*
 * cmd_wasm.c - `stratus wasm run|validate|invoke`: the engine from the shell.
 *
 * run runs a WASI command (_start) with stdio passed through; validate
 * reports whether modules decode and validate; invoke calls one export with
 * numeric arguments and prints its results. Exit statuses:
 *   run:      the guest's proc_exit code (0 when _start returns), 134 on a
 *             trap (as a native abort()), 1 when the module cannot be loaded
 *             or linked, 2 for bad usage.
 *   validate: 0 all valid, 1 any invalid or unreadable, 2 bad usage.
 *   invoke:   0 success, 1 load/link error or trap, 2 bad usage or arguments.
 */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/mem.h"
#include "wasm/wasi.h"
#include "wasm/wm.h"

#include "core/banned.h"

#define EXIT_TRAP 134

extern char **environ;

/* Command-line options of one subcommand. */
typedef struct wasm_opts {
	int64_t fuel;        /* -1: unlimited */
	uint64_t timeout_ms; /* 0: none */
	bool wasi;           /* invoke: link the WASI imports */
	bool inherit_env;    /* run: pass the host environment */
	const char **env;    /* run: --env strings (argv pointers); owned array */
	size_t envc;
} wasm_opts;

enum opt_allow {
	OPT_LIMITS = 1 << 0, /* --fuel, --timeout-ms */
	OPT_ENV = 1 << 1,    /* --env, --inherit-env */
	OPT_WASI = 1 << 2,   /* --wasi */
};

static const char usage_wasm[] =
	"usage: stratus wasm <command> [<args>]\n\n"
	"commands:\n"
	"   run       run a WASI command module\n"
	"   validate  check that modules decode and validate\n"
	"   invoke    call an exported function with numeric arguments\n"
	"   inspect   list a module's imports, exports and custom sections\n\n"
	"Run 'stratus wasm <command> --help' for a command's usage.\n";

static const char usage_run[] =
	"usage: stratus wasm run [options] FILE.wasm [ARGS...]\n\n"
	"Runs a WASI command: calls _start with argv = FILE.wasm ARGS...; stdin,\n"
	"stdout and stderr are passed through. No directories are preopened.\n\n"
	"options:\n"
	"   --fuel N            trap after N loop iterations and calls\n"
	"   --timeout-ms N      trap when the run takes longer than N ms\n"
	"   --env KEY=VALUE     add a guest environment variable (repeatable)\n"
	"   --inherit-env       pass this process's environment to the guest\n"
	"   -h, --help          show this help\n\n"
	"exit status: the guest's exit code (0 when _start returns), 134 on a trap\n"
	"(the message goes to stderr as 'stratus: trap: ...'), 1 when the module\n"
	"cannot be loaded or linked, 2 for bad usage.\n";

static const char usage_validate[] =
	"usage: stratus wasm validate FILE.wasm...\n\n"
	"Decodes and validates each module. Prints 'FILE: valid' on stdout, or\n"
	"'FILE: error at offset 0xN: reason' on stderr.\n\n"
	"exit status: 0 when every module is valid, 1 otherwise, 2 for bad usage.\n";

static const char usage_invoke[] =
	"usage: stratus wasm invoke [options] FILE.wasm FUNC [ARGS...]\n\n"
	"Instantiates the module with no imports and calls the exported function\n"
	"FUNC. Arguments follow its parameter types: i32/i64 as decimal or 0x hex\n"
	"(negative allowed), f32/f64 as decimal, hex float, inf, nan or\n"
	"nan:0xPAYLOAD, references as 'null'. Results are printed one per line as\n"
	"TYPE:VALUE (integers signed), e.g. 'i32:42'.\n\n"
	"options:\n"
	"   --fuel N            trap after N loop iterations and calls\n"
	"   --timeout-ms N      trap when the call takes longer than N ms\n"
	"   --wasi              link WASI imports (and call _initialize if exported)\n"
	"   -h, --help          show this help\n\n"
	"exit status: 0 on success, 1 on a load/link error or trap, 2 for bad\n"
	"usage or arguments.\n";

static const char usage_inspect[] =
	"usage: stratus wasm inspect [--instantiate] FILE.wasm\n\n"
	"Loads (decodes, validates, compiles) the module and lists its imports,\n"
	"exports and custom sections. With --instantiate it also instantiates it,\n"
	"satisfying every import with a stand-in (functions that trap when\n"
	"called, memories, tables and globals of the declared types), which\n"
	"shows that a module such as an actor links and initialises.\n\n"
	"exit status: 0 on success, 1 when loading or instantiation fails, 2 for\n"
	"bad usage.\n";

/* ----------------------------------------------------------------------- */
/* Options */

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/*
 * Matches option `name` at argv[*pi], taking its value from "--name=V" or
 * the next argument. Returns 1 when matched (*val set), 0 when not, -1 when
 * the value is missing.
 */
static int opt_value(int argc, char **argv, int *pi, const char *name, const char **val)
{
	const char *a = argv[*pi];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*pi + 1 >= argc)
		return -1;
	*val = argv[++*pi];
	return 1;
}

/*
 * Parses the options in front of the operands. Returns -1 to go on with
 * *pi at the first operand, or an exit status (0 after --help).
 */
static int parse_opts(const char *cmd, int argc, char **argv, int *pi, unsigned allow, wasm_opts *o,
                      const char *usage)
{
	const char *a = NULL, *val = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		uint64_t n;
		int m;

		a = argv[i];
		val = NULL;

		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		}
		if ((allow & OPT_LIMITS) && (m = opt_value(argc, argv, &i, "--fuel", &val)) != 0) {
			if (m < 0 || !parse_u64(val, &n) || n > INT64_MAX)
				goto bad_value;
			o->fuel = (int64_t)n;
		} else if ((allow & OPT_LIMITS) &&
		           (m = opt_value(argc, argv, &i, "--timeout-ms", &val)) != 0) {
			if (m < 0 || !parse_u64(val, &n) || n == 0 || n > UINT64_MAX / 1000000u)
				goto bad_value;
			o->timeout_ms = n;
		} else if ((allow & OPT_ENV) &&
		           (m = opt_value(argc, argv, &i, "--env", &val)) != 0) {
			if (m < 0 || !strchr(val, '='))
				goto bad_value;
			o->env[o->envc++] = val;
		} else if ((allow & OPT_ENV) && strcmp(a, "--inherit-env") == 0) {
			o->inherit_env = true;
		} else if ((allow & OPT_WASI) && strcmp(a, "--wasi") == 0) {
			o->wasi = true;
		} else {
			fprintf(stderr, "stratus wasm %s: unknown option '%s'\n", cmd, a);
			fprintf(stderr, "See 'stratus wasm %s --help'.\n", cmd);
			return CLI_EXIT_USAGE;
		}
	}
	*pi = i;
	return -1;
bad_value:
	fprintf(stderr, "stratus wasm %s: option '%s' needs a valid value%s\n", cmd, a,
	        val ? "" : " (missing)");
	return CLI_EXIT_USAGE;
}

/* ----------------------------------------------------------------------- */
/* Loading and reporting */

static uint64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *err_text(int rc, const st_err *err)
{
	return err->msg[0] ? err->msg : st_strerror(rc);
}

/* "FILE: error at offset 0x1a: reason" (or without the offset when there is none). */
static void print_module_error(FILE *out, const char *prefix, const char *file, int rc,
                               const st_err *err)
{
	if (err->offset >= 0)
		fprintf(out, "%s%s: error at offset 0x%" PRIx64 ": %s\n", prefix, file,
		        (uint64_t)err->offset, err_text(rc, err));
	else
		fprintf(out, "%s%s: error: %s\n", prefix, file, err_text(rc, err));
}

/*
 * Reads and compiles a module. On failure prints why (with prefix) and
 * returns a negative code.
 */
static int load_module(const char *prefix, const char *file, wm_module **out)
{
	st_buf b;
	st_err err;
	int rc;

	st_err_clear(&err);
	rc = st_file_read(file, WM_MAX_MODULE_BYTES, &b, &err);
	if (rc < 0) {
		fprintf(stderr, "%s%s\n", prefix, err_text(rc, &err));
		return rc;
	}
	rc = wm_module_new(out, b.p, b.n, &err);
	st_buf_deinit(&b);
	if (rc < 0)
		print_module_error(stderr, prefix, file, rc, &err);
	return rc;
}

static const char *kind_name(wm_extern_kind k)
{
	switch (k) {
	case WM_EXTERN_FUNC:
		return "function";
	case WM_EXTERN_TABLE:
		return "table";
	case WM_EXTERN_MEMORY:
		return "memory";
	case WM_EXTERN_GLOBAL:
		return "global";
	}
	return "extern";
}

/*
 * Names every import that resolve (NULL: nothing resolves) cannot satisfy.
 * Returns how many there were.
 */
static size_t report_unresolved(const char *file, wm_module *m, wm_resolve_cb resolve, void *ud)
{
	size_t n = wm_module_import_count(m), bad = 0;

	for (size_t i = 0; i < n; i++) {
		wm_import_desc d;
		wm_extern e;

		wm_module_import(m, i, &d);
		if (resolve && resolve(ud, &d, &e) == 0)
			continue;
		fprintf(stderr, "stratus: %s: unresolved import \"%.*s\" \"%.*s\" (%s)\n", file,
		        (int)d.module_len, d.module, (int)d.name_len, d.name, kind_name(d.kind));
		bad++;
	}
	return bad;
}

static void print_trap(const st_err *err)
{
	fprintf(stderr, "stratus: trap: %s\n",
	        err->msg[0] ? err->msg : wm_trap_text((wm_trap_kind)err->kind));
}

/*
 * The exit status for a failed call: the guest's exit code after proc_exit,
 * else trap_status after printing the trap, else 1 after printing the error.
 */
static int call_failed(const char *file, int rc, const st_err *err, wm_wasi *w, int trap_status)
{
	uint32_t code;

	if (rc == ST_ETRAP && err->kind == WM_TRAP_EXIT && w && wm_wasi_exit_code(w, &code))
		return (int)(code & 0xff);
	if (rc == ST_ETRAP) {
		print_trap(err);
		return trap_status;
	}
	fprintf(stderr, "stratus: %s: %s\n", file, err_text(rc, err));
	return CLI_EXIT_FAIL;
}

/* Creates the execution context with the limits of o; deadline_ns is 0 or absolute. */
static int exec_setup(wm_exec **x, const wasm_opts *o, uint64_t deadline_ns)
{
	st_err err;
	int rc;

	st_err_clear(&err);
	rc = wm_exec_new(x, 0, 0, &err);
	if (rc < 0) {
		fprintf(stderr, "stratus: cannot create an execution context: %s\n",
		        err_text(rc, &err));
		return rc;
	}
	if (o->fuel >= 0)
		wm_exec_set_fuel(*x, o->fuel);
	if (deadline_ns)
		wm_exec_set_deadline(*x, deadline_ns);
	return 0;
}

/* ----------------------------------------------------------------------- */
/* run */

static int wasm_run(int argc, char **argv)
{
	wasm_opts o = { .fuel = -1 };
	wm_wasi_config cfg;
	wm_wasi *w = NULL;
	wm_module *m = NULL;
	wm_exec *x = NULL;
	wm_instance *inst = NULL;
	wm_func *start;
	const char **env = NULL;
	uint64_t deadline = 0;
	st_err err;
	int i, rc, status = CLI_EXIT_FAIL;

	st_err_clear(&err);
	o.env = xcalloc((size_t)argc, sizeof(*o.env)); /* at most one --env per argument */
	status = parse_opts("run", argc, argv, &i, OPT_LIMITS | OPT_ENV, &o, usage_run);
	if (status >= 0)
		goto out;
	status = CLI_EXIT_FAIL;
	if (i >= argc) {
		fputs(usage_run, stderr);
		status = CLI_EXIT_USAGE;
		goto out;
	}
	if (load_module("stratus: ", argv[i], &m) < 0)
		goto out;
	wm_wasi_config_init(&cfg);
	cfg.argv = (const char *const *)&argv[i];
	cfg.argc = (size_t)(argc - i);
	if (o.inherit_env) {
		size_t n = 0, k = 0;

		while (environ[n])
			n++;
		env = xcalloc(n + o.envc + 1, sizeof(*env));
		for (k = 0; k < n; k++)
			env[k] = environ[k];
		for (size_t j = 0; j < o.envc; j++)
			env[k++] = o.env[j];
		cfg.env = env;
		cfg.envc = k;
	} else {
		cfg.env = o.env;
		cfg.envc = o.envc;
	}
	/* The time limit starts after loading: compilation does not count. */
	if (o.timeout_ms)
		deadline = mono_now_ns() + o.timeout_ms * 1000000u;
	cfg.sleep_deadline_ns = deadline;
	rc = wm_wasi_new(&w, &cfg, &err);
	if (rc < 0) {
		fprintf(stderr, "stratus: %s\n", err_text(rc, &err));
		goto out;
	}
	if (report_unresolved(argv[i], m, wm_wasi_resolve, w) > 0)
		goto out;
	if (exec_setup(&x, &o, deadline) < 0)
		goto out;
	rc = wm_instance_new(&inst, m, x, wm_wasi_resolve, w, NULL, 0, &err);
	if (rc < 0) {
		status = call_failed(argv[i], rc, &err, w, EXIT_TRAP);
		goto out;
	}
	start = wm_instance_func(inst, "_start");
	if (!start) {
		fprintf(stderr,
		        "stratus: %s: no exported function \"_start\" (not a WASI command)\n",
		        argv[i]);
		goto out;
	}
	rc = wm_call(x, start, NULL, 0, NULL, 0, &err);
	status = rc < 0 ? call_failed(argv[i], rc, &err, w, EXIT_TRAP) : CLI_EXIT_OK;
out:
	wm_instance_unref(inst);
	wm_module_unref(m);
	wm_exec_free(x);
	wm_wasi_free(w);
	st_free(env);
	st_free(o.env);
	return status;
}

/* ----------------------------------------------------------------------- */
/* validate */

static int wasm_validate(int argc, char **argv)
{
	wasm_opts o = { .fuel = -1 };
	int i, status;

	status = parse_opts("validate", argc, argv, &i, 0, &o, usage_validate);
	if (status >= 0)
		return status;
	if (i >= argc) {
		fputs(usage_validate, stderr);
		return CLI_EXIT_USAGE;
	}
	status = CLI_EXIT_OK;
	for (; i < argc; i++) {
		st_buf b;
		st_err err;
		wm_module *m = NULL;
		int rc;

		st_err_clear(&err);
		rc = st_file_read(argv[i], WM_MAX_MODULE_BYTES, &b, &err);
		if (rc < 0) {
			fprintf(stderr, "stratus: %s\n", err_text(rc, &err));
			status = CLI_EXIT_FAIL;
			continue;
		}
		rc = wm_module_new(&m, b.p, b.n, &err);
		st_buf_deinit(&b);
		if (rc < 0) {
			print_module_error(stderr, "", argv[i], rc, &err);
			status = CLI_EXIT_FAIL;
			continue;
		}
		printf("%s: valid\n", argv[i]);
		wm_module_unref(m);
	}
	return status;
}

/* ----------------------------------------------------------------------- */
/* invoke: argument parsing and result printing */

/* Decimal or 0x hex, optionally negative, fitting bits as signed or unsigned. */
static bool parse_int(const char *s, unsigned bits, uint64_t *out)
{
	uint64_t umax = bits == 32 ? UINT32_MAX : UINT64_MAX;
	uint64_t negmax = (uint64_t)1 << (bits - 1);
	unsigned long long mag;
	bool neg = false;
	int base = 10;
	char *end;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!(*s >= '0' && *s <= '9') &&
	    !(base == 16 && ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F'))))
		return false;
	errno = 0;
	mag = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	if (neg ? mag > negmax : mag > umax)
		return false;
	*out = (neg ? (uint64_t)0 - mag : mag) & umax;
	return true;
}

/* "nan:0xPAYLOAD" with an optional sign: a NaN with exactly that payload. */
static bool parse_nan_payload(const char *s, wm_valtype t, wm_val *v)
{
	uint64_t payload, pmask = t == WM_F32 ? 0x7fffffu : 0xfffffffffffffu;
	bool neg = false;
	char *end;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strncmp(s, "nan:0x", 6) != 0)
		return false;
	errno = 0;
	payload = strtoull(s + 6, &end, 16);
	if (errno || *end || s[6] == '\0' || payload == 0 || payload > pmask)
		return false;
	if (t == WM_F32) {
		uint32_t bits = (neg ? 0x80000000u : 0) | 0x7f800000u | (uint32_t)payload;

		memcpy(&v->f32, &bits, 4);
	} else {
		uint64_t bits = (neg ? (uint64_t)1 << 63 : 0) | 0x7ff0000000000000u | payload;

		memcpy(&v->f64, &bits, 8);
	}
	return true;
}

static bool parse_arg(const char *s, wm_valtype t, wm_val *v)
{
	char *end;
	uint64_t u;

	memset(v, 0, sizeof(*v));
	switch (t) {
	case WM_I32:
		if (!parse_int(s, 32, &u))
			return false;
		v->i32 = (uint32_t)u;
		return true;
	case WM_I64:
		return parse_int(s, 64, &v->i64);
	case WM_F32:
	case WM_F64:
		if (*s == '\0' || (*s == ' ' || *s == '\t'))
			return false;
		if (parse_nan_payload(s, t, v))
			return true;
		errno = 0;
		if (t == WM_F32)
			v->f32 = strtof(s, &end);
		else
			v->f64 = strtod(s, &end);
		return *end == '\0' && end != s;
	case WM_FUNCREF:
	case WM_EXTERNREF:
		v->ref = NULL;
		return strcmp(s, "null") == 0;
	default:
		return false;
	}
}

/* The shortest %g that reads back as the same value. */
static void print_float(const char *type, double d, bool is_f32, uint64_t bits)
{
	char buf[64];

	if (isnan(d)) {
		uint64_t payload = is_f32 ? bits & 0x7fffffu : bits & 0xfffffffffffffu;
		uint64_t canon = is_f32 ? 0x400000u : (uint64_t)1 << 51;
		bool neg = is_f32 ? (bits >> 31) & 1 : (bits >> 63) & 1;

		if (payload == canon)
			printf("%s:%snan\n", type, neg ? "-" : "");
		else
			printf("%s:%snan:0x%" PRIx64 "\n", type, neg ? "-" : "", payload);
		return;
	}
	if (isinf(d)) {
		printf("%s:%sinf\n", type, d < 0 ? "-" : "");
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, d);
		if (is_f32 ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d)
			break;
	}
	printf("%s:%s\n", type, buf);
}

static void print_result(wm_valtype t, const wm_val *v)
{
	uint32_t b32;
	uint64_t b64;

	switch (t) {
	case WM_I32:
		printf("i32:%" PRId32 "\n", (int32_t)v->i32);
		break;
	case WM_I64:
		printf("i64:%" PRId64 "\n", (int64_t)v->i64);
		break;
	case WM_F32:
		memcpy(&b32, &v->f32, 4);
		print_float("f32", v->f32, true, b32);
		break;
	case WM_F64:
		memcpy(&b64, &v->f64, 8);
		print_float("f64", v->f64, false, b64);
		break;
	case WM_FUNCREF:
	case WM_EXTERNREF:
		if (v->ref)
			printf("%s:%p\n", wm_valtype_name(t), v->ref);
		else
			printf("%s:null\n", wm_valtype_name(t));
		break;
	default:
		printf("%s:?\n", wm_valtype_name(t));
		break;
	}
}

static void print_signature(FILE *out, const wm_functype *ft)
{
	fputc('(', out);
	for (uint32_t k = 0; k < ft->nparams; k++)
		fprintf(out, "%s%s", k ? ", " : "", wm_valtype_name(ft->params[k]));
	fputs(") -> (", out);
	for (uint32_t k = 0; k < ft->nresults; k++)
		fprintf(out, "%s%s", k ? ", " : "", wm_valtype_name(ft->results[k]));
	fputc(')', out);
}

static int wasm_invoke(int argc, char **argv)
{
	wasm_opts o = { .fuel = -1 };
	wm_wasi_config cfg;
	wm_wasi *w = NULL;
	wm_module *m = NULL;
	wm_exec *x = NULL;
	wm_instance *inst = NULL;
	wm_func *f, *init;
	wm_val *args = NULL, *res = NULL;
	const wm_functype *ft;
	const char *file, *fname;
	uint64_t deadline = 0;
	size_t nargs;
	st_err err;
	int i, rc, status;

	st_err_clear(&err);
	status = parse_opts("invoke", argc, argv, &i, OPT_LIMITS | OPT_WASI, &o, usage_invoke);
	if (status >= 0)
		return status;
	status = CLI_EXIT_FAIL;
	if (argc - i < 2) {
		fputs(usage_invoke, stderr);
		return CLI_EXIT_USAGE;
	}
	file = argv[i];
	fname = argv[i + 1];
	nargs = (size_t)(argc - i - 2);
	if (load_module("stratus: ", file, &m) < 0)
		goto out;
	if (o.timeout_ms)
		deadline = mono_now_ns() + o.timeout_ms * 1000000u;
	if (o.wasi) {
		wm_wasi_config_init(&cfg);
		cfg.argv = (const char *const *)&argv[i];
		cfg.argc = 1;
		cfg.sleep_deadline_ns = deadline;
		rc = wm_wasi_new(&w, &cfg, &err);
		if (rc < 0) {
			fprintf(stderr, "stratus: %s\n", err_text(rc, &err));
			goto out;
		}
	}
	if (report_unresolved(file, m, w ? wm_wasi_resolve : NULL, w) > 0)
		goto out;
	if (exec_setup(&x, &o, deadline) < 0)
		goto out;
	rc = wm_instance_new(&inst, m, x, w ? wm_wasi_resolve : NULL, w, NULL, 0, &err);
	if (rc < 0) {
		status = call_failed(file, rc, &err, w, CLI_EXIT_FAIL);
		goto out;
	}
	f = wm_instance_func(inst, fname);
	if (!f) {
		fprintf(stderr, "stratus: %s: no exported function \"%s\"\n", file, fname);
		goto out;
	}
	ft = wm_func_type(f);
	if (nargs != ft->nparams) {
		fprintf(stderr, "stratus: %s takes %" PRIu32 " argument%s ", fname, ft->nparams,
		        ft->nparams == 1 ? "" : "s");
		print_signature(stderr, ft);
		fprintf(stderr, ", got %zu\n", nargs);
		status = CLI_EXIT_USAGE;
		goto out;
	}
	args = xcalloc(nargs + 1, sizeof(*args));
	res = xcalloc((size_t)ft->nresults + 1, sizeof(*res));
	for (size_t k = 0; k < nargs; k++) {
		if (!parse_arg(argv[i + 2 + (int)k], ft->params[k], &args[k])) {
			fprintf(stderr, "stratus: argument %zu of %s: '%s' is not a valid %s\n",
			        k + 1, fname, argv[i + 2 + (int)k], wm_valtype_name(ft->params[k]));
			status = CLI_EXIT_USAGE;
			goto out;
		}
	}
	init = w ? wm_instance_func(inst, "_initialize") : NULL;
	if (init) {
		rc = wm_call(x, init, NULL, 0, NULL, 0, &err);
		if (rc < 0) {
			status = call_failed(file, rc, &err, w, CLI_EXIT_FAIL);
			goto out;
		}
	}
	rc = wm_call(x, f, args, nargs, res, ft->nresults, &err);
	if (rc < 0) {
		status = call_failed(file, rc, &err, w, CLI_EXIT_FAIL);
		goto out;
	}
	for (uint32_t k = 0; k < ft->nresults; k++)
		print_result(ft->results[k], &res[k]);
	status = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
	st_free(args);
	st_free(res);
	wm_instance_unref(inst);
	wm_module_unref(m);
	wm_exec_free(x);
	wm_wasi_free(w);
	return status;
}

/* ----------------------------------------------------------------------- */
/* inspect */

/* Stand-in imports for --instantiate; every object made is kept to be released. */
typedef struct stub_set {
	wm_extern made[64];
	size_t n;
	bool overflow;
} stub_set;

static int stub_trap_cb(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                        void *ud)
{
	(void)caller;
	(void)args;
	(void)results;
	(void)ud;
	return wm_trap_set(x, WM_TRAP_HOST, "stand-in import called");
}

static int stub_resolve(void *ud, const wm_import_desc *imp, wm_extern *out)
{
	stub_set *s = ud;
	wm_limits lim = imp->limits;
	wm_val zero = { .bits = 0 };
	int rc = 0;

	if (s->n >= sizeof(s->made) / sizeof(s->made[0])) {
		s->overflow = true;
		return ST_ENOTFOUND;
	}
	out->kind = imp->kind;
	switch (imp->kind) {
	case WM_EXTERN_FUNC:
		out->of.func = wm_func_new_host(imp->func, stub_trap_cb, NULL);
		break;
	case WM_EXTERN_MEMORY:
		rc = wm_memory_new(&out->of.memory, lim, NULL);
		break;
	case WM_EXTERN_TABLE:
		rc = wm_table_new(&out->of.table, imp->type, lim, NULL, NULL);
		break;
	case WM_EXTERN_GLOBAL:
		rc = wm_global_new(&out->of.global, imp->type, imp->mut, zero, NULL);
		break;
	}
	if (rc < 0)
		return ST_ENOTFOUND;
	s->made[s->n++] = *out;
	return 0;
}

static void stub_release(stub_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		wm_extern *e = &s->made[i];

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
	s->n = 0;
}

static void print_limits(const wm_limits *l)
{
	if (l->has_max)
		printf(" {min %llu, max %llu}", (unsigned long long)l->min,
		       (unsigned long long)l->max);
	else
		printf(" {min %llu}", (unsigned long long)l->min);
}

static int wasm_inspect(int argc, char **argv)
{
	const char *file = NULL;
	bool instantiate = false;
	wm_module *m = NULL;
	wm_instance *inst = NULL;
	wm_exec *x = NULL;
	stub_set stubs = { .n = 0 };
	size_t n;
	st_err err;
	int status = CLI_EXIT_FAIL, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_inspect, stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[i], "--instantiate") == 0) {
			instantiate = true;
		} else if (argv[i][0] == '-' || file) {
			fputs(usage_inspect, stderr);
			return CLI_EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		fputs(usage_inspect, stderr);
		return CLI_EXIT_USAGE;
	}
	if (load_module("stratus: ", file, &m) < 0)
		return CLI_EXIT_FAIL;
	printf("%s: valid\n", file);
	n = wm_module_import_count(m);
	printf("imports (%zu):\n", n);
	for (size_t i = 0; i < n; i++) {
		wm_import_desc d;

		wm_module_import(m, i, &d);
		printf("  %-8s %.*s.%.*s", kind_name(d.kind), (int)d.module_len, d.module,
		       (int)d.name_len, d.name);
		if (d.kind == WM_EXTERN_FUNC) {
			putchar(' ');
			print_signature(stdout, d.func);
		} else if (d.kind == WM_EXTERN_MEMORY || d.kind == WM_EXTERN_TABLE) {
			print_limits(&d.limits);
		} else {
			printf(" %s%s", d.mut ? "mut " : "", wm_valtype_name(d.type));
		}
		putchar('\n');
	}
	n = wm_module_export_count(m);
	printf("exports (%zu):\n", n);
	for (size_t i = 0; i < n; i++) {
		wm_export_desc d;

		wm_module_export(m, i, &d);
		printf("  %-8s %.*s\n", kind_name(d.kind), (int)d.name_len, d.name);
	}
	n = wm_module_custom_count(m);
	printf("custom sections (%zu):\n", n);
	for (size_t i = 0; i < n; i++) {
		wm_custom_desc d;

		wm_module_custom_at(m, i, &d);
		printf("  %-24.*s %zu bytes\n", (int)d.name_len, d.name, d.len);
	}
	if (!instantiate) {
		status = CLI_EXIT_OK;
		goto out;
	}
	st_err_clear(&err);
	rc = wm_exec_new(&x, 0, 0, &err);
	if (rc >= 0)
		rc = wm_instance_new(&inst, m, x, stub_resolve, &stubs, NULL, 0, &err);
	if (rc < 0) {
		fprintf(stderr, "stratus: %s: cannot instantiate: %s%s\n", file, err_text(rc, &err),
		        stubs.overflow ? " (too many imports for stand-ins)" : "");
		goto out;
	}
	printf("instantiated with %zu stand-in imports\n", stubs.n);
	status = CLI_EXIT_OK;
out:
	wm_instance_unref(inst);
	stub_release(&stubs);
	wm_exec_free(x);
	wm_module_unref(m);
	return status;
}

/* ----------------------------------------------------------------------- */

int cmd_wasm(int argc, char **argv)
{
	const char *sub;

	if (argc < 2) {
		fputs(usage_wasm, stderr);
		return CLI_EXIT_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
		fputs(usage_wasm, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "run") == 0)
		return wasm_run(argc - 1, argv + 1);
	if (strcmp(sub, "validate") == 0)
		return wasm_validate(argc - 1, argv + 1);
	if (strcmp(sub, "invoke") == 0)
		return wasm_invoke(argc - 1, argv + 1);
	if (strcmp(sub, "inspect") == 0)
		return wasm_inspect(argc - 1, argv + 1);
	fprintf(stderr, "stratus wasm: '%s' is not a wasm command. See 'stratus wasm --help'.\n",
	        sub);
	return CLI_EXIT_USAGE;
}
