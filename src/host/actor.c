/*
 * actor.c - the host side of the actor ABI (spec/actor-abi.md §2-§9).
 *
 * An actor owns the compiled module, its verified claims and the nine
 * host functions, which every instance imports under both "wasmbus" and
 * "wapc". A host function finds its instance through the calling
 * wm_instance's embedder pointer, so the functions are shared. Every
 * (ptr, len) from the guest is bounds-checked against the memory's current
 * size; a bad one traps the call. Guest memory is re-read on every access
 * because the guest may grow it between imports.
 */
#include "host/actor.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "wasm/wasi.h"
#include "core/banned.h"

enum {
	FN_GUEST_REQUEST,
	FN_GUEST_RESPONSE,
	FN_GUEST_ERROR,
	FN_HOST_CALL,
	FN_HOST_RESPONSE_LEN,
	FN_HOST_RESPONSE,
	FN_HOST_ERROR_LEN,
	FN_HOST_ERROR,
	FN_CONSOLE_LOG,
	FN_COUNT
};

struct actor {
	atomic_int refs;
	wm_module *mod;         /* one reference; shared by every instance */
	claims claims;          /* verified claims; immutable */
	bool wasi;              /* an import module name contains "wasi" */
	int devnull;            /* WASI stdio of every instance, or -1 */
	wm_func *fns[FN_COUNT]; /* the ABI's host functions, one reference each */
	actor_config cfg;       /* copy; allowed_issuers cleared */
};

struct actor_instance {
	actor *a;            /* one reference */
	wm_instance *inst;   /* one reference; its ud points back here */
	wm_wasi *wasi;       /* NULL unless a->wasi */
	wm_func *guest_call; /* borrowed from inst */
	int32_t api_version;
	bool dead; /* a call trapped */
	bool busy; /* inside __guest_call */

	/* The current invocation (borrowed from actor_instance_invoke's caller). */
	const uint8_t *op;
	size_t op_len;
	const uint8_t *msg;
	size_t msg_len;
	uint64_t deadline_ns;

	/* The four per-invocation slots of §2, each capped at max_message_bytes. */
	st_buf guest_resp;
	st_buf guest_err;
	bool has_guest_err;
	st_buf host_resp;
	st_buf host_err;

	char trap_text[sizeof(ACTOR_TRAP_PREFIX) + ST_ERR_MSG_MAX];
};

static const char generic_guest_error[] = "Guest call failed without an error message";

void actor_config_init(actor_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_pages = ACTOR_DEFAULT_MAX_PAGES;
	cfg->max_message_bytes = ACTOR_DEFAULT_MAX_MESSAGE;
	cfg->init_timeout_ms = ACTOR_DEFAULT_INIT_TIMEOUT_MS;
}

uint64_t actor_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ----------------------------------------------------------------------- */
/* Host functions */

/* The instance behind a host call, or NULL (a call before setup finished). */
static actor_instance *instance_of(wm_instance *caller)
{
	return caller ? wm_instance_ud(caller) : NULL;
}

static int not_ready(wm_exec *x)
{
	return wm_trap_set(x, WM_TRAP_HOST,
	                   "wasmbus function called before the instance was ready");
}

/*
 * Resolves guest bytes [ptr, ptr + len) into *p, or traps the call. A
 * zero length is always valid (the guest may pass a dangling pointer).
 */
static int guest_span(wm_exec *x, actor_instance *ai, uint32_t ptr, uint32_t len, uint8_t **p)
{
	wm_memory *mem = wm_instance_memory(ai->inst);

	*p = NULL;
	if (len == 0)
		return 0;
	if (!mem || (uint64_t)ptr + len > wm_memory_size(mem))
		return wm_trap_set(x, WM_TRAP_MEMORY_OOB,
		                   "out of bounds memory access: guest passed %u bytes at %u", len,
		                   ptr);
	*p = wm_memory_data(mem) + ptr;
	return 0;
}

/* Copies guest bytes into b (replacing its contents), or traps. */
static int capture(wm_exec *x, actor_instance *ai, uint32_t ptr, uint32_t len, st_buf *b,
                   const char *what)
{
	uint8_t *p;
	int rc = guest_span(x, ai, ptr, len, &p);

	if (rc < 0)
		return rc;
	b->n = 0;
	if (len && st_buf_append(b, p, len) < 0)
		return wm_trap_set(x, WM_TRAP_HOST, "%s of %u bytes exceeds the limit of %zu bytes",
		                   what, len, b->max);
	return 0;
}

/* Copies n bytes to guest memory at ptr, or traps. */
static int deliver(wm_exec *x, actor_instance *ai, uint32_t ptr, const uint8_t *src, size_t n)
{
	uint8_t *p;
	int rc = guest_span(x, ai, ptr, (uint32_t)n, &p);

	if (rc == 0 && n)
		memcpy(p, src, n);
	return rc;
}

static int h_guest_request(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                           void *ud)
{
	actor_instance *ai = instance_of(caller);
	int rc;

	(void)results;
	(void)ud;
	if (!ai)
		return not_ready(x);
	if (!ai->busy)
		return 0; /* no current invocation: nothing to hand out */
	rc = deliver(x, ai, args[0].i32, ai->op, ai->op_len);
	if (rc == 0)
		rc = deliver(x, ai, args[1].i32, ai->msg, ai->msg_len);
	return rc;
}

static int h_guest_response(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                            void *ud)
{
	actor_instance *ai = instance_of(caller);

	(void)results;
	(void)ud;
	if (!ai)
		return not_ready(x);
	return capture(x, ai, args[0].i32, args[1].i32, &ai->guest_resp, "guest response");
}

static int h_guest_error(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                         void *ud)
{
	actor_instance *ai = instance_of(caller);
	int rc;

	(void)results;
	(void)ud;
	if (!ai)
		return not_ready(x);
	rc = capture(x, ai, args[0].i32, args[1].i32, &ai->guest_err, "guest error");
	if (rc == 0)
		ai->has_guest_err = true;
	return rc;
}

static int h_host_call(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                       void *ud)
{
	actor_instance *ai = instance_of(caller);
	st_slice s[4];
	actor_host_call call;
	st_buf tmp;
	int rc;

	(void)ud;
	if (!ai)
		return not_ready(x);
	for (int i = 0; i < 4; i++) {
		uint8_t *p;

		rc = guest_span(x, ai, args[2 * i].i32, args[2 * i + 1].i32, &p);
		if (rc < 0)
			return rc;
		s[i] = st_slice_make(p ? p : (const uint8_t *)"", args[2 * i + 1].i32);
	}
	/* Both result slots are cleared per host call ([R] of §2). */
	ai->host_resp.n = 0;
	ai->host_err.n = 0;
	if (!ai->a->cfg.host_call) {
		static const char text[] = "Host calls are not available to this actor";

		if (st_buf_append(&ai->host_err, text, sizeof(text) - 1) < 0)
			return wm_trap_set(x, WM_TRAP_HOST, "out of memory");
		results[0].i32 = 0;
		return 0;
	}
	call.caller = ai->a;
	call.binding = s[0];
	call.ns = s[1];
	call.operation = s[2];
	call.payload = s[3];
	call.deadline_ns = ai->deadline_ns;
	rc = ai->a->cfg.host_call(&call, &ai->host_resp, ai->a->cfg.host_call_ud);
	if (rc != 0) {
		/* The callback wrote the error text: it belongs in the error slot. */
		tmp = ai->host_err;
		ai->host_err = ai->host_resp;
		ai->host_resp = tmp;
	}
	results[0].i32 = rc == 0 ? 1 : 0;
	return 0;
}

static int h_host_response_len(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                               void *ud)
{
	actor_instance *ai = instance_of(caller);

	(void)args;
	(void)ud;
	if (!ai)
		return not_ready(x);
	results[0].i32 = (uint32_t)ai->host_resp.n;
	return 0;
}

static int h_host_response(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                           void *ud)
{
	actor_instance *ai = instance_of(caller);

	(void)results;
	(void)ud;
	if (!ai)
		return not_ready(x);
	return deliver(x, ai, args[0].i32, ai->host_resp.p, ai->host_resp.n);
}

static int h_host_error_len(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                            void *ud)
{
	actor_instance *ai = instance_of(caller);

	(void)args;
	(void)ud;
	if (!ai)
		return not_ready(x);
	results[0].i32 = (uint32_t)ai->host_err.n;
	return 0;
}

static int h_host_error(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                        void *ud)
{
	actor_instance *ai = instance_of(caller);

	(void)results;
	(void)ud;
	if (!ai)
		return not_ready(x);
	return deliver(x, ai, args[0].i32, ai->host_err.p, ai->host_err.n);
}

static int h_console_log(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                         void *ud)
{
	actor_instance *ai = instance_of(caller);
	uint32_t len = args[1].i32;
	uint8_t *p;
	int rc;

	(void)results;
	(void)ud;
	if (!ai)
		return not_ready(x);
	rc = guest_span(x, ai, args[0].i32, len, &p);
	if (rc < 0 || len == 0)
		return rc;
	if (len > ST_LOG_LINE_MAX)
		len = ST_LOG_LINE_MAX; /* the logger cuts the line anyway */
	st_log(ST_LOG_INFO, "Log from guest (non-actor): %.*s", (int)len, (const char *)p);
	return 0;
}

/* The nine functions of §2, with their signatures (all i32). */
static const struct abi_fn {
	const char *name;
	uint32_t nparams;
	uint32_t nresults;
	wm_host_cb cb;
} abi_fns[FN_COUNT] = {
	[FN_GUEST_REQUEST] = { "__guest_request", 2, 0, h_guest_request },
	[FN_GUEST_RESPONSE] = { "__guest_response", 2, 0, h_guest_response },
	[FN_GUEST_ERROR] = { "__guest_error", 2, 0, h_guest_error },
	[FN_HOST_CALL] = { "__host_call", 8, 1, h_host_call },
	[FN_HOST_RESPONSE_LEN] = { "__host_response_len", 0, 1, h_host_response_len },
	[FN_HOST_RESPONSE] = { "__host_response", 1, 0, h_host_response },
	[FN_HOST_ERROR_LEN] = { "__host_error_len", 0, 1, h_host_error_len },
	[FN_HOST_ERROR] = { "__host_error", 1, 0, h_host_error },
	[FN_CONSOLE_LOG] = { "__console_log", 2, 0, h_console_log },
};

static const wm_valtype i32s[8] = {
	WM_I32, WM_I32, WM_I32, WM_I32, WM_I32, WM_I32, WM_I32, WM_I32
};

/* ----------------------------------------------------------------------- */
/* Actors */

static bool name_is(const char *s, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(s, want, n) == 0;
}

static bool contains_wasi(const char *s, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++) {
		if (memcmp(s + i, "wasi", 4) == 0)
			return true;
	}
	return false;
}

/* Checks the exports §3 requires: a memory named "memory" and a function "__guest_call". */
static int check_exports(const wm_module *m, st_err *err)
{
	bool mem = false, call = false;
	size_t n = wm_module_export_count(m);

	for (size_t i = 0; i < n; i++) {
		wm_export_desc d;

		wm_module_export(m, i, &d);
		if (d.kind == WM_EXTERN_MEMORY && name_is(d.name, d.name_len, "memory"))
			mem = true;
		if (d.kind == WM_EXTERN_FUNC && name_is(d.name, d.name_len, "__guest_call"))
			call = true;
	}
	if (!mem)
		return st_err_set(err, ST_EINVALID, "actor module does not export its memory");
	if (!call)
		return st_err_set(err, ST_EINVALID, "actor module does not export __guest_call");
	return 0;
}

int actor_new(actor **out, const uint8_t *wasm, size_t len, const actor_config *cfg, st_err *err)
{
	actor *a = xcalloc(1, sizeof(*a));
	int64_t now;
	size_t n;
	int rc;

	*out = NULL;
	if (cfg)
		a->cfg = *cfg;
	else
		actor_config_init(&a->cfg);
	now = a->cfg.now ? a->cfg.now : (int64_t)time(NULL);
	a->devnull = -1;
	claims_init(&a->claims);
	atomic_init(&a->refs, 1);
	rc = claims_module_verify(wasm, len, a->cfg.allowed_issuers, now, &a->claims, NULL, err);
	if (rc < 0)
		goto fail;
	a->cfg.allowed_issuers = NULL; /* borrowed for the check only */
	if (a->cfg.max_pages == 0 || a->cfg.max_pages > WM_MAX_PAGES)
		a->cfg.max_pages = WM_MAX_PAGES;
	if (a->cfg.max_message_bytes == 0)
		a->cfg.max_message_bytes = ACTOR_DEFAULT_MAX_MESSAGE;
	rc = wm_module_new(&a->mod, wasm, len, err);
	if (rc < 0)
		goto fail;
	rc = check_exports(a->mod, err);
	if (rc < 0)
		goto fail;
	n = wm_module_import_count(a->mod);
	for (size_t i = 0; i < n; i++) {
		wm_import_desc d;

		wm_module_import(a->mod, i, &d);
		if (contains_wasi(d.module, d.module_len))
			a->wasi = true;
	}
	if (a->wasi) {
		a->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (a->devnull < 0) {
			rc = st_err_set(err, ST_EIO, "cannot open /dev/null for WASI stdio");
			goto fail;
		}
	}
	for (int i = 0; i < FN_COUNT; i++) {
		wm_functype ft = { abi_fns[i].nparams, abi_fns[i].nresults, i32s, i32s };

		a->fns[i] = wm_func_new_host(&ft, abi_fns[i].cb, NULL);
	}
	*out = a;
	return 0;
fail:
	actor_unref(a);
	return rc;
}

actor *actor_ref(actor *a)
{
	if (a)
		atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
	return a;
}

void actor_unref(actor *a)
{
	if (!a || atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (int i = 0; i < FN_COUNT; i++)
		wm_func_unref(a->fns[i]);
	wm_module_unref(a->mod);
	claims_deinit(&a->claims);
	if (a->devnull >= 0)
		close(a->devnull);
	st_free(a);
}

const claims *actor_claims(const actor *a)
{
	return &a->claims;
}

const char *actor_id(const actor *a)
{
	return a->claims.sub;
}

bool actor_uses_wasi(const actor *a)
{
	return a->wasi;
}

/* ----------------------------------------------------------------------- */
/* Instances */

/* wm_resolve_cb: the ABI functions under "wasmbus" and "wapc", WASI when wanted. */
static int resolve(void *ud, const wm_import_desc *imp, wm_extern *out)
{
	actor_instance *ai = ud;

	if (imp->kind == WM_EXTERN_FUNC && (name_is(imp->module, imp->module_len, "wasmbus") ||
	                                    name_is(imp->module, imp->module_len, "wapc"))) {
		for (int i = 0; i < FN_COUNT; i++) {
			if (name_is(imp->name, imp->name_len, abi_fns[i].name)) {
				out->kind = WM_EXTERN_FUNC;
				out->of.func = ai->a->fns[i];
				return 0;
			}
		}
		return ST_ENOTFOUND;
	}
	if (ai->wasi)
		return wm_wasi_resolve(ai->wasi, imp, out);
	return ST_ENOTFOUND;
}

static bool type_is(const wm_func *f, uint32_t nparams, uint32_t nresults)
{
	const wm_functype *t = wm_func_type(f);

	if (t->nparams != nparams || t->nresults != nresults)
		return false;
	for (uint32_t i = 0; i < nparams; i++) {
		if (t->params[i] != WM_I32)
			return false;
	}
	for (uint32_t i = 0; i < nresults; i++) {
		if (t->results[i] != WM_I32)
			return false;
	}
	return true;
}

/*
 * Runs the init exports of §4 under the init deadline. Traps are ignored
 * (as the 2022 host did), except an interrupted one: a guest that does not
 * finish initialising is refused.
 */
static int run_init(actor_instance *ai, wm_exec *x, st_err *err)
{
	static const char *const inits[] = { "_initialize", "start", "wapc_init", "_start" };
	wm_func *f;
	wm_val res[1];
	st_err e;
	int rc = 0;

	wm_exec_set_deadline(x, actor_now_ns() + (uint64_t)ai->a->cfg.init_timeout_ms * 1000000u);
	f = wm_instance_func(ai->inst, "__wasmbus_rpc_version");
	if (f && type_is(f, 0, 1)) {
		rc = wm_call(x, f, NULL, 0, res, 1, &e);
		if (rc == 0)
			ai->api_version = (int32_t)res[0].i32;
		else if (rc == ST_ETRAP && e.kind == WM_TRAP_INTERRUPTED)
			goto out;
	}
	rc = 0;
	for (size_t i = 0; i < sizeof(inits) / sizeof(inits[0]); i++) {
		f = wm_instance_func(ai->inst, inits[i]);
		if (!f || !type_is(f, 0, 0))
			continue;
		rc = wm_call(x, f, NULL, 0, NULL, 0, &e);
		if (rc == ST_ETRAP && e.kind == WM_TRAP_INTERRUPTED)
			goto out;
		if (rc < 0)
			st_log(ST_LOG_DEBUG, "actor %s: %s failed (ignored): %s", actor_id(ai->a),
			       inits[i], e.msg);
		rc = 0;
	}
out:
	wm_exec_set_deadline(x, 0);
	if (rc < 0) {
		rc = st_err_set(err, ST_ETRAP, "actor initialisation did not finish within %u ms",
		                ai->a->cfg.init_timeout_ms);
		if (err)
			err->kind = WM_TRAP_INTERRUPTED;
	}
	return rc;
}

int actor_instance_new(actor_instance **out, actor *a, wm_exec *x, st_err *err)
{
	actor_instance *ai = xcalloc(1, sizeof(*ai));
	size_t max = a->cfg.max_message_bytes;
	wm_memory *mem;
	int rc;

	*out = NULL;
	ai->a = actor_ref(a);
	st_buf_init(&ai->guest_resp, max);
	st_buf_init(&ai->guest_err, max);
	st_buf_init(&ai->host_resp, max);
	st_buf_init(&ai->host_err, max);
	if (a->wasi) {
		wm_wasi_config wc;

		wm_wasi_config_init(&wc);
		wc.stdin_fd = a->devnull;
		wc.stdout_fd = a->devnull;
		wc.stderr_fd = a->devnull;
		rc = wm_wasi_new(&ai->wasi, &wc, err);
		if (rc < 0)
			goto fail;
	}
	rc = wm_instance_new(&ai->inst, a->mod, x, resolve, ai, NULL, 0, err);
	if (rc < 0)
		goto fail;
	wm_instance_set_ud(ai->inst, ai);
	mem = wm_instance_memory(ai->inst);
	if (!mem) {
		rc = st_err_set(err, ST_EINVALID, "actor module has no memory");
		goto fail;
	}
	if (wm_memory_size(mem) / 65536u > a->cfg.max_pages) {
		rc = st_err_set(err, ST_ETOOBIG,
		                "actor memory starts at %zu pages, above the limit of %u pages",
		                wm_memory_size(mem) / 65536u, a->cfg.max_pages);
		goto fail;
	}
	wm_memory_cap(mem, a->cfg.max_pages);
	ai->guest_call = wm_instance_func(ai->inst, "__guest_call");
	if (!ai->guest_call || !type_is(ai->guest_call, 2, 1)) {
		rc = st_err_set(err, ST_EINVALID,
		                "actor module does not export __guest_call(i32, i32) -> i32");
		goto fail;
	}
	rc = run_init(ai, x, err);
	if (rc < 0)
		goto fail;
	*out = ai;
	return 0;
fail:
	actor_instance_free(ai);
	return rc;
}

void actor_instance_free(actor_instance *ai)
{
	if (!ai)
		return;
	wm_instance_unref(ai->inst);
	wm_wasi_free(ai->wasi); /* after the instance: it borrows the WASI functions */
	st_buf_deinit(&ai->guest_resp);
	st_buf_deinit(&ai->guest_err);
	st_buf_deinit(&ai->host_resp);
	st_buf_deinit(&ai->host_err);
	actor_unref(ai->a);
	st_free(ai);
}

actor *actor_instance_actor(const actor_instance *ai)
{
	return ai->a;
}

int32_t actor_instance_api_version(const actor_instance *ai)
{
	return ai->api_version;
}

bool actor_instance_dead(const actor_instance *ai)
{
	return ai->dead;
}

int actor_instance_invoke(actor_instance *ai, wm_exec *x, const char *op, size_t op_len,
                          const uint8_t *msg, size_t len, uint64_t deadline_ns, actor_reply *reply,
                          st_err *err)
{
	wm_val args[2], res[1];
	st_err e;
	int rc;

	reply->ok = false;
	reply->data = NULL;
	reply->len = 0;
	if (ai->dead)
		return st_err_set(err, ST_ESTATE, "actor instance is dead after a trap");
	if (ai->busy)
		return st_err_set(err, ST_ESTATE, "actor instance is already in a call");
	if (op_len > UINT32_MAX || len > UINT32_MAX)
		return st_err_set(err, ST_ETOOBIG, "invocation too large for a 32-bit guest");
	ai->busy = true;
	ai->op = (const uint8_t *)op;
	ai->op_len = op_len;
	ai->msg = msg;
	ai->msg_len = len;
	ai->deadline_ns = deadline_ns;
	ai->guest_resp.n = 0;
	ai->guest_err.n = 0;
	ai->has_guest_err = false;
	ai->host_resp.n = 0;
	ai->host_err.n = 0;

	args[0].bits = 0;
	args[0].i32 = (uint32_t)op_len;
	args[1].bits = 0;
	args[1].i32 = (uint32_t)len;
	wm_exec_set_deadline(x, deadline_ns);
	rc = wm_call(x, ai->guest_call, args, 2, res, 1, &e);
	wm_exec_set_deadline(x, 0);
	ai->busy = false;
	ai->op = NULL;
	ai->msg = NULL;
	if (rc < 0) {
		/* A trap, or a failure inside the engine: either way, not trusted again. */
		ai->dead = true;
		snprintf(ai->trap_text, sizeof(ai->trap_text), "%s%s", ACTOR_TRAP_PREFIX, e.msg);
		reply->data = (const uint8_t *)ai->trap_text;
		reply->len = strlen(ai->trap_text);
		if (err)
			*err = e;
		return rc;
	}
	if (res[0].i32 == 1) {
		reply->ok = true;
		reply->data = ai->guest_resp.p;
		reply->len = ai->guest_resp.n;
	} else if (ai->has_guest_err) {
		reply->data = ai->guest_err.p;
		reply->len = ai->guest_err.n;
	} else {
		reply->data = (const uint8_t *)generic_guest_error;
		reply->len = sizeof(generic_guest_error) - 1;
	}
	return 0;
}
