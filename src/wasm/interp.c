/*
 * interp.c - the interpreter, execution contexts and traps.
 *
 * Compiled code (ops.h) is run by one function, run(), with direct
 * threading: every instruction starts with the address of its handler (a
 * label inside run()), and each handler ends by jumping to the next
 * instruction's handler. There is no central switch and no re-scanning of
 * wasm bytes: branch targets, slots and immediates were resolved by the
 * compiler.
 *
 * Wasm calls never recurse in C. A call pushes a struct frame on the
 * context's frame stack and the callee's frame pointer is the slot of its
 * first argument in the caller's frame, so arguments need no copying and
 * results come back in place. Exceeding the value stack or the frame stack
 * is a WM_TRAP_STACK_EXHAUSTED trap. Fuel, deadlines and interrupts are
 * polled at backward branches and function entries through a countdown
 * (tick) kept in a register.
 *
 * The handler-defining macros (BINOP, LOAD, ...) end with NEXT(), the
 * dispatch jump: that is the nature of a threaded interpreter. Trap exits
 * are explicit gotos to the trap_* labels at the end of run().
 */
#include "wm_int.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/mem.h"
#include "ops.h"
#include "../core/banned.h"

#define POLL_INTERVAL 65536

#if defined(__GNUC__)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define UNLIKELY(x) (x)
#define LIKELY(x) (x)
#endif

struct frame {
	const uint32_t *ip;  /* where the caller resumes; NULL marks a wm_call entry */
	wm_val *fp;          /* the caller's frame pointer */
	wm_instance *inst;   /* the caller's instance */
	const wm_code *code; /* the caller's function */
};

struct wm_exec {
	wm_val *stack; /* owned, nslots */
	wm_val *stack_end;
	wm_val *sp;           /* first slot free for a new wm_call (nesting) */
	struct frame *frames; /* owned */
	struct frame *frames_end;
	struct frame *ftop;   /* next free frame */
	int64_t fuel;         /* remaining fuel; negative = unlimited */
	uint64_t deadline_ns; /* CLOCK_MONOTONIC deadline, 0 = none */
	atomic_int interrupt; /* set by wm_exec_interrupt, any thread */
	st_err trap;          /* detail of the last trap raised on this context */
	uint32_t depth;       /* wm_call nesting level */
	void *ud;
};

/* An instance without memory reads its size as 0, so bounds checks fail. */
static wm_memory no_memory;

static const char *const trap_texts[] = {
	[WM_TRAP_NONE] = "no trap",
	[WM_TRAP_UNREACHABLE] = "unreachable",
	[WM_TRAP_MEMORY_OOB] = "out of bounds memory access",
	[WM_TRAP_TABLE_OOB] = "out of bounds table access",
	[WM_TRAP_UNDEFINED_ELEMENT] = "undefined element",
	[WM_TRAP_UNINITIALIZED_ELEMENT] = "uninitialized element",
	[WM_TRAP_INDIRECT_MISMATCH] = "indirect call type mismatch",
	[WM_TRAP_INT_OVERFLOW] = "integer overflow",
	[WM_TRAP_DIV_ZERO] = "integer divide by zero",
	[WM_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
	[WM_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
	[WM_TRAP_INTERRUPTED] = "interrupted: deadline exceeded or interrupt requested",
	[WM_TRAP_FUEL] = "fuel exhausted",
	[WM_TRAP_HOST] = "host function failed",
	[WM_TRAP_EXIT] = "program exited",
};

const char *wm_trap_text(wm_trap_kind kind)
{
	if ((unsigned)kind >= sizeof(trap_texts) / sizeof(trap_texts[0]) || !trap_texts[kind])
		return "unknown trap";
	return trap_texts[kind];
}

int wm_trap_err(st_err *err, wm_trap_kind kind)
{
	st_err_set(err, ST_ETRAP, "%s", wm_trap_text(kind));
	if (err)
		err->kind = kind;
	return ST_ETRAP;
}

int wm_trap_set(wm_exec *x, wm_trap_kind kind, const char *fmt, ...)
{
	va_list ap;

	x->trap.code = ST_ETRAP;
	x->trap.kind = kind;
	x->trap.offset = -1;
	va_start(ap, fmt);
	vsnprintf(x->trap.msg, sizeof(x->trap.msg), fmt, ap);
	va_end(ap);
	return ST_ETRAP;
}

/* ----------------------------------------------------------------------- */
/* Numeric helpers with wasm semantics where C differs. */

static inline float f32_min(float a, float b)
{
	if (a != a || b != b)
		return a + b; /* a NaN, quieted */
	if (a == 0.0f && b == 0.0f)
		return signbit(a) ? a : b;
	return a < b ? a : b;
}

static inline float f32_max(float a, float b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0.0f && b == 0.0f)
		return signbit(a) ? b : a;
	return a > b ? a : b;
}

static inline double f64_min(double a, double b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0.0 && b == 0.0)
		return signbit(a) ? a : b;
	return a < b ? a : b;
}

static inline double f64_max(double a, double b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0.0 && b == 0.0)
		return signbit(a) ? b : a;
	return a > b ? a : b;
}

static inline uint32_t rotl32(uint32_t v, uint32_t n)
{
	n &= 31;
	return n ? (v << n) | (v >> (32 - n)) : v;
}

static inline uint32_t rotr32(uint32_t v, uint32_t n)
{
	n &= 31;
	return n ? (v >> n) | (v << (32 - n)) : v;
}

static inline uint64_t rotl64(uint64_t v, uint64_t n)
{
	n &= 63;
	return n ? (v << n) | (v >> (64 - n)) : v;
}

static inline uint64_t rotr64(uint64_t v, uint64_t n)
{
	n &= 63;
	return n ? (v >> n) | (v << (64 - n)) : v;
}

/* Saturating truncations (non-trapping float-to-int). */
static inline uint32_t sat_i32_s(double a)
{
	if (a != a)
		return 0;
	if (a <= -2147483648.0)
		return 0x80000000u;
	if (a >= 2147483647.0)
		return 0x7fffffffu;
	return (uint32_t)(int32_t)a;
}

static inline uint32_t sat_i32_u(double a)
{
	if (a != a || a <= -1.0)
		return 0;
	if (a >= 4294967295.0)
		return 0xffffffffu;
	return (uint32_t)a;
}

static inline uint64_t sat_i64_s(double a)
{
	if (a != a)
		return 0;
	if (a < -9223372036854775808.0)
		return (uint64_t)INT64_MIN;
	if (a >= 9223372036854775808.0)
		return (uint64_t)INT64_MAX;
	return (uint64_t)(int64_t)a;
}

static inline uint64_t sat_i64_u(double a)
{
	if (a != a || a <= -1.0)
		return 0;
	if (a >= 18446744073709551616.0)
		return UINT64_MAX;
	return (uint64_t)a;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Slow path of the tick countdown: checks the interrupt flag, the deadline
 * and the fuel, and refills *tick. Returns the trap kind, or 0 to go on.
 */
static wm_trap_kind poll(wm_exec *x, int64_t *tick)
{
	int64_t chunk;

	if (atomic_load_explicit(&x->interrupt, memory_order_relaxed)) {
		atomic_store(&x->interrupt, 0);
		return WM_TRAP_INTERRUPTED;
	}
	if (x->deadline_ns && now_ns() >= x->deadline_ns)
		return WM_TRAP_INTERRUPTED;
	if (x->fuel >= 0) {
		if (x->fuel == 0)
			return WM_TRAP_FUEL;
		chunk = x->fuel < POLL_INTERVAL ? x->fuel : POLL_INTERVAL;
		x->fuel -= chunk;
		*tick = chunk - 1;
	} else {
		*tick = POLL_INTERVAL;
	}
	return WM_TRAP_NONE;
}

/* ----------------------------------------------------------------------- */
/* The interpreter */

#ifdef WM_PROFILE
/*
 * Profiling build (-DWM_PROFILE): counts executed instructions and pairs of
 * consecutive instructions, printed at exit, to choose superinstructions.
 * Single-threaded use only.
 */
static uint64_t prof_ops[WM_OP_COUNT_];
static uint64_t prof_pairs[WM_OP_COUNT_][WM_OP_COUNT_];
static int prof_prev = -1;

static const char *const prof_names[] = {
#define WM_OP_PNAME_(name, layout) #name,
	WM_OPS(WM_OP_PNAME_)
#undef WM_OP_PNAME_
};

static void prof_dump(void)
{
	uint64_t total = 0;

	for (int i = 0; i < WM_OP_COUNT_; i++)
		total += prof_ops[i];
	fprintf(stderr, "profile: %llu instructions\n", (unsigned long long)total);
	for (int n = 0; n < 16; n++) {
		int bi = 0, bj = 0;

		for (int i = 0; i < WM_OP_COUNT_; i++)
			for (int j = 0; j < WM_OP_COUNT_; j++)
				if (prof_pairs[i][j] > prof_pairs[bi][bj]) {
					bi = i;
					bj = j;
				}
		if (!prof_pairs[bi][bj])
			break;
		fprintf(stderr, "  pair %5.2f%% %s -> %s\n",
		        100.0 * (double)prof_pairs[bi][bj] / (double)total, prof_names[bi],
		        prof_names[bj]);
		prof_pairs[bi][bj] = 0;
	}
	for (int n = 0; n < 16; n++) {
		int bi = 0;

		for (int i = 0; i < WM_OP_COUNT_; i++)
			if (prof_ops[i] > prof_ops[bi])
				bi = i;
		if (!prof_ops[bi])
			break;
		fprintf(stderr, "  op %5.2f%% %s\n", 100.0 * (double)prof_ops[bi] / (double)total,
		        prof_names[bi]);
		prof_ops[bi] = 0;
	}
}

static void prof_hit(const void *const *table, const void *h)
{
	static int registered;
	int op = 0;

	if (!registered) {
		registered = 1;
		atexit(prof_dump);
	}
	while (op < WM_OP_COUNT_ && table[op] != h)
		op++;
	if (op == WM_OP_COUNT_)
		return;
	prof_ops[op]++;
	if (prof_prev >= 0)
		prof_pairs[prof_prev][op]++;
	prof_prev = op;
}
#define PROF_HIT(h) prof_hit(handlers, h)
#else
#define PROF_HIT(h) ((void)0)
#endif

#define NEXT()                               \
	do {                                 \
		const void *h_;              \
		memcpy(&h_, ip, sizeof(h_)); \
		PROF_HIT(h_);                \
		goto *h_;                    \
	} while (0)

#define S(k) fp[ip[k]]

#define UNOP(name, IF, OF, expr)                \
	L_##name:                               \
	{                                       \
		__typeof__(fp->IF) a = S(3).IF; \
		S(2).OF = (expr);               \
		ip += 4;                        \
		NEXT();                         \
	}

#define BINOP(name, IF, OF, expr)               \
	L_##name:                               \
	{                                       \
		__typeof__(fp->IF) a = S(3).IF; \
		__typeof__(fp->IF) b = S(4).IF; \
		S(2).OF = (expr);               \
		ip += 5;                        \
		NEXT();                         \
	}

#define IMMOP(name, IF, expr)                   \
	L_##name:                               \
	{                                       \
		__typeof__(fp->IF) a = S(3).IF; \
		uint32_t b = ip[4];             \
		S(2).IF = (expr);               \
		ip += 5;                        \
		NEXT();                         \
	}

/* Backward branches poll the tick countdown. */
#define BACKEDGE(off)                                     \
	do {                                              \
		if ((off) <= 0 && UNLIKELY(--tick < 0)) { \
			tk = poll(x, &tick);              \
			if (tk)                           \
				goto trap;                \
		}                                         \
	} while (0)

#define BRCMP(cmp, expr)                              \
	L_br_if_##cmp:                                \
	{                                             \
		uint32_t a = S(2).i32, b = S(3).i32;  \
		if (expr) {                           \
			int32_t off = (int32_t)ip[4]; \
			BACKEDGE(off);                \
			ip += off;                    \
		} else {                              \
			ip += 5;                      \
		}                                     \
		NEXT();                               \
	}                                             \
	L_br_unless_##cmp:                            \
	{                                             \
		uint32_t a = S(2).i32, b = S(3).i32;  \
		if (!(expr)) {                        \
			int32_t off = (int32_t)ip[4]; \
			BACKEDGE(off);                \
			ip += off;                    \
		} else {                              \
			ip += 5;                      \
		}                                     \
		NEXT();                               \
	}

#define LOAD(name, N, OF, CT, conv)                       \
	L_##name:                                         \
	{                                                 \
		uint64_t ea = (uint64_t)S(3).i32 + ip[4]; \
		CT v;                                     \
		if (UNLIKELY(ea + N > memsize))           \
			goto trap_mem;                    \
		memcpy(&v, mem + ea, N);                  \
		S(2).OF = conv;                           \
		ip += 5;                                  \
		NEXT();                                   \
	}

#define STORE(name, N, IF)                                \
	L_##name:                                         \
	{                                                 \
		uint64_t ea = (uint64_t)S(2).i32 + ip[4]; \
		__typeof__(fp->IF) v = S(3).IF;           \
		if (UNLIKELY(ea + N > memsize))           \
			goto trap_mem;                    \
		memcpy(mem + ea, &v, N);                  \
		ip += 5;                                  \
		NEXT();                                   \
	}

/* Loads and stores whose address is a fused i32.add (slots) or i32.add with an immediate. */
#define LOAD_ADD(name, N, OF, CT, conv)                                          \
	L_##name##_add:                                                          \
	{                                                                        \
		uint64_t ea = (uint64_t)(uint32_t)(S(3).i32 + S(4).i32) + ip[5]; \
		CT v;                                                            \
		if (UNLIKELY(ea + N > memsize))                                  \
			goto trap_mem;                                           \
		memcpy(&v, mem + ea, N);                                         \
		S(2).OF = conv;                                                  \
		ip += 6;                                                         \
		NEXT();                                                          \
	}                                                                        \
	L_##name##_addi:                                                         \
	{                                                                        \
		uint64_t ea = (uint64_t)(uint32_t)(S(3).i32 + ip[4]) + ip[5];    \
		CT v;                                                            \
		if (UNLIKELY(ea + N > memsize))                                  \
			goto trap_mem;                                           \
		memcpy(&v, mem + ea, N);                                         \
		S(2).OF = conv;                                                  \
		ip += 6;                                                         \
		NEXT();                                                          \
	}

#define STORE_ADD(name, N, IF)                                                   \
	L_##name##_add:                                                          \
	{                                                                        \
		uint64_t ea = (uint64_t)(uint32_t)(S(2).i32 + S(3).i32) + ip[5]; \
		__typeof__(fp->IF) v = S(4).IF;                                  \
		if (UNLIKELY(ea + N > memsize))                                  \
			goto trap_mem;                                           \
		memcpy(mem + ea, &v, N);                                         \
		ip += 6;                                                         \
		NEXT();                                                          \
	}                                                                        \
	L_##name##_addi:                                                         \
	{                                                                        \
		uint64_t ea = (uint64_t)(uint32_t)(S(2).i32 + ip[3]) + ip[5];    \
		__typeof__(fp->IF) v = S(4).IF;                                  \
		if (UNLIKELY(ea + N > memsize))                                  \
			goto trap_mem;                                           \
		memcpy(mem + ea, &v, N);                                         \
		ip += 6;                                                         \
		NEXT();                                                          \
	}

#define RELOAD_MEM()                                                   \
	do {                                                           \
		wm_memory *m0_ = inst->mem0 ? inst->mem0 : &no_memory; \
		mem = m0_->base;                                       \
		memsize = m0_->size;                                   \
	} while (0)

static const void *const *handler_table;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

/*
 * Runs entry (a wasm function) whose arguments are at fp0[0..] until it
 * returns; results are left at fp0[0..]. Called with x == NULL it only
 * publishes the handler table.
 */
static int run(wm_exec *x, wm_func *entry, wm_val *fp0)
{
	static const void *const handlers[] = {
#define WM_OP_LABEL_(name, layout) &&L_##name,
		WM_OPS(WM_OP_LABEL_)
#undef WM_OP_LABEL_
	};
	const uint32_t *ip;
	wm_val *fp;
	wm_instance *inst;
	const wm_code *code;
	uint8_t *mem;
	uint64_t memsize;
	int64_t tick = 0;
	struct frame *ft, *fend, *fbase;
	wm_trap_kind tk = WM_TRAP_NONE;
	wm_func *callee;
	wm_val *nfp;
	const uint32_t *next;

	if (!x) {
		handler_table = handlers;
		return 0;
	}
	ft = fbase = x->ftop;
	fend = x->frames_end;
	if (ft >= fend)
		return wm_trap_err(&x->trap, WM_TRAP_STACK_EXHAUSTED);
	ft->ip = NULL; /* the sentinel: returning into it leaves run() */
	ft->fp = fp0;
	ft->inst = NULL;
	ft->code = NULL;
	ft++;
	inst = entry->inst;
	code = entry->code;
	fp = fp0;
	RELOAD_MEM();
	goto enter;

enter:
	/* Callee frame set up: stack space, zeroed locals, constants. */
	if (UNLIKELY((size_t)(x->stack_end - fp) < code->frame_slots))
		goto trap_stack;
	for (uint32_t i = code->nparams; i < code->nlocals; i++)
		fp[i].bits = 0;
	for (uint32_t i = 0; i < code->nconsts; i++)
		fp[code->nlocals + i].bits = code->consts[i];
	if (UNLIKELY(--tick < 0)) {
		tk = poll(x, &tick);
		if (tk)
			goto trap;
	}
	ip = code->code;
	NEXT();

L_unreachable:
	goto trap_unreachable;

L_copy:
	S(2) = S(3);
	ip += 4;
	NEXT();

L_copy2:
	S(2) = S(3);
	S(4) = S(5);
	ip += 6;
	NEXT();

L_br : {
	int32_t off = (int32_t)ip[2];
	BACKEDGE(off);
	ip += off;
	NEXT();
}

L_br_if:
	if (S(2).i32) {
		int32_t off = (int32_t)ip[3];
		BACKEDGE(off);
		ip += off;
	} else {
		ip += 4;
	}
	NEXT();

L_br_unless:
	if (!S(2).i32) {
		int32_t off = (int32_t)ip[3];
		BACKEDGE(off);
		ip += off;
	} else {
		ip += 4;
	}
	NEXT();

L_br_if_eqz:
	if (!S(2).i32) {
		int32_t off = (int32_t)ip[3];
		BACKEDGE(off);
		ip += off;
	} else {
		ip += 4;
	}
	NEXT();

L_br_unless_eqz:
	if (S(2).i32) {
		int32_t off = (int32_t)ip[3];
		BACKEDGE(off);
		ip += off;
	} else {
		ip += 4;
	}
	NEXT();

L_br_if_i64_eqz:
	if (!S(2).i64) {
		int32_t off = (int32_t)ip[3];
		BACKEDGE(off);
		ip += off;
	} else {
		ip += 4;
	}
	NEXT();

L_br_unless_i64_eqz:
	if (S(2).i64) {
		int32_t off = (int32_t)ip[3];
		BACKEDGE(off);
		ip += off;
	} else {
		ip += 4;
	}
	NEXT();

	BRCMP(eq, a == b)
	BRCMP(ne, a != b)
	BRCMP(lt_s, (int32_t)a < (int32_t)b)
	BRCMP(lt_u, a < b)
	BRCMP(gt_s, (int32_t)a > (int32_t)b)
	BRCMP(gt_u, a > b)
	BRCMP(le_s, (int32_t)a <= (int32_t)b)
	BRCMP(le_u, a <= b)
	BRCMP(ge_s, (int32_t)a >= (int32_t)b)
	BRCMP(ge_u, a >= b)

L_br_table : {
	uint32_t i = S(2).i32, n = ip[3];
	int32_t off = (int32_t)ip[4 + (i < n ? i : n)];
	BACKEDGE(off);
	ip += off;
	NEXT();
}

L_ret1:
	fp[0] = S(2);
	goto ret;

L_retn : {
	uint32_t src = ip[2], n = ip[3];
	for (uint32_t i = 0; i < n; i++)
		fp[i] = fp[src + i];
}
	goto ret;

L_ret0:
ret:
	ft--;
	if (!ft->ip)
		goto done;
	ip = ft->ip;
	fp = ft->fp;
	code = ft->code;
	inst = ft->inst;
	RELOAD_MEM();
	NEXT();

L_call : {
	const wm_code *c;
	memcpy(&c, ip + 2, sizeof(c));
	if (UNLIKELY(ft >= fend))
		goto trap_stack;
	ft->ip = ip + 5;
	ft->fp = fp;
	ft->inst = inst;
	ft->code = code;
	ft++;
	fp += ip[4];
	code = c;
	goto enter;
}

L_call_import:
	callee = inst->funcs[ip[2]];
	nfp = fp + ip[3];
	next = ip + 4;
	goto call_func;

L_call_indirect : {
	wm_table *t = inst->tables[ip[3]];
	uint32_t i = S(4).i32;
	if (UNLIKELY(i >= t->size))
		goto trap_undefined;
	callee = t->elems[i];
	if (UNLIKELY(!callee))
		goto trap_uninit;
	if (UNLIKELY(callee->type_id != ip[2]))
		goto trap_sig;
	nfp = fp + ip[5];
	next = ip + 6;
	goto call_func;
}

call_func:
	/* callee, nfp (its arguments) and next (where to resume) are set. */
	if (callee->kind == WM_FUNC_WASM) {
		if (UNLIKELY(ft >= fend))
			goto trap_stack;
		ft->ip = next;
		ft->fp = fp;
		ft->inst = inst;
		ft->code = code;
		ft++;
		fp = nfp;
		code = callee->code;
		if (inst != callee->inst) {
			inst = callee->inst;
			RELOAD_MEM();
		}
		goto enter;
	} else {
		uint32_t nres = callee->type->nresults;
		wm_val *res = fp + code->frame_slots;
		wm_val *saved_sp = x->sp;
		int rc;

		if (UNLIKELY((size_t)(x->stack_end - res) < nres))
			goto trap_stack;
		x->sp = res + nres;
		x->ftop = ft;
		rc = callee->cb(x, inst, nfp, res, callee->ud);
		x->sp = saved_sp;
		if (UNLIKELY(rc < 0)) {
			if (x->trap.code != ST_ETRAP)
				wm_trap_set(x, WM_TRAP_HOST, "host function failed: %s",
				            st_strerror(rc));
			tk = (wm_trap_kind)x->trap.kind;
			goto trap_keep_msg;
		}
		for (uint32_t i = 0; i < nres; i++)
			nfp[i] = res[i];
		RELOAD_MEM();
		ip = next;
		NEXT();
	}

L_select:
	S(2) = S(5).i32 ? S(3) : S(4);
	ip += 6;
	NEXT();

L_global_get:
	S(2) = inst->globals[ip[3]]->val;
	ip += 4;
	NEXT();

L_global_set:
	inst->globals[ip[2]]->val = S(3);
	ip += 4;
	NEXT();

L_ref_is_null:
	S(2).i32 = S(3).ref == NULL;
	ip += 4;
	NEXT();

L_ref_func:
	S(2).ref = inst->funcs[ip[3]];
	ip += 4;
	NEXT();

L_table_get : {
	wm_table *t = inst->tables[ip[3]];
	uint32_t i = S(4).i32;
	if (UNLIKELY(i >= t->size))
		goto trap_table;
	S(2).ref = t->elems[i];
	ip += 5;
	NEXT();
}

L_table_set : {
	wm_table *t = inst->tables[ip[2]];
	uint32_t i = S(3).i32;
	if (UNLIKELY(i >= t->size))
		goto trap_table;
	t->elems[i] = S(4).ref;
	ip += 5;
	NEXT();
}

L_table_size:
	S(2).i32 = inst->tables[ip[3]]->size;
	ip += 4;
	NEXT();

L_table_grow : {
	wm_table *t = inst->tables[ip[3]];
	void *init = S(4).ref;
	uint32_t n = S(5).i32;
	S(2).i32 = (uint32_t)wm_table_grow_elems(t, n, init);
	ip += 6;
	NEXT();
}

L_table_fill : {
	wm_table *t = inst->tables[ip[2]];
	uint32_t i = S(3).i32, n = S(5).i32;
	void *v = S(4).ref;
	if (UNLIKELY((uint64_t)i + n > t->size))
		goto trap_table;
	for (uint32_t k = 0; k < n; k++)
		t->elems[i + k] = v;
	ip += 6;
	NEXT();
}

L_table_copy : {
	wm_table *td = inst->tables[ip[2]], *ts = inst->tables[ip[3]];
	uint32_t d = S(4).i32, s = S(5).i32, n = S(6).i32;
	if (UNLIKELY((uint64_t)d + n > td->size || (uint64_t)s + n > ts->size))
		goto trap_table;
	if (n)
		memmove(td->elems + d, ts->elems + s, (size_t)n * sizeof(void *));
	ip += 7;
	NEXT();
}

L_table_init : {
	uint32_t seg = ip[2];
	wm_table *t = inst->tables[ip[3]];
	uint32_t d = S(4).i32, s = S(5).i32, n = S(6).i32;
	if (UNLIKELY((uint64_t)s + n > inst->elem_len[seg] || (uint64_t)d + n > t->size))
		goto trap_table;
	if (n)
		memcpy(t->elems + d, inst->elem_vals[seg] + s, (size_t)n * sizeof(void *));
	ip += 7;
	NEXT();
}

L_elem_drop:
	inst->elem_len[ip[2]] = 0;
	ip += 3;
	NEXT();

L_memory_size:
	S(2).i32 = (uint32_t)(memsize / WM_PAGE_SIZE);
	ip += 3;
	NEXT();

L_memory_grow : {
	uint32_t delta = S(3).i32;
	int64_t old = inst->mem0 ? wm_memory_grow_pages(inst->mem0, delta) : -1;
	RELOAD_MEM();
	S(2).i32 = (uint32_t)old;
	ip += 4;
	NEXT();
}

L_memory_fill : {
	uint32_t d = S(2).i32, v = S(3).i32, n = S(4).i32;
	if (UNLIKELY((uint64_t)d + n > memsize))
		goto trap_mem;
	if (n)
		memset(mem + d, (int)(v & 0xff), n);
	ip += 5;
	NEXT();
}

L_memory_copy : {
	uint32_t d = S(2).i32, s = S(3).i32, n = S(4).i32;
	if (UNLIKELY((uint64_t)d + n > memsize || (uint64_t)s + n > memsize))
		goto trap_mem;
	if (n)
		memmove(mem + d, mem + s, n);
	ip += 5;
	NEXT();
}

L_memory_init : {
	uint32_t seg = ip[2];
	const wm_data *ds = &inst->mod->datas[seg];
	uint64_t len = inst->data_dropped[seg] ? 0 : ds->len;
	uint32_t d = S(3).i32, s = S(4).i32, n = S(5).i32;
	if (UNLIKELY((uint64_t)s + n > len || (uint64_t)d + n > memsize))
		goto trap_mem;
	if (n)
		memcpy(mem + d, inst->mod->bytes + ds->off + s, n);
	ip += 6;
	NEXT();
}

L_data_drop:
	inst->data_dropped[ip[2]] = true;
	ip += 3;
	NEXT();

	LOAD(load32, 4, i32, uint32_t, v)
	LOAD(load64, 8, i64, uint64_t, v)
	LOAD(load8_s32, 1, i32, int8_t, (uint32_t)(int32_t)v)
	LOAD(load8_u32, 1, i32, uint8_t, (uint32_t)v)
	LOAD(load16_s32, 2, i32, int16_t, (uint32_t)(int32_t)v)
	LOAD(load16_u32, 2, i32, uint16_t, (uint32_t)v)
	LOAD(load8_s64, 1, i64, int8_t, (uint64_t)(int64_t)v)
	LOAD(load8_u64, 1, i64, uint8_t, (uint64_t)v)
	LOAD(load16_s64, 2, i64, int16_t, (uint64_t)(int64_t)v)
	LOAD(load16_u64, 2, i64, uint16_t, (uint64_t)v)
	LOAD(load32_s64, 4, i64, int32_t, (uint64_t)(int64_t)v)
	LOAD(load32_u64, 4, i64, uint32_t, (uint64_t)v)
	STORE(store8, 1, i32)
	STORE(store16, 2, i32)
	STORE(store32, 4, i32)
	STORE(store64, 8, i64)
	LOAD_ADD(load32, 4, i32, uint32_t, v)
	LOAD_ADD(load64, 8, i64, uint64_t, v)
	LOAD_ADD(load8_s32, 1, i32, int8_t, (uint32_t)(int32_t)v)
	LOAD_ADD(load8_u32, 1, i32, uint8_t, (uint32_t)v)
	LOAD_ADD(load16_s32, 2, i32, int16_t, (uint32_t)(int32_t)v)
	LOAD_ADD(load16_u32, 2, i32, uint16_t, (uint32_t)v)
	LOAD_ADD(load8_s64, 1, i64, int8_t, (uint64_t)(int64_t)v)
	LOAD_ADD(load8_u64, 1, i64, uint8_t, (uint64_t)v)
	LOAD_ADD(load16_s64, 2, i64, int16_t, (uint64_t)(int64_t)v)
	LOAD_ADD(load16_u64, 2, i64, uint16_t, (uint64_t)v)
	LOAD_ADD(load32_s64, 4, i64, int32_t, (uint64_t)(int64_t)v)
	LOAD_ADD(load32_u64, 4, i64, uint32_t, (uint64_t)v)
	STORE_ADD(store8, 1, i32)
	STORE_ADD(store16, 2, i32)
	STORE_ADD(store32, 4, i32)
	STORE_ADD(store64, 8, i64)

	UNOP(i32_eqz, i32, i32, a == 0)
	BINOP(i32_eq, i32, i32, a == b)
	BINOP(i32_ne, i32, i32, a != b)
	BINOP(i32_lt_s, i32, i32, (int32_t)a < (int32_t)b)
	BINOP(i32_lt_u, i32, i32, a < b)
	BINOP(i32_gt_s, i32, i32, (int32_t)a > (int32_t)b)
	BINOP(i32_gt_u, i32, i32, a > b)
	BINOP(i32_le_s, i32, i32, (int32_t)a <= (int32_t)b)
	BINOP(i32_le_u, i32, i32, a <= b)
	BINOP(i32_ge_s, i32, i32, (int32_t)a >= (int32_t)b)
	BINOP(i32_ge_u, i32, i32, a >= b)
	UNOP(i64_eqz, i64, i32, a == 0)
	BINOP(i64_eq, i64, i32, a == b)
	BINOP(i64_ne, i64, i32, a != b)
	BINOP(i64_lt_s, i64, i32, (int64_t)a < (int64_t)b)
	BINOP(i64_lt_u, i64, i32, a < b)
	BINOP(i64_gt_s, i64, i32, (int64_t)a > (int64_t)b)
	BINOP(i64_gt_u, i64, i32, a > b)
	BINOP(i64_le_s, i64, i32, (int64_t)a <= (int64_t)b)
	BINOP(i64_le_u, i64, i32, a <= b)
	BINOP(i64_ge_s, i64, i32, (int64_t)a >= (int64_t)b)
	BINOP(i64_ge_u, i64, i32, a >= b)
	BINOP(f32_eq, f32, i32, a == b)
	BINOP(f32_ne, f32, i32, a != b)
	BINOP(f32_lt, f32, i32, a < b)
	BINOP(f32_gt, f32, i32, a > b)
	BINOP(f32_le, f32, i32, a <= b)
	BINOP(f32_ge, f32, i32, a >= b)
	BINOP(f64_eq, f64, i32, a == b)
	BINOP(f64_ne, f64, i32, a != b)
	BINOP(f64_lt, f64, i32, a < b)
	BINOP(f64_gt, f64, i32, a > b)
	BINOP(f64_le, f64, i32, a <= b)
	BINOP(f64_ge, f64, i32, a >= b)

	UNOP(i32_clz, i32, i32, a ? (uint32_t)__builtin_clz(a) : 32u)
	UNOP(i32_ctz, i32, i32, a ? (uint32_t)__builtin_ctz(a) : 32u)
	UNOP(i32_popcnt, i32, i32, (uint32_t)__builtin_popcount(a))
	BINOP(i32_add, i32, i32, a + b)
	BINOP(i32_sub, i32, i32, a - b)
	BINOP(i32_mul, i32, i32, a * b)
	BINOP(i32_and, i32, i32, a & b)
	BINOP(i32_or, i32, i32, a | b)
	BINOP(i32_xor, i32, i32, a ^ b)
	BINOP(i32_shl, i32, i32, a << (b & 31))
	BINOP(i32_shr_s, i32, i32, (uint32_t)((int32_t)a >> (b & 31)))
	BINOP(i32_shr_u, i32, i32, a >> (b & 31))
	BINOP(i32_rotl, i32, i32, rotl32(a, b))
	BINOP(i32_rotr, i32, i32, rotr32(a, b))

L_i32_div_s : {
	int32_t a = (int32_t)S(3).i32, b = (int32_t)S(4).i32;
	if (UNLIKELY(b == 0))
		goto trap_div0;
	if (UNLIKELY(a == INT32_MIN && b == -1))
		goto trap_ovf;
	S(2).i32 = (uint32_t)(a / b);
	ip += 5;
	NEXT();
}

L_i32_div_u : {
	uint32_t a = S(3).i32, b = S(4).i32;
	if (UNLIKELY(b == 0))
		goto trap_div0;
	S(2).i32 = a / b;
	ip += 5;
	NEXT();
}

L_i32_rem_s : {
	int32_t a = (int32_t)S(3).i32, b = (int32_t)S(4).i32;
	if (UNLIKELY(b == 0))
		goto trap_div0;
	S(2).i32 = b == -1 ? 0 : (uint32_t)(a % b);
	ip += 5;
	NEXT();
}

L_i32_rem_u : {
	uint32_t a = S(3).i32, b = S(4).i32;
	if (UNLIKELY(b == 0))
		goto trap_div0;
	S(2).i32 = a % b;
	ip += 5;
	NEXT();
}

	UNOP(i64_clz, i64, i64, a ? (uint64_t)__builtin_clzll(a) : 64u)
	UNOP(i64_ctz, i64, i64, a ? (uint64_t)__builtin_ctzll(a) : 64u)
	UNOP(i64_popcnt, i64, i64, (uint64_t)__builtin_popcountll(a))
	BINOP(i64_add, i64, i64, a + b)
	BINOP(i64_sub, i64, i64, a - b)
	BINOP(i64_mul, i64, i64, a * b)
	BINOP(i64_and, i64, i64, a & b)
	BINOP(i64_or, i64, i64, a | b)
	BINOP(i64_xor, i64, i64, a ^ b)
	BINOP(i64_shl, i64, i64, a << (b & 63))
	BINOP(i64_shr_s, i64, i64, (uint64_t)((int64_t)a >> (b & 63)))
	BINOP(i64_shr_u, i64, i64, a >> (b & 63))
	BINOP(i64_rotl, i64, i64, rotl64(a, b))
	BINOP(i64_rotr, i64, i64, rotr64(a, b))

L_i64_div_s : {
	int64_t a = (int64_t)S(3).i64, b = (int64_t)S(4).i64;
	if (UNLIKELY(b == 0))
		goto trap_div0;
	if (UNLIKELY(a == INT64_MIN && b == -1))
		goto trap_ovf;
	S(2).i64 = (uint64_t)(a / b);
	ip += 5;
	NEXT();
}

L_i64_div_u : {
	uint64_t a = S(3).i64, b = S(4).i64;
	if (UNLIKELY(b == 0))
		goto trap_div0;
	S(2).i64 = a / b;
	ip += 5;
	NEXT();
}

L_i64_rem_s : {
	int64_t a = (int64_t)S(3).i64, b = (int64_t)S(4).i64;
	if (UNLIKELY(b == 0))
		goto trap_div0;
	S(2).i64 = b == -1 ? 0 : (uint64_t)(a % b);
	ip += 5;
	NEXT();
}

L_i64_rem_u : {
	uint64_t a = S(3).i64, b = S(4).i64;
	if (UNLIKELY(b == 0))
		goto trap_div0;
	S(2).i64 = a % b;
	ip += 5;
	NEXT();
}

	UNOP(f32_abs, i32, i32, a & 0x7fffffffu)
	UNOP(f32_neg, i32, i32, a ^ 0x80000000u)
	UNOP(f32_ceil, f32, f32, a != a ? a + a : ceilf(a))
	UNOP(f32_floor, f32, f32, a != a ? a + a : floorf(a))
	UNOP(f32_trunc, f32, f32, a != a ? a + a : truncf(a))
	UNOP(f32_nearest, f32, f32, a != a ? a + a : nearbyintf(a))
	UNOP(f32_sqrt, f32, f32, sqrtf(a))
	BINOP(f32_add, f32, f32, a + b)
	BINOP(f32_sub, f32, f32, a - b)
	BINOP(f32_mul, f32, f32, a * b)
	BINOP(f32_div, f32, f32, a / b)
	BINOP(f32_min, f32, f32, f32_min(a, b))
	BINOP(f32_max, f32, f32, f32_max(a, b))
	BINOP(f32_copysign, i32, i32, (a & 0x7fffffffu) | (b & 0x80000000u))
	UNOP(f64_abs, i64, i64, a & 0x7fffffffffffffffull)
	UNOP(f64_neg, i64, i64, a ^ 0x8000000000000000ull)
	UNOP(f64_ceil, f64, f64, a != a ? a + a : ceil(a))
	UNOP(f64_floor, f64, f64, a != a ? a + a : floor(a))
	UNOP(f64_trunc, f64, f64, a != a ? a + a : trunc(a))
	UNOP(f64_nearest, f64, f64, a != a ? a + a : nearbyint(a))
	UNOP(f64_sqrt, f64, f64, sqrt(a))
	BINOP(f64_add, f64, f64, a + b)
	BINOP(f64_sub, f64, f64, a - b)
	BINOP(f64_mul, f64, f64, a * b)
	BINOP(f64_div, f64, f64, a / b)
	BINOP(f64_min, f64, f64, f64_min(a, b))
	BINOP(f64_max, f64, f64, f64_max(a, b))
	BINOP(f64_copysign, i64, i64, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

L_i32_trunc_f32_s : {
	float a = S(3).f32;
	if (UNLIKELY(a != a))
		goto trap_conv;
	if (UNLIKELY(!(a >= -2147483648.0f && a < 2147483648.0f)))
		goto trap_ovf;
	S(2).i32 = (uint32_t)(int32_t)a;
	ip += 4;
	NEXT();
}
L_i32_trunc_f32_u : {
	float a = S(3).f32;
	if (UNLIKELY(a != a))
		goto trap_conv;
	if (UNLIKELY(!(a > -1.0f && a < 4294967296.0f)))
		goto trap_ovf;
	S(2).i32 = (uint32_t)a;
	ip += 4;
	NEXT();
}
L_i32_trunc_f64_s : {
	double a = S(3).f64;
	if (UNLIKELY(a != a))
		goto trap_conv;
	if (UNLIKELY(!(a > -2147483649.0 && a < 2147483648.0)))
		goto trap_ovf;
	S(2).i32 = (uint32_t)(int32_t)a;
	ip += 4;
	NEXT();
}
L_i32_trunc_f64_u : {
	double a = S(3).f64;
	if (UNLIKELY(a != a))
		goto trap_conv;
	if (UNLIKELY(!(a > -1.0 && a < 4294967296.0)))
		goto trap_ovf;
	S(2).i32 = (uint32_t)a;
	ip += 4;
	NEXT();
}
L_i64_trunc_f32_s : {
	float a = S(3).f32;
	if (UNLIKELY(a != a))
		goto trap_conv;
	if (UNLIKELY(!(a >= -9223372036854775808.0f && a < 9223372036854775808.0f)))
		goto trap_ovf;
	S(2).i64 = (uint64_t)(int64_t)a;
	ip += 4;
	NEXT();
}
L_i64_trunc_f32_u : {
	float a = S(3).f32;
	if (UNLIKELY(a != a))
		goto trap_conv;
	if (UNLIKELY(!(a > -1.0f && a < 18446744073709551616.0f)))
		goto trap_ovf;
	S(2).i64 = (uint64_t)a;
	ip += 4;
	NEXT();
}
L_i64_trunc_f64_s : {
	double a = S(3).f64;
	if (UNLIKELY(a != a))
		goto trap_conv;
	if (UNLIKELY(!(a >= -9223372036854775808.0 && a < 9223372036854775808.0)))
		goto trap_ovf;
	S(2).i64 = (uint64_t)(int64_t)a;
	ip += 4;
	NEXT();
}
L_i64_trunc_f64_u : {
	double a = S(3).f64;
	if (UNLIKELY(a != a))
		goto trap_conv;
	if (UNLIKELY(!(a > -1.0 && a < 18446744073709551616.0)))
		goto trap_ovf;
	S(2).i64 = (uint64_t)a;
	ip += 4;
	NEXT();
}

	UNOP(i64_extend_i32_s, i32, i64, (uint64_t)(int64_t)(int32_t)a)
	UNOP(i64_extend_i32_u, i32, i64, (uint64_t)a)
	UNOP(f32_convert_i32_s, i32, f32, (float)(int32_t)a)
	UNOP(f32_convert_i32_u, i32, f32, (float)a)
	UNOP(f32_convert_i64_s, i64, f32, (float)(int64_t)a)
	UNOP(f32_convert_i64_u, i64, f32, (float)a)
	UNOP(f32_demote_f64, f64, f32, (float)a)
	UNOP(f64_convert_i32_s, i32, f64, (double)(int32_t)a)
	UNOP(f64_convert_i32_u, i32, f64, (double)a)
	UNOP(f64_convert_i64_s, i64, f64, (double)(int64_t)a)
	UNOP(f64_convert_i64_u, i64, f64, (double)a)
	UNOP(f64_promote_f32, f32, f64, (double)a)
	UNOP(i32_extend8_s, i32, i32, (uint32_t)(int32_t)(int8_t)a)
	UNOP(i32_extend16_s, i32, i32, (uint32_t)(int32_t)(int16_t)a)
	UNOP(i64_extend8_s, i64, i64, (uint64_t)(int64_t)(int8_t)a)
	UNOP(i64_extend16_s, i64, i64, (uint64_t)(int64_t)(int16_t)a)
	UNOP(i64_extend32_s, i64, i64, (uint64_t)(int64_t)(int32_t)a)
	UNOP(i32_trunc_sat_f32_s, f32, i32, sat_i32_s(a))
	UNOP(i32_trunc_sat_f32_u, f32, i32, sat_i32_u(a))
	UNOP(i32_trunc_sat_f64_s, f64, i32, sat_i32_s(a))
	UNOP(i32_trunc_sat_f64_u, f64, i32, sat_i32_u(a))
	UNOP(i64_trunc_sat_f32_s, f32, i64, sat_i64_s(a))
	UNOP(i64_trunc_sat_f32_u, f32, i64, sat_i64_u(a))
	UNOP(i64_trunc_sat_f64_s, f64, i64, sat_i64_s(a))
	UNOP(i64_trunc_sat_f64_u, f64, i64, sat_i64_u(a))

	IMMOP(i32_add_imm, i32, a + b)
	IMMOP(i32_sub_imm, i32, a - b)
	IMMOP(i32_and_imm, i32, a & b)
	IMMOP(i32_or_imm, i32, a | b)
	IMMOP(i32_xor_imm, i32, a ^ b)
	IMMOP(i32_shl_imm, i32, a << (b & 31))
	IMMOP(i32_shr_s_imm, i32, (uint32_t)((int32_t)a >> (b & 31)))
	IMMOP(i32_shr_u_imm, i32, a >> (b & 31))
	IMMOP(i32_mul_imm, i32, a * b)
	IMMOP(i64_add_imm, i64, a + (uint64_t)(int64_t)(int32_t)b)

done:
	x->ftop = fbase;
	if (x->fuel >= 0 && tick > 0)
		x->fuel += tick;
	return 0;

trap_unreachable:
	tk = WM_TRAP_UNREACHABLE;
	goto trap;
trap_mem:
	tk = WM_TRAP_MEMORY_OOB;
	goto trap;
trap_table:
	tk = WM_TRAP_TABLE_OOB;
	goto trap;
trap_undefined:
	tk = WM_TRAP_UNDEFINED_ELEMENT;
	goto trap;
trap_uninit:
	tk = WM_TRAP_UNINITIALIZED_ELEMENT;
	goto trap;
trap_sig:
	tk = WM_TRAP_INDIRECT_MISMATCH;
	goto trap;
trap_div0:
	tk = WM_TRAP_DIV_ZERO;
	goto trap;
trap_ovf:
	tk = WM_TRAP_INT_OVERFLOW;
	goto trap;
trap_conv:
	tk = WM_TRAP_INVALID_CONVERSION;
	goto trap;
trap_stack:
	tk = WM_TRAP_STACK_EXHAUSTED;
	goto trap;
trap:
	wm_trap_err(&x->trap, tk);
trap_keep_msg:
	x->trap.code = ST_ETRAP;
	x->trap.kind = tk;
	x->ftop = fbase;
	if (x->fuel >= 0 && tick > 0)
		x->fuel += tick;
	return ST_ETRAP;
}

static void init_handlers(void)
{
	(void)run(NULL, NULL, NULL);
}

const void *const *wm_interp_handlers(void)
{
	pthread_once(&handler_once, init_handlers);
	return handler_table;
}

/* ----------------------------------------------------------------------- */
/* Execution contexts */

int wm_exec_new(wm_exec **out, size_t stack_slots, size_t max_frames, st_err *err)
{
	wm_exec *x;

	if (!stack_slots)
		stack_slots = WM_DEFAULT_STACK_SLOTS;
	if (!max_frames)
		max_frames = WM_DEFAULT_MAX_FRAMES;
	x = st_calloc(1, sizeof(*x));
	if (!x)
		return st_err_set(err, ST_ENOMEM, "cannot allocate execution context");
	x->stack = st_malloc(stack_slots * sizeof(wm_val));
	x->frames = st_malloc(max_frames * sizeof(struct frame));
	if (!x->stack || !x->frames) {
		wm_exec_free(x);
		return st_err_set(err, ST_ENOMEM, "cannot allocate execution stack");
	}
	x->stack_end = x->stack + stack_slots;
	x->sp = x->stack;
	x->frames_end = x->frames + max_frames;
	x->ftop = x->frames;
	x->fuel = -1;
	atomic_init(&x->interrupt, 0);
	st_err_clear(&x->trap);
	(void)wm_interp_handlers();
	*out = x;
	return 0;
}

void wm_exec_free(wm_exec *x)
{
	if (!x)
		return;
	st_free(x->stack);
	st_free(x->frames);
	st_free(x);
}

void wm_exec_set_fuel(wm_exec *x, int64_t fuel)
{
	x->fuel = fuel < 0 ? -1 : fuel;
}

int64_t wm_exec_fuel(const wm_exec *x)
{
	return x->fuel;
}

void wm_exec_set_deadline(wm_exec *x, uint64_t deadline_ns)
{
	x->deadline_ns = deadline_ns;
}

void wm_exec_interrupt(wm_exec *x)
{
	atomic_store(&x->interrupt, 1);
}

void wm_exec_set_ud(wm_exec *x, void *ud)
{
	x->ud = ud;
}

void *wm_exec_ud(const wm_exec *x)
{
	return x->ud;
}

int wm_call(wm_exec *x, wm_func *f, const wm_val *args, size_t nargs, wm_val *results,
            size_t nresults, st_err *err)
{
	const wm_functype *ft = f->type;
	wm_val *base = x->sp;
	size_t need;
	int rc;

	if (nargs != ft->nparams || nresults != ft->nresults)
		return st_err_set(err, ST_EINVAL,
		                  "function takes %u arguments and returns %u results", ft->nparams,
		                  ft->nresults);
	need = (size_t)ft->nparams + ft->nresults;
	if ((size_t)(x->stack_end - base) < need || x->depth >= WM_MAX_NESTED_CALLS) {
		/* also on x, so that a host function passing it on keeps the kind */
		wm_trap_err(&x->trap, WM_TRAP_STACK_EXHAUSTED);
		if (err)
			*err = x->trap;
		return ST_ETRAP;
	}
	for (size_t i = 0; i < nargs; i++)
		base[i] = args[i];
	st_err_clear(&x->trap);
	x->depth++;
	if (f->kind == WM_FUNC_HOST) {
		wm_val *res = base + ft->nparams;

		x->sp = res + ft->nresults;
		rc = f->cb(x, NULL, base, res, f->ud);
		x->sp = base;
		x->depth--;
		if (rc < 0) {
			if (x->trap.code != ST_ETRAP)
				wm_trap_set(x, WM_TRAP_HOST, "host function failed: %s",
				            st_strerror(rc));
			goto trapped;
		}
		for (size_t i = 0; i < nresults; i++)
			results[i] = res[i];
		return 0;
	}
	rc = run(x, f, base);
	x->sp = base;
	x->depth--;
	if (rc < 0)
		goto trapped;
	for (size_t i = 0; i < nresults; i++)
		results[i] = base[i];
	return 0;
trapped:
	if (err)
		*err = x->trap;
	return ST_ETRAP;
}
