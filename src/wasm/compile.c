/*
 * compile.c - validates every function body and compiles it, in one pass,
 * into the slot-based internal code of ops.h.
 *
 * The validator's operand stack already knows the height and type of every
 * value; the compiler adds where each value lives. An entry's location is
 * a tagged slot: a local (plain index), a constant (TAG_CONST | constant
 * number) or its canonical operand-stack slot (TAG_STACK | height).
 * local.get and constants push aliases and emit nothing; instructions read
 * their operands wherever they are and write their result to the canonical
 * slot of its height. Aliases are turned into real copies ("materialised")
 * only where they could change or where control flow merges: before a
 * local.set of the aliased local, at block entry, for branch values and
 * call arguments. Branch targets are resolved here: forward branches are
 * patched when their label is bound, backward ones (loops) are known.
 *
 * Two peepholes: an instruction whose result goes straight into local.set
 * or local.tee writes the local directly, and an i32 comparison followed
 * by br_if/if becomes one fused compare-and-branch. Constants used as the
 * right operand of common i32 operations become immediates.
 *
 * Slot operands are relocated once the function is done, when the number
 * of constant slots (placed between the locals and the operand stack) is
 * known. See docs/internals/wasm-engine.md.
 */
#include "wm_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"
#include "leb.h"
#include "ops.h"
#include "../core/banned.h"

#define TAG_STACK 0x80000000u
#define TAG_CONST 0x40000000u
#define LOC_MASK 0x3fffffffu
#define NONE ((size_t)-1)
#define FIX_END UINT32_MAX
#define MAX_HEIGHT 1000000u /* operand stack entries per function */

enum ctl_kind {
	CTL_BLOCK,
	CTL_LOOP,
	CTL_IF,
	CTL_ELSE,
	CTL_FUNC
};

/* An operand stack entry: its type (0 = unknown, in unreachable code) and location. */
struct ent {
	uint8_t type;
	uint32_t loc;
};

/* A control frame (block, loop, if, function body). */
struct ctl {
	uint8_t kind;     /* enum ctl_kind */
	bool unreachable; /* validation: the rest of the frame is unreachable */
	bool live_in;     /* emission: the frame's entry was reachable */
	bool targeted;    /* emission: a forward branch to its end was emitted */
	uint32_t height;  /* operand stack height below the frame's params */
	uint32_t nparams, nresults;
	const wm_valtype *params, *results;
	size_t loop_pc;  /* CTL_LOOP: code position of the loop head */
	uint32_t fixups; /* head of the list of branches to patch at the end */
	size_t else_fix; /* CTL_IF: the conditional branch to the else arm */
};

/* A branch offset waiting for its label: out[operand] = target - out[instr]. */
struct fixup {
	size_t instr;
	size_t operand;
	uint32_t next;
};

struct cconst {
	uint64_t bits;
	uint32_t rank; /* slot number among used constants, or UINT32_MAX */
};

/* Compiler state, reused across the functions of one module. */
struct cc {
	wm_module *m;
	st_err *err;
	const void *const *H;   /* handler addresses */
	const uint8_t *p, *end; /* reader over the body */

	uint32_t *out; /* emitted code units */
	size_t nout, capout;
	size_t *relocs; /* positions of tagged slot operands */
	size_t nrelocs, caprelocs;
	struct cconst *consts;
	uint32_t nconsts;
	size_t capconsts;
	uint32_t *chash; /* open addressing: const index + 1, 0 = empty */
	uint32_t chash_cap;

	struct ent *stk;
	uint32_t h, maxh;
	size_t capstk;
	struct ctl *ctls;
	uint32_t nctl;
	size_t capctl;
	struct fixup *fix;
	uint32_t nfix;
	size_t capfix;

	wm_valtype *ltypes; /* types of params and declared locals */
	uint32_t nlocals;
	size_t capltypes;
	uint32_t nalias; /* entries on the stack that alias a local */
	bool live;       /* code emitted now is reachable */
	bool oom;

	/* Peephole state about the last emitted instruction. */
	size_t last_start, last_end, last_dst;
	uint32_t last_h;         /* height whose canonical slot it wrote */
	int last_cmp;            /* fusable compare: index into cmp_fuse[], or -1 */
	enum wm_op last_op;      /* its op */
	uint32_t last_a, last_b; /* its operands (tagged) */
};

static const wm_valtype vt_i32[1] = { WM_I32 };
static const wm_valtype vt_i64[1] = { WM_I64 };
static const wm_valtype vt_f32[1] = { WM_F32 };
static const wm_valtype vt_f64[1] = { WM_F64 };
static const wm_valtype vt_funcref[1] = { WM_FUNCREF };
static const wm_valtype vt_externref[1] = { WM_EXTERNREF };

/* ----------------------------------------------------------------------- */
/* Errors and reading */

static int malformed(struct cc *c, const char *msg)
{
	return st_err_setat(c->err, ST_EMALFORMED, (int64_t)(c->p - c->m->bytes), "%s", msg);
}

static int invalid(struct cc *c, const char *msg)
{
	return st_err_setat(c->err, ST_EINVALID, (int64_t)(c->p - c->m->bytes), "%s", msg);
}

static int read_byte(struct cc *c, uint8_t *out)
{
	*out = 0;
	if (c->p >= c->end)
		return malformed(c, "unexpected end of section or function");
	*out = *c->p++;
	return 0;
}

/* LEB128 integers (leb.h); errors are malformed at the offending byte. */
static int read_uleb(struct cc *c, unsigned bits, uint64_t *out)
{
	int e = wm_leb_u(&c->p, c->end, bits, out);

	return e ? malformed(c, wm_leb_text(e)) : 0;
}

static int read_sleb(struct cc *c, unsigned bits, int64_t *out)
{
	int e = wm_leb_s(&c->p, c->end, bits, out);

	return e ? malformed(c, wm_leb_text(e)) : 0;
}

static int read_u32(struct cc *c, uint32_t *out)
{
	uint64_t v;
	int rc = read_uleb(c, 32, &v);

	*out = (uint32_t)v;
	return rc;
}

/* ----------------------------------------------------------------------- */
/* Emission */

static bool grow(struct cc *c, void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap * 2 : 256;
	while (ncap < need)
		ncap *= 2;
	np = st_realloc(*p, ncap * elem);
	if (!np) {
		c->oom = true;
		return false;
	}
	*p = np;
	*cap = ncap;
	return true;
}

static void put(struct cc *c, uint32_t v)
{
	if (!grow(c, (void **)&c->out, &c->capout, c->nout + 1, sizeof(uint32_t)))
		return;
	c->out[c->nout++] = v;
}

/* Starts an instruction; returns its position. */
static size_t emit_op(struct cc *c, enum wm_op op)
{
	size_t at = c->nout;
	uint32_t u[2];

	memcpy(u, &c->H[op], sizeof(u));
	put(c, u[0]);
	put(c, u[1]);
	c->last_op = op;
	c->last_start = at;
	c->last_dst = NONE;
	c->last_cmp = -1;
	return at;
}

/* Marks the end of a complete instruction for the peepholes. */
static void end_op(struct cc *c)
{
	c->last_end = c->nout;
}

static void forget_last(struct cc *c)
{
	c->last_start = c->last_end = c->last_dst = NONE;
	c->last_cmp = -1;
	c->last_op = WM_OP_COUNT_;
}

/* Emits a slot operand, recording it for relocation when it is tagged. */
static void emit_slot(struct cc *c, uint32_t loc)
{
	if ((loc & TAG_CONST) && (loc & LOC_MASK) < c->nconsts)
		c->consts[loc & LOC_MASK].rank = 0; /* used; ranked at the end */
	if (loc & (TAG_STACK | TAG_CONST)) {
		if (!grow(c, (void **)&c->relocs, &c->caprelocs, c->nrelocs + 1, sizeof(size_t)))
			return;
		c->relocs[c->nrelocs++] = c->nout;
	}
	put(c, loc);
}

/* Emits the destination operand: the canonical slot of height h. */
static void emit_dst(struct cc *c, uint32_t h)
{
	c->last_dst = c->nout;
	c->last_h = h;
	emit_slot(c, TAG_STACK | h);
}

static void emit_copy(struct cc *c, uint32_t dst, uint32_t src)
{
	if (!c->live || dst == src)
		return;
	if (c->last_op == WM_OP_copy && c->last_end == c->nout && c->last_start + 4 == c->nout &&
	    !c->oom) {
		/* two copies in a row become one copy2 (executed in order) */
		uint32_t u[2];

		memcpy(u, &c->H[WM_OP_copy2], sizeof(u));
		c->out[c->last_start] = u[0];
		c->out[c->last_start + 1] = u[1];
		c->last_op = WM_OP_copy2;
		emit_slot(c, dst);
		emit_slot(c, src);
		end_op(c);
		return;
	}
	emit_op(c, WM_OP_copy);
	emit_slot(c, dst);
	emit_slot(c, src);
	end_op(c);
}

/* Removes the instructions emitted from position at onwards. */
static void rewind_to(struct cc *c, size_t at)
{
	c->nout = at;
	while (c->nrelocs && c->relocs[c->nrelocs - 1] >= at)
		c->nrelocs--;
	forget_last(c);
}

/* ----------------------------------------------------------------------- */
/* Constants */

static uint32_t const_loc(struct cc *c, uint64_t bits)
{
	uint32_t mask, i, k;

	if (c->nconsts * 2 >= c->chash_cap) {
		uint32_t ncap = c->chash_cap ? c->chash_cap * 2 : 64;
		uint32_t *nh = st_calloc(ncap, sizeof(uint32_t));

		if (!nh) {
			c->oom = true;
			return TAG_CONST;
		}
		st_free(c->chash);
		c->chash = nh;
		c->chash_cap = ncap;
		for (k = 0; k < c->nconsts; k++) {
			i = (uint32_t)(c->consts[k].bits * 0x9E3779B97F4A7C15ull >> 32) &
			    (ncap - 1);
			while (nh[i])
				i = (i + 1) & (ncap - 1);
			nh[i] = k + 1;
		}
	}
	mask = c->chash_cap - 1;
	i = (uint32_t)(bits * 0x9E3779B97F4A7C15ull >> 32) & mask;
	while (c->chash[i]) {
		k = c->chash[i] - 1;
		if (c->consts[k].bits == bits)
			return TAG_CONST | k;
		i = (i + 1) & mask;
	}
	if (!grow(c, (void **)&c->consts, &c->capconsts, c->nconsts + 1, sizeof(struct cconst)))
		return TAG_CONST;
	k = c->nconsts++;
	c->consts[k].bits = bits;
	c->consts[k].rank = UINT32_MAX;
	c->chash[i] = k + 1;
	return TAG_CONST | k;
}

/* ----------------------------------------------------------------------- */
/* The operand stack */

static bool is_local(uint32_t loc)
{
	return !(loc & (TAG_STACK | TAG_CONST));
}

static bool is_num(uint8_t t)
{
	return t == WM_I32 || t == WM_I64 || t == WM_F32 || t == WM_F64;
}

static bool is_ref(uint8_t t)
{
	return t == WM_FUNCREF || t == WM_EXTERNREF;
}

static int push(struct cc *c, uint8_t type, uint32_t loc)
{
	if (c->h >= MAX_HEIGHT)
		return st_err_set(c->err, ST_ETOOBIG, "operand stack too deep");
	if (!grow(c, (void **)&c->stk, &c->capstk, (size_t)c->h + 1, sizeof(struct ent)))
		return st_err_set(c->err, ST_ENOMEM, "out of memory compiling");
	c->stk[c->h].type = type;
	c->stk[c->h].loc = loc;
	if (is_local(loc))
		c->nalias++;
	c->h++;
	if (c->h > c->maxh)
		c->maxh = c->h;
	return 0;
}

/* Pushes a value that lives in its canonical slot; returns that slot. */
static int push_new(struct cc *c, uint8_t type, uint32_t *loc)
{
	uint32_t l = TAG_STACK | c->h;

	if (loc)
		*loc = l;
	return push(c, type, l);
}

/*
 * Pops one entry, checking it against want (0 = any type). In unreachable
 * code an empty frame yields an entry of unknown type.
 */
static int pop(struct cc *c, uint8_t want, struct ent *out)
{
	struct ctl *f = &c->ctls[c->nctl - 1];
	struct ent e;

	if (c->h == f->height) {
		if (!f->unreachable)
			return invalid(c, "type mismatch");
		e.type = 0;
		e.loc = TAG_STACK | c->h;
	} else {
		e = c->stk[--c->h];
		if (is_local(e.loc))
			c->nalias--;
		if (want && e.type && e.type != want)
			return invalid(c, "type mismatch");
	}
	if (out)
		*out = e;
	return 0;
}

/* Moves entry i to its canonical slot if it is an alias. */
static void materialize(struct cc *c, uint32_t i)
{
	struct ent *e = &c->stk[i];
	uint32_t canon = TAG_STACK | i;

	if (e->loc == canon)
		return;
	emit_copy(c, canon, e->loc);
	if (is_local(e->loc))
		c->nalias--;
	e->loc = canon;
}

/* Materialises every entry that aliases local n (or any local if n == UINT32_MAX). */
static void materialize_local(struct cc *c, uint32_t n)
{
	if (!c->nalias)
		return;
	for (uint32_t i = 0; i < c->h && c->nalias; i++) {
		uint32_t loc = c->stk[i].loc;

		if (is_local(loc) && (n == UINT32_MAX || loc == n))
			materialize(c, i);
	}
}

/* Materialises the top k entries (constants too). */
static void materialize_top(struct cc *c, uint32_t k)
{
	for (uint32_t i = c->h - k; i < c->h; i++)
		materialize(c, i);
}

/* ----------------------------------------------------------------------- */
/* Control frames and branches */

static struct ctl *ctl_at(struct cc *c, uint32_t depth)
{
	return &c->ctls[c->nctl - 1 - depth];
}

static uint32_t label_arity(const struct ctl *f)
{
	return f->kind == CTL_LOOP ? f->nparams : f->nresults;
}

static const wm_valtype *label_types(const struct ctl *f)
{
	return f->kind == CTL_LOOP ? f->params : f->results;
}

static int push_ctl(struct cc *c, uint8_t kind, uint32_t np, const wm_valtype *params, uint32_t nr,
                    const wm_valtype *results)
{
	struct ctl *f;

	if (!grow(c, (void **)&c->ctls, &c->capctl, (size_t)c->nctl + 1, sizeof(struct ctl)))
		return st_err_set(c->err, ST_ENOMEM, "out of memory compiling");
	f = &c->ctls[c->nctl++];
	f->kind = kind;
	f->unreachable = false;
	f->live_in = c->live;
	f->targeted = false;
	f->height = c->h - np;
	f->nparams = np;
	f->params = params;
	f->nresults = nr;
	f->results = results;
	f->loop_pc = c->nout;
	f->fixups = FIX_END;
	f->else_fix = NONE;
	return 0;
}

/* Marks the rest of the current frame unreachable. */
static void set_unreachable(struct cc *c)
{
	struct ctl *f = &c->ctls[c->nctl - 1];

	while (c->h > f->height) {
		c->h--;
		if (is_local(c->stk[c->h].loc))
			c->nalias--;
	}
	f->unreachable = true;
	c->live = false;
	forget_last(c);
}

static void add_fixup(struct cc *c, struct ctl *f, size_t instr, size_t operand)
{
	uint32_t i;

	if (!grow(c, (void **)&c->fix, &c->capfix, (size_t)c->nfix + 1, sizeof(struct fixup)))
		return;
	i = c->nfix++;
	c->fix[i].instr = instr;
	c->fix[i].operand = operand;
	c->fix[i].next = f->fixups;
	f->fixups = i;
	f->targeted = true;
}

/* Emits the offset operand of a branch at instr to frame f's label. */
static void emit_target(struct cc *c, struct ctl *f, size_t instr)
{
	if (f->kind == CTL_LOOP) {
		put(c, (uint32_t)(int32_t)((int64_t)f->loop_pc - (int64_t)instr));
	} else {
		add_fixup(c, f, instr, c->nout);
		put(c, 0);
	}
}

static void patch(struct cc *c, size_t instr, size_t operand, size_t target)
{
	if (c->oom)
		return;
	c->out[operand] = (uint32_t)(int32_t)((int64_t)target - (int64_t)instr);
}

/* Binds frame f's end label to the current position. */
static void bind_label(struct cc *c, struct ctl *f)
{
	for (uint32_t i = f->fixups; i != FIX_END; i = c->fix[i].next)
		patch(c, c->fix[i].instr, c->fix[i].operand, c->nout);
	f->fixups = FIX_END;
	forget_last(c);
}

/* Do the top values need moving to reach frame f's label slots? */
static bool needs_moves(struct cc *c, const struct ctl *f)
{
	uint32_t k = label_arity(f);

	for (uint32_t i = 0; i < k; i++)
		if (c->stk[c->h - k + i].loc != (TAG_STACK | (f->height + i)))
			return true;
	return false;
}

/* Copies the top values into frame f's label slots (increasing order is safe). */
static void emit_moves(struct cc *c, const struct ctl *f)
{
	uint32_t k = label_arity(f);

	for (uint32_t i = 0; i < k; i++)
		emit_copy(c, TAG_STACK | (f->height + i), c->stk[c->h - k + i].loc);
}

/* Emits the return of the top nresults values of the function. */
static void emit_return(struct cc *c)
{
	uint32_t k = c->ctls[0].nresults;

	if (k == 0) {
		emit_op(c, WM_OP_ret0);
	} else if (k == 1) {
		emit_op(c, WM_OP_ret1);
		emit_slot(c, c->stk[c->h - 1].loc);
	} else {
		/* copies only: this may be a conditional path, the entries stay */
		for (uint32_t i = c->h - k; i < c->h; i++)
			emit_copy(c, TAG_STACK | i, c->stk[i].loc);
		emit_op(c, WM_OP_retn);
		emit_slot(c, TAG_STACK | (c->h - k));
		put(c, k);
	}
	end_op(c);
}

/* Checks in place that the top values match frame f's label types. */
static int check_label(struct cc *c, const struct ctl *f)
{
	uint32_t k = label_arity(f);
	const wm_valtype *t = label_types(f);
	const struct ctl *cur = &c->ctls[c->nctl - 1];
	uint32_t avail = c->h - cur->height;

	for (uint32_t i = 0; i < k; i++) {
		uint32_t from_top = k - 1 - i;

		if (from_top >= avail) {
			if (!cur->unreachable)
				return invalid(c, "type mismatch");
			continue;
		}
		uint8_t et = c->stk[c->h - 1 - from_top].type;
		if (et && et != (uint8_t)t[i])
			return invalid(c, "type mismatch");
	}
	return 0;
}

/*
 * Checks that the top k values have types t (popping and pushing them back
 * with their locations); in unreachable code missing values become entries
 * of those types in their canonical slots.
 */
static int retype_top(struct cc *c, uint32_t k, const wm_valtype *t)
{
	struct ent tmp[8];
	struct ent *e = k <= 8 ? tmp : st_malloc(k * sizeof(*e));
	int rc = 0;

	if (!e)
		return st_err_set(c->err, ST_ENOMEM, "out of memory compiling");
	for (uint32_t i = k; i-- > 0;) {
		rc = pop(c, (uint8_t)t[i], &e[i]);
		if (rc < 0)
			goto out;
	}
	for (uint32_t i = 0; i < k; i++) {
		uint32_t loc = e[i].type ? e[i].loc : TAG_STACK | c->h;

		rc = push(c, (uint8_t)t[i], loc);
		if (rc < 0)
			goto out;
	}
out:
	if (e != tmp)
		st_free(e);
	return rc;
}

static int fill_label(struct cc *c, const struct ctl *f)
{
	return retype_top(c, label_arity(f), label_types(f));
}

/* ----------------------------------------------------------------------- */
/* Instruction tables */

/* Simple numeric instructions: 1 or 2 operands of type in, one result. */
struct simple {
	uint8_t nin;
	uint8_t in, out;
	uint16_t op; /* enum wm_op, or WM_OP_COUNT_ for a pure retype */
};

#define U_(t1, t2, o)                          \
	{                                      \
		1, WM_##t1, WM_##t2, WM_OP_##o \
	}
#define B_(t1, t2, o)                          \
	{                                      \
		2, WM_##t1, WM_##t2, WM_OP_##o \
	}
#define R_(t1, t2)                                \
	{                                         \
		1, WM_##t1, WM_##t2, WM_OP_COUNT_ \
	}

static const struct simple simple_ops[256] = {
	[0x45] = U_(I32, I32, i32_eqz),
	[0x46] = B_(I32, I32, i32_eq),
	[0x47] = B_(I32, I32, i32_ne),
	[0x48] = B_(I32, I32, i32_lt_s),
	[0x49] = B_(I32, I32, i32_lt_u),
	[0x4a] = B_(I32, I32, i32_gt_s),
	[0x4b] = B_(I32, I32, i32_gt_u),
	[0x4c] = B_(I32, I32, i32_le_s),
	[0x4d] = B_(I32, I32, i32_le_u),
	[0x4e] = B_(I32, I32, i32_ge_s),
	[0x4f] = B_(I32, I32, i32_ge_u),
	[0x50] = U_(I64, I32, i64_eqz),
	[0x51] = B_(I64, I32, i64_eq),
	[0x52] = B_(I64, I32, i64_ne),
	[0x53] = B_(I64, I32, i64_lt_s),
	[0x54] = B_(I64, I32, i64_lt_u),
	[0x55] = B_(I64, I32, i64_gt_s),
	[0x56] = B_(I64, I32, i64_gt_u),
	[0x57] = B_(I64, I32, i64_le_s),
	[0x58] = B_(I64, I32, i64_le_u),
	[0x59] = B_(I64, I32, i64_ge_s),
	[0x5a] = B_(I64, I32, i64_ge_u),
	[0x5b] = B_(F32, I32, f32_eq),
	[0x5c] = B_(F32, I32, f32_ne),
	[0x5d] = B_(F32, I32, f32_lt),
	[0x5e] = B_(F32, I32, f32_gt),
	[0x5f] = B_(F32, I32, f32_le),
	[0x60] = B_(F32, I32, f32_ge),
	[0x61] = B_(F64, I32, f64_eq),
	[0x62] = B_(F64, I32, f64_ne),
	[0x63] = B_(F64, I32, f64_lt),
	[0x64] = B_(F64, I32, f64_gt),
	[0x65] = B_(F64, I32, f64_le),
	[0x66] = B_(F64, I32, f64_ge),
	[0x67] = U_(I32, I32, i32_clz),
	[0x68] = U_(I32, I32, i32_ctz),
	[0x69] = U_(I32, I32, i32_popcnt),
	[0x6a] = B_(I32, I32, i32_add),
	[0x6b] = B_(I32, I32, i32_sub),
	[0x6c] = B_(I32, I32, i32_mul),
	[0x6d] = B_(I32, I32, i32_div_s),
	[0x6e] = B_(I32, I32, i32_div_u),
	[0x6f] = B_(I32, I32, i32_rem_s),
	[0x70] = B_(I32, I32, i32_rem_u),
	[0x71] = B_(I32, I32, i32_and),
	[0x72] = B_(I32, I32, i32_or),
	[0x73] = B_(I32, I32, i32_xor),
	[0x74] = B_(I32, I32, i32_shl),
	[0x75] = B_(I32, I32, i32_shr_s),
	[0x76] = B_(I32, I32, i32_shr_u),
	[0x77] = B_(I32, I32, i32_rotl),
	[0x78] = B_(I32, I32, i32_rotr),
	[0x79] = U_(I64, I64, i64_clz),
	[0x7a] = U_(I64, I64, i64_ctz),
	[0x7b] = U_(I64, I64, i64_popcnt),
	[0x7c] = B_(I64, I64, i64_add),
	[0x7d] = B_(I64, I64, i64_sub),
	[0x7e] = B_(I64, I64, i64_mul),
	[0x7f] = B_(I64, I64, i64_div_s),
	[0x80] = B_(I64, I64, i64_div_u),
	[0x81] = B_(I64, I64, i64_rem_s),
	[0x82] = B_(I64, I64, i64_rem_u),
	[0x83] = B_(I64, I64, i64_and),
	[0x84] = B_(I64, I64, i64_or),
	[0x85] = B_(I64, I64, i64_xor),
	[0x86] = B_(I64, I64, i64_shl),
	[0x87] = B_(I64, I64, i64_shr_s),
	[0x88] = B_(I64, I64, i64_shr_u),
	[0x89] = B_(I64, I64, i64_rotl),
	[0x8a] = B_(I64, I64, i64_rotr),
	[0x8b] = U_(F32, F32, f32_abs),
	[0x8c] = U_(F32, F32, f32_neg),
	[0x8d] = U_(F32, F32, f32_ceil),
	[0x8e] = U_(F32, F32, f32_floor),
	[0x8f] = U_(F32, F32, f32_trunc),
	[0x90] = U_(F32, F32, f32_nearest),
	[0x91] = U_(F32, F32, f32_sqrt),
	[0x92] = B_(F32, F32, f32_add),
	[0x93] = B_(F32, F32, f32_sub),
	[0x94] = B_(F32, F32, f32_mul),
	[0x95] = B_(F32, F32, f32_div),
	[0x96] = B_(F32, F32, f32_min),
	[0x97] = B_(F32, F32, f32_max),
	[0x98] = B_(F32, F32, f32_copysign),
	[0x99] = U_(F64, F64, f64_abs),
	[0x9a] = U_(F64, F64, f64_neg),
	[0x9b] = U_(F64, F64, f64_ceil),
	[0x9c] = U_(F64, F64, f64_floor),
	[0x9d] = U_(F64, F64, f64_trunc),
	[0x9e] = U_(F64, F64, f64_nearest),
	[0x9f] = U_(F64, F64, f64_sqrt),
	[0xa0] = B_(F64, F64, f64_add),
	[0xa1] = B_(F64, F64, f64_sub),
	[0xa2] = B_(F64, F64, f64_mul),
	[0xa3] = B_(F64, F64, f64_div),
	[0xa4] = B_(F64, F64, f64_min),
	[0xa5] = B_(F64, F64, f64_max),
	[0xa6] = B_(F64, F64, f64_copysign),
	[0xa7] = R_(I64, I32), /* i32.wrap_i64: the low half of the slot */
	[0xa8] = U_(F32, I32, i32_trunc_f32_s),
	[0xa9] = U_(F32, I32, i32_trunc_f32_u),
	[0xaa] = U_(F64, I32, i32_trunc_f64_s),
	[0xab] = U_(F64, I32, i32_trunc_f64_u),
	[0xac] = U_(I32, I64, i64_extend_i32_s),
	[0xad] = U_(I32, I64, i64_extend_i32_u),
	[0xae] = U_(F32, I64, i64_trunc_f32_s),
	[0xaf] = U_(F32, I64, i64_trunc_f32_u),
	[0xb0] = U_(F64, I64, i64_trunc_f64_s),
	[0xb1] = U_(F64, I64, i64_trunc_f64_u),
	[0xb2] = U_(I32, F32, f32_convert_i32_s),
	[0xb3] = U_(I32, F32, f32_convert_i32_u),
	[0xb4] = U_(I64, F32, f32_convert_i64_s),
	[0xb5] = U_(I64, F32, f32_convert_i64_u),
	[0xb6] = U_(F64, F32, f32_demote_f64),
	[0xb7] = U_(I32, F64, f64_convert_i32_s),
	[0xb8] = U_(I32, F64, f64_convert_i32_u),
	[0xb9] = U_(I64, F64, f64_convert_i64_s),
	[0xba] = U_(I64, F64, f64_convert_i64_u),
	[0xbb] = U_(F32, F64, f64_promote_f32),
	[0xbc] = R_(F32, I32),
	[0xbd] = R_(F64, I64), /* reinterpretations */
	[0xbe] = R_(I32, F32),
	[0xbf] = R_(I64, F64),
	[0xc0] = U_(I32, I32, i32_extend8_s),
	[0xc1] = U_(I32, I32, i32_extend16_s),
	[0xc2] = U_(I64, I64, i64_extend8_s),
	[0xc3] = U_(I64, I64, i64_extend16_s),
	[0xc4] = U_(I64, I64, i64_extend32_s),
};

static const struct simple sat_ops[8] = {
	U_(F32, I32, i32_trunc_sat_f32_s), U_(F32, I32, i32_trunc_sat_f32_u),
	U_(F64, I32, i32_trunc_sat_f64_s), U_(F64, I32, i32_trunc_sat_f64_u),
	U_(F32, I64, i64_trunc_sat_f32_s), U_(F32, I64, i64_trunc_sat_f32_u),
	U_(F64, I64, i64_trunc_sat_f64_s), U_(F64, I64, i64_trunc_sat_f64_u),
};

/* Loads 0x28..0x35 and stores 0x36..0x3e: type, natural alignment (log2), op. */
struct memop {
	uint8_t type;
	uint8_t align;
	uint16_t op;
};

static const struct memop mem_ops[0x3f - 0x28] = {
	{ WM_I32, 2, WM_OP_load32 },     { WM_I64, 3, WM_OP_load64 },
	{ WM_F32, 2, WM_OP_load32 },     { WM_F64, 3, WM_OP_load64 },
	{ WM_I32, 0, WM_OP_load8_s32 },  { WM_I32, 0, WM_OP_load8_u32 },
	{ WM_I32, 1, WM_OP_load16_s32 }, { WM_I32, 1, WM_OP_load16_u32 },
	{ WM_I64, 0, WM_OP_load8_s64 },  { WM_I64, 0, WM_OP_load8_u64 },
	{ WM_I64, 1, WM_OP_load16_s64 }, { WM_I64, 1, WM_OP_load16_u64 },
	{ WM_I64, 2, WM_OP_load32_s64 }, { WM_I64, 2, WM_OP_load32_u64 },
	{ WM_I32, 2, WM_OP_store32 },    { WM_I64, 3, WM_OP_store64 },
	{ WM_F32, 2, WM_OP_store32 },    { WM_F64, 3, WM_OP_store64 },
	{ WM_I32, 0, WM_OP_store8 },     { WM_I32, 1, WM_OP_store16 },
	{ WM_I64, 0, WM_OP_store8 },     { WM_I64, 1, WM_OP_store16 },
	{ WM_I64, 2, WM_OP_store32 },
};

/* i32 compares that fuse into branches: index = op - WM_OP_i32_eq; eqz separately. */
static const uint16_t fuse_br_if[10] = {
	WM_OP_br_if_eq,   WM_OP_br_if_ne,   WM_OP_br_if_lt_s, WM_OP_br_if_lt_u, WM_OP_br_if_gt_s,
	WM_OP_br_if_gt_u, WM_OP_br_if_le_s, WM_OP_br_if_le_u, WM_OP_br_if_ge_s, WM_OP_br_if_ge_u,
};
static const uint16_t fuse_br_unless[10] = {
	WM_OP_br_unless_eq,   WM_OP_br_unless_ne,   WM_OP_br_unless_lt_s, WM_OP_br_unless_lt_u,
	WM_OP_br_unless_gt_s, WM_OP_br_unless_gt_u, WM_OP_br_unless_le_s, WM_OP_br_unless_le_u,
	WM_OP_br_unless_ge_s, WM_OP_br_unless_ge_u,
};
#define CMP_EQZ 10
#define CMP_I64_EQZ 11

/* i32 binary ops with an immediate form when the right operand is constant. */
static enum wm_op imm_form(enum wm_op op, bool *commutative)
{
	*commutative = false;
	switch (op) {
	case WM_OP_i32_add:
		*commutative = true;
		return WM_OP_i32_add_imm;
	case WM_OP_i32_mul:
		*commutative = true;
		return WM_OP_i32_mul_imm;
	case WM_OP_i32_and:
		*commutative = true;
		return WM_OP_i32_and_imm;
	case WM_OP_i32_or:
		*commutative = true;
		return WM_OP_i32_or_imm;
	case WM_OP_i32_xor:
		*commutative = true;
		return WM_OP_i32_xor_imm;
	case WM_OP_i32_sub:
		return WM_OP_i32_sub_imm;
	case WM_OP_i32_shl:
		return WM_OP_i32_shl_imm;
	case WM_OP_i32_shr_s:
		return WM_OP_i32_shr_s_imm;
	case WM_OP_i32_shr_u:
		return WM_OP_i32_shr_u_imm;
	case WM_OP_i64_add:
		*commutative = true;
		return WM_OP_i64_add_imm;
	default:
		return WM_OP_COUNT_;
	}
}

static bool const_fits_imm(struct cc *c, uint32_t loc, enum wm_op imm)
{
	uint64_t v = c->consts[loc & LOC_MASK].bits;

	if (imm == WM_OP_i64_add_imm)
		return (int64_t)v == (int64_t)(int32_t)(uint32_t)v;
	return true;
}

static int do_simple(struct cc *c, const struct simple *s)
{
	struct ent a = { 0, 0 }, b = { 0, 0 };
	uint32_t d;
	int rc;

	if (s->nin == 2) {
		rc = pop(c, s->in, &b);
		if (rc < 0)
			return rc;
	}
	rc = pop(c, s->in, &a);
	if (rc < 0)
		return rc;
	if (s->op == WM_OP_COUNT_) /* retype: same bits, no code */
		return push(c, s->out, a.loc);
	if (!c->live)
		return push_new(c, s->out, NULL);
	if (s->nin == 2) {
		bool comm;
		enum wm_op imm = imm_form((enum wm_op)s->op, &comm);

		if (imm != WM_OP_COUNT_ && comm && (a.loc & TAG_CONST) && !(b.loc & TAG_CONST)) {
			struct ent t = a;
			a = b;
			b = t;
		}
		if (imm != WM_OP_COUNT_ && (b.loc & TAG_CONST) && const_fits_imm(c, b.loc, imm)) {
			emit_op(c, imm);
			emit_dst(c, c->h);
			emit_slot(c, a.loc);
			put(c, (uint32_t)c->consts[b.loc & LOC_MASK].bits);
			end_op(c);
			return push_new(c, s->out, &d);
		}
	}
	emit_op(c, (enum wm_op)s->op);
	emit_dst(c, c->h);
	emit_slot(c, a.loc);
	if (s->nin == 2)
		emit_slot(c, b.loc);
	end_op(c);
	if (s->op >= WM_OP_i32_eq && s->op <= WM_OP_i32_ge_u) {
		c->last_cmp = s->op - WM_OP_i32_eq;
		c->last_a = a.loc;
		c->last_b = b.loc;
	} else if (s->op == WM_OP_i32_eqz || s->op == WM_OP_i64_eqz) {
		c->last_cmp = s->op == WM_OP_i32_eqz ? CMP_EQZ : CMP_I64_EQZ;
		c->last_a = a.loc;
	}
	return push_new(c, s->out, &d);
}

/*
 * Emits a conditional branch on the value cond (already popped): when
 * `when` is true the branch is taken if cond != 0. Fuses a preceding
 * compare. The offset operand is left for the caller: returns the position
 * of the instruction; *operand receives the offset operand's position.
 */
static size_t emit_cond_branch(struct cc *c, struct ent cond, bool when, size_t *operand)
{
	size_t at;

	if (c->last_cmp >= 0 && cond.loc == (TAG_STACK | c->last_h) && c->last_end == c->nout &&
	    c->last_dst != NONE) {
		int cmp = c->last_cmp;
		uint32_t a = c->last_a, b = c->last_b;

		rewind_to(c, c->last_start);
		if (cmp == CMP_EQZ || cmp == CMP_I64_EQZ) {
			enum wm_op op =
				cmp == CMP_EQZ ?
					(when ? WM_OP_br_if_eqz : WM_OP_br_unless_eqz) :
					(when ? WM_OP_br_if_i64_eqz : WM_OP_br_unless_i64_eqz);
			at = emit_op(c, op);
			emit_slot(c, a);
		} else {
			at = emit_op(c, (enum wm_op)(when ? fuse_br_if[cmp] : fuse_br_unless[cmp]));
			emit_slot(c, a);
			emit_slot(c, b);
		}
	} else {
		at = emit_op(c, when ? WM_OP_br_if : WM_OP_br_unless);
		emit_slot(c, cond.loc);
	}
	*operand = c->nout;
	put(c, 0);
	end_op(c);
	forget_last(c);
	return at;
}

/* ----------------------------------------------------------------------- */
/* The body */

static const wm_valtype *single(uint8_t t)
{
	switch (t) {
	case WM_I32:
		return vt_i32;
	case WM_I64:
		return vt_i64;
	case WM_F32:
		return vt_f32;
	case WM_F64:
		return vt_f64;
	case WM_FUNCREF:
		return vt_funcref;
	case WM_EXTERNREF:
		return vt_externref;
	default:
		return NULL;
	}
}

static int read_blocktype(struct cc *c, uint32_t *np, const wm_valtype **params, uint32_t *nr,
                          const wm_valtype **results)
{
	int64_t idx;
	int rc;

	if (c->p >= c->end)
		return malformed(c, "unexpected end of section or function");
	*np = 0;
	*params = NULL;
	if (*c->p == 0x40) {
		c->p++;
		*nr = 0;
		*results = NULL;
		return 0;
	}
	if (*c->p == WM_V128)
		return st_err_setat(c->err, ST_ENOSYS, (int64_t)(c->p - c->m->bytes),
		                    "SIMD is not supported");
	if (single(*c->p)) {
		*nr = 1;
		*results = single(*c->p++);
		return 0;
	}
	rc = read_sleb(c, 33, &idx);
	if (rc < 0)
		return rc;
	if (idx < 0 || (uint64_t)idx >= c->m->ntypes)
		return invalid(c, "unknown type");
	*np = c->m->types[idx].ft.nparams;
	*params = c->m->types[idx].ft.params;
	*nr = c->m->types[idx].ft.nresults;
	*results = c->m->types[idx].ft.results;
	return 0;
}

static int read_reftype(struct cc *c, uint8_t *t)
{
	int rc = read_byte(c, t);

	if (rc < 0)
		return rc;
	if (!is_ref(*t))
		return malformed(c, "malformed reference type");
	return 0;
}

static int read_zero(struct cc *c)
{
	uint8_t b;
	int rc = read_byte(c, &b);

	if (rc < 0)
		return rc;
	if (b != 0)
		return malformed(c, "zero byte expected");
	return 0;
}

static int check_table(struct cc *c, uint32_t t)
{
	if (t >= c->m->ntables)
		return invalid(c, "unknown table");
	return 0;
}

static int check_memory(struct cc *c)
{
	if (c->m->nmems == 0)
		return invalid(c, "unknown memory 0");
	return 0;
}

/* Pops the params of type ft (args of a call), materialised in place. */
static int pop_args(struct cc *c, const wm_functype *ft, uint32_t *base)
{
	int rc = retype_top(c, ft->nparams, ft->params);

	if (rc < 0)
		return rc;
	materialize_top(c, ft->nparams);
	c->h -= ft->nparams; /* no aliases among them any more */
	*base = c->h;
	return 0;
}

static int push_results(struct cc *c, const wm_functype *ft)
{
	for (uint32_t i = 0; i < ft->nresults; i++) {
		int rc = push_new(c, (uint8_t)ft->results[i], NULL);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Branch to frame f (already validated): moves, then a jump or return. */
static void emit_branch(struct cc *c, struct ctl *f)
{
	size_t at;

	if (f->kind == CTL_FUNC) {
		emit_return(c);
		return;
	}
	emit_moves(c, f);
	at = emit_op(c, WM_OP_br);
	emit_target(c, f, at);
	end_op(c);
}

static int op_block(struct cc *c, uint8_t kind)
{
	uint32_t np = 0, nr = 0;
	const wm_valtype *params = NULL, *results = NULL;
	struct ent cond = { 0, 0 };
	int rc;

	rc = read_blocktype(c, &np, &params, &nr, &results);
	if (rc < 0)
		return rc;
	if (kind == CTL_IF) {
		rc = pop(c, WM_I32, &cond);
		if (rc < 0)
			return rc;
	}
	rc = retype_top(c, np, params);
	if (rc < 0)
		return rc;
	materialize_local(c, UINT32_MAX);
	materialize_top(c, np);
	if (kind == CTL_IF) {
		size_t at = NONE, operand = NONE;

		if (c->live)
			at = emit_cond_branch(c, cond, false, &operand);
		rc = push_ctl(c, kind, np, params, nr, results);
		if (rc < 0)
			return rc;
		c->ctls[c->nctl - 1].else_fix = at;
		c->ctls[c->nctl - 1].loop_pc = operand; /* reused: the operand to patch */
		return 0;
	}
	forget_last(c);
	return push_ctl(c, kind, np, params, nr, results);
}

/* Checks that the frame's results are on top, exactly. */
static int check_frame_end(struct cc *c, struct ctl *f)
{
	uint32_t have = c->h - f->height;

	if (have > f->nresults || (have < f->nresults && !f->unreachable))
		return invalid(c, "type mismatch");
	return retype_top(c, f->nresults, f->results);
}

static int op_else(struct cc *c)
{
	struct ctl *f = &c->ctls[c->nctl - 1];
	int rc;

	if (f->kind != CTL_IF)
		return invalid(c, "else without if");
	rc = check_frame_end(c, f);
	if (rc < 0)
		return rc;
	if (c->live) {
		size_t at;

		materialize_top(c, f->nresults);
		at = emit_op(c, WM_OP_br);
		add_fixup(c, f, at, c->nout);
		put(c, 0);
		end_op(c);
	}
	if (f->else_fix != NONE)
		patch(c, f->else_fix, f->loop_pc, c->nout);
	f->else_fix = NONE;
	forget_last(c);
	while (c->h > f->height) {
		c->h--;
		if (is_local(c->stk[c->h].loc))
			c->nalias--;
	}
	for (uint32_t i = 0; i < f->nparams; i++) {
		rc = push_new(c, (uint8_t)f->params[i], NULL);
		if (rc < 0)
			return rc;
	}
	f->kind = CTL_ELSE;
	f->unreachable = false;
	c->live = f->live_in;
	return 0;
}

static int op_end(struct cc *c)
{
	struct ctl *f = &c->ctls[c->nctl - 1];
	bool live_after;
	int rc;

	if (f->kind == CTL_IF) {
		if (f->nparams != f->nresults)
			return invalid(c, "type mismatch");
		for (uint32_t i = 0; i < f->nparams; i++)
			if (f->params[i] != f->results[i])
				return invalid(c, "type mismatch");
	}
	rc = check_frame_end(c, f);
	if (rc < 0)
		return rc;
	if (f->kind == CTL_FUNC) {
		if (c->live)
			emit_return(c);
		c->nctl--;
		return 0;
	}
	if (c->live)
		materialize_top(c, f->nresults);
	live_after = c->live;
	if (f->kind == CTL_IF && f->live_in) {
		if (f->else_fix != NONE)
			patch(c, f->else_fix, f->loop_pc, c->nout);
		live_after = true;
	}
	if (f->kind != CTL_LOOP) {
		if (f->targeted)
			live_after = true;
		bind_label(c, f);
	}
	forget_last(c);
	while (c->h > f->height) {
		c->h--;
		if (is_local(c->stk[c->h].loc))
			c->nalias--;
	}
	c->nctl--;
	for (uint32_t i = 0; i < f->nresults; i++) {
		rc = push_new(c, (uint8_t)f->results[i], NULL);
		if (rc < 0)
			return rc;
	}
	c->live = live_after && c->ctls[c->nctl - 1].live_in;
	if (c->ctls[c->nctl - 1].unreachable)
		c->live = false;
	return 0;
}

static int op_br(struct cc *c, uint32_t depth)
{
	struct ctl *f;
	int rc;

	if (depth >= c->nctl)
		return invalid(c, "unknown label");
	f = ctl_at(c, depth);
	rc = fill_label(c, f);
	if (rc < 0)
		return rc;
	if (c->live)
		emit_branch(c, f);
	set_unreachable(c);
	return 0;
}

static int op_br_if(struct cc *c, uint32_t depth)
{
	struct ctl *f;
	struct ent cond;
	size_t at, operand;
	int rc;

	if (depth >= c->nctl)
		return invalid(c, "unknown label");
	rc = pop(c, WM_I32, &cond);
	if (rc < 0)
		return rc;
	f = ctl_at(c, depth);
	rc = fill_label(c, f);
	if (rc < 0)
		return rc;
	if (!c->live)
		return 0;
	if (f->kind != CTL_FUNC && !needs_moves(c, f)) {
		at = emit_cond_branch(c, cond, true, &operand);
		if (f->kind == CTL_LOOP) {
			c->out[operand] = (uint32_t)(int32_t)((int64_t)f->loop_pc - (int64_t)at);
		} else {
			add_fixup(c, f, at, operand);
		}
		return 0;
	}
	/* br_unless cond -> skip; moves; br; skip: */
	at = emit_cond_branch(c, cond, false, &operand);
	emit_branch(c, f);
	patch(c, at, operand, c->nout);
	forget_last(c);
	return 0;
}

static int op_br_table(struct cc *c)
{
	uint32_t n, *depths = NULL, arity = 0;
	struct ent idx;
	size_t at;
	int rc;

	rc = read_u32(c, &n);
	if (rc < 0)
		return rc;
	if (n > (size_t)(c->end - c->p))
		return malformed(c, "unexpected end of section or function");
	depths = st_malloc(((size_t)n + 1) * sizeof(uint32_t));
	if (!depths)
		return st_err_set(c->err, ST_ENOMEM, "out of memory compiling");
	for (uint32_t i = 0; i <= n; i++) {
		rc = read_u32(c, &depths[i]);
		if (rc < 0)
			goto out;
		if (depths[i] >= c->nctl) {
			rc = invalid(c, "unknown label");
			goto out;
		}
	}
	rc = pop(c, WM_I32, &idx);
	if (rc < 0)
		goto out;
	arity = label_arity(ctl_at(c, depths[n]));
	for (uint32_t i = 0; i <= n; i++) {
		struct ctl *f = ctl_at(c, depths[i]);

		if (label_arity(f) != arity) {
			rc = invalid(c, "type mismatch");
			goto out;
		}
		rc = check_label(c, f);
		if (rc < 0)
			goto out;
	}
	rc = fill_label(c, ctl_at(c, depths[n]));
	if (rc < 0)
		goto out;
	if (c->live) {
		size_t table;

		at = emit_op(c, WM_OP_br_table);
		emit_slot(c, idx.loc);
		put(c, n);
		table = c->nout;
		for (uint32_t i = 0; i <= n; i++)
			put(c, 0);
		end_op(c);
		for (uint32_t i = 0; i <= n; i++) {
			struct ctl *f = ctl_at(c, depths[i]);

			if (f->kind == CTL_FUNC || needs_moves(c, f)) {
				patch(c, at, table + i, c->nout);
				emit_branch(c, f);
			} else if (f->kind == CTL_LOOP) {
				patch(c, at, table + i, f->loop_pc);
			} else {
				add_fixup(c, f, at, table + i);
			}
		}
	}
	set_unreachable(c);
out:
	st_free(depths);
	return rc;
}

/*
 * If the address entry a was computed by the instruction just emitted (an
 * i32.add, or i32.add with an immediate) and is used only here, removes
 * that instruction and returns the offset from a load/store op to its fused
 * form (FUSE_ADD: address = slots x + y; FUSE_ADDI: slot x + immediate y).
 * Otherwise returns 0 and x = a's location.
 */
#define FUSE_ADD (WM_OP_load32_add - WM_OP_load32)
#define FUSE_ADDI (WM_OP_load32_addi - WM_OP_load32)

static int fusable_address(struct cc *c, struct ent a, uint32_t *x, uint32_t *y)
{
	size_t at = c->last_start;
	enum wm_op op = c->last_op;

	*x = a.loc;
	*y = 0;
	if (a.loc != (TAG_STACK | c->h) || c->last_dst == NONE || c->last_h != c->h ||
	    c->last_end != c->nout || c->oom || (op != WM_OP_i32_add && op != WM_OP_i32_add_imm))
		return 0;
	*x = c->out[at + 3];
	*y = c->out[at + 4];
	rewind_to(c, at);
	return op == WM_OP_i32_add ? FUSE_ADD : FUSE_ADDI;
}

static int op_memarg(struct cc *c, uint8_t opcode)
{
	const struct memop *mo = &mem_ops[opcode - 0x28];
	uint32_t align, offset;
	struct ent a, v;
	int rc;

	rc = read_u32(c, &align);
	if (rc < 0)
		return rc;
	rc = read_u32(c, &offset);
	if (rc < 0)
		return rc;
	rc = check_memory(c);
	if (rc < 0)
		return rc;
	if (align > mo->align)
		return invalid(c, "alignment must not be larger than natural");
	if (opcode <= 0x35) {
		rc = pop(c, WM_I32, &a);
		if (rc < 0)
			return rc;
		if (c->live) {
			uint32_t x, y;
			int fused = fusable_address(c, a, &x, &y);

			emit_op(c, fused ? (enum wm_op)(mo->op + fused) : (enum wm_op)mo->op);
			emit_dst(c, c->h);
			emit_slot(c, x);
			if (fused == FUSE_ADD)
				emit_slot(c, y);
			else if (fused == FUSE_ADDI)
				put(c, y);
			put(c, offset);
			end_op(c);
		}
		return push_new(c, mo->type, NULL);
	}
	rc = pop(c, mo->type, &v);
	if (rc < 0)
		return rc;
	rc = pop(c, WM_I32, &a);
	if (rc < 0)
		return rc;
	if (c->live) {
		uint32_t x, y;
		int fused = fusable_address(c, a, &x, &y);

		emit_op(c, fused ? (enum wm_op)(mo->op + fused) : (enum wm_op)mo->op);
		emit_slot(c, x);
		if (fused == FUSE_ADD)
			emit_slot(c, y);
		else if (fused == FUSE_ADDI)
			put(c, y);
		emit_slot(c, v.loc);
		put(c, offset);
		end_op(c);
	}
	return 0;
}

/* Pops n entries of the given types (last one on top) into e[]. */
static int pop_n(struct cc *c, int n, const uint8_t *types, struct ent *e)
{
	for (int i = n; i-- > 0;) {
		int rc = pop(c, types[i], &e[i]);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Emits op with an optional destination, immediates, then slot operands. */
static void emit_generic(struct cc *c, enum wm_op op, bool has_dst, int nimm, const uint32_t *imm,
                         int nslots, const struct ent *e)
{
	if (!c->live)
		return;
	emit_op(c, op);
	if (has_dst)
		emit_dst(c, c->h);
	for (int i = 0; i < nimm; i++)
		put(c, imm[i]);
	for (int i = 0; i < nslots; i++)
		emit_slot(c, e[i].loc);
	end_op(c);
	if (has_dst)
		c->last_dst = NONE; /* only simple ops may be retargeted */
}

static int op_prefixed(struct cc *c)
{
	static const uint8_t i3[3] = { WM_I32, WM_I32, WM_I32 };
	wm_module *m = c->m;
	uint32_t sub, x, y;
	struct ent e[4];
	uint8_t t[4];
	int rc;

	rc = read_u32(c, &sub);
	if (rc < 0)
		return rc;
	if (sub < 8)
		return do_simple(c, &sat_ops[sub]);
	switch (sub) {
	case 8: /* memory.init dataidx 0x00 */
		rc = read_u32(c, &x);
		if (rc < 0)
			return rc;
		rc = read_zero(c);
		if (rc < 0)
			return rc;
		rc = check_memory(c);
		if (rc < 0)
			return rc;
		if (x >= m->ndatas)
			return invalid(c, "unknown data segment");
		if (!m->has_datacount)
			return malformed(c, "data count section required");
		rc = pop_n(c, 3, i3, e);
		if (rc < 0)
			return rc;
		emit_generic(c, WM_OP_memory_init, false, 1, &x, 3, e);
		return 0;
	case 9: /* data.drop */
		rc = read_u32(c, &x);
		if (rc < 0)
			return rc;
		if (x >= m->ndatas)
			return invalid(c, "unknown data segment");
		if (!m->has_datacount)
			return malformed(c, "data count section required");
		emit_generic(c, WM_OP_data_drop, false, 1, &x, 0, NULL);
		return 0;
	case 10: /* memory.copy 0x00 0x00 */
		rc = read_zero(c);
		if (rc >= 0)
			rc = read_zero(c);
		if (rc >= 0)
			rc = check_memory(c);
		if (rc >= 0)
			rc = pop_n(c, 3, i3, e);
		if (rc < 0)
			return rc;
		emit_generic(c, WM_OP_memory_copy, false, 0, NULL, 3, e);
		return 0;
	case 11: /* memory.fill 0x00 */
		rc = read_zero(c);
		if (rc >= 0)
			rc = check_memory(c);
		if (rc >= 0)
			rc = pop_n(c, 3, i3, e);
		if (rc < 0)
			return rc;
		emit_generic(c, WM_OP_memory_fill, false, 0, NULL, 3, e);
		return 0;
	case 12: /* table.init elemidx tableidx */
		rc = read_u32(c, &x);
		if (rc >= 0)
			rc = read_u32(c, &y);
		if (rc < 0)
			return rc;
		rc = check_table(c, y);
		if (rc < 0)
			return rc;
		if (x >= m->nelems)
			return invalid(c, "unknown elem segment");
		if (m->elems[x].type != m->tables[y].elem)
			return invalid(c, "type mismatch");
		rc = pop_n(c, 3, i3, e);
		if (rc < 0)
			return rc;
		{
			uint32_t imm[2] = { x, y };
			emit_generic(c, WM_OP_table_init, false, 2, imm, 3, e);
		}
		return 0;
	case 13: /* elem.drop */
		rc = read_u32(c, &x);
		if (rc < 0)
			return rc;
		if (x >= m->nelems)
			return invalid(c, "unknown elem segment");
		emit_generic(c, WM_OP_elem_drop, false, 1, &x, 0, NULL);
		return 0;
	case 14: /* table.copy dst src */
		rc = read_u32(c, &x);
		if (rc >= 0)
			rc = read_u32(c, &y);
		if (rc >= 0)
			rc = check_table(c, x);
		if (rc >= 0)
			rc = check_table(c, y);
		if (rc < 0)
			return rc;
		if (m->tables[x].elem != m->tables[y].elem)
			return invalid(c, "type mismatch");
		rc = pop_n(c, 3, i3, e);
		if (rc < 0)
			return rc;
		{
			uint32_t imm[2] = { x, y };
			emit_generic(c, WM_OP_table_copy, false, 2, imm, 3, e);
		}
		return 0;
	case 15: /* table.grow: init n -> old */
		rc = read_u32(c, &x);
		if (rc >= 0)
			rc = check_table(c, x);
		if (rc < 0)
			return rc;
		t[0] = (uint8_t)m->tables[x].elem;
		t[1] = WM_I32;
		rc = pop_n(c, 2, t, e);
		if (rc < 0)
			return rc;
		emit_generic(c, WM_OP_table_grow, true, 1, &x, 2, e);
		return push_new(c, WM_I32, NULL);
	case 16: /* table.size */
		rc = read_u32(c, &x);
		if (rc >= 0)
			rc = check_table(c, x);
		if (rc < 0)
			return rc;
		emit_generic(c, WM_OP_table_size, true, 1, &x, 0, NULL);
		return push_new(c, WM_I32, NULL);
	case 17: /* table.fill: i val n */
		rc = read_u32(c, &x);
		if (rc >= 0)
			rc = check_table(c, x);
		if (rc < 0)
			return rc;
		t[0] = WM_I32;
		t[1] = (uint8_t)m->tables[x].elem;
		t[2] = WM_I32;
		rc = pop_n(c, 3, t, e);
		if (rc < 0)
			return rc;
		emit_generic(c, WM_OP_table_fill, false, 1, &x, 3, e);
		return 0;
	default:
		return malformed(c, "illegal opcode");
	}
}

static int op_local_set(struct cc *c, uint32_t n, bool tee)
{
	struct ent v;
	int rc;

	if (n >= c->nlocals)
		return invalid(c, "unknown local");
	rc = pop(c, (uint8_t)c->ltypes[n], &v);
	if (rc < 0)
		return rc;
	if (!c->live)
		return tee ? push(c, (uint8_t)c->ltypes[n], n) : 0;
	if (v.loc == n)
		return tee ? push(c, (uint8_t)c->ltypes[n], n) : 0;
	materialize_local(c, n);
	if (v.loc == (TAG_STACK | c->h) && c->last_dst != NONE && c->last_end == c->nout &&
	    c->last_h == c->h) {
		/* the producing instruction writes the local directly */
		c->out[c->last_dst] = n;
		c->last_dst = NONE;
		c->last_cmp = -1;
		return tee ? push(c, (uint8_t)c->ltypes[n], n) : 0;
	}
	emit_copy(c, n, v.loc);
	if (tee)
		return push(c, (uint8_t)c->ltypes[n], v.loc);
	return 0;
}

/* Assigns constant slots, relocates slot operands and fills code. */
static int finish(struct cc *c, uint32_t fidx, const wm_type *type, wm_code *code)
{
	uint32_t nused = 0, stack_base;
	uint64_t frame;

	for (uint32_t i = 0; i < c->nconsts; i++)
		c->consts[i].rank = c->consts[i].rank == 0 ? nused++ : UINT32_MAX;
	stack_base = c->nlocals + nused;
	for (size_t i = 0; i < c->nrelocs; i++) {
		uint32_t *u = &c->out[c->relocs[i]];

		if (*u & TAG_STACK)
			*u = stack_base + (*u & LOC_MASK);
		else if (*u & TAG_CONST)
			*u = c->nlocals + c->consts[*u & LOC_MASK].rank;
	}
	frame = (uint64_t)stack_base + c->maxh;
	if (frame < type->ft.nresults)
		frame = type->ft.nresults;
	code->code = st_malloc(c->nout * sizeof(uint32_t));
	code->consts = st_malloc((nused ? nused : 1) * sizeof(uint64_t));
	if (!code->code || !code->consts)
		return st_err_set(c->err, ST_ENOMEM, "out of memory compiling");
	memcpy(code->code, c->out, c->nout * sizeof(uint32_t));
	for (uint32_t i = 0; i < c->nconsts; i++)
		if (c->consts[i].rank != UINT32_MAX)
			code->consts[c->consts[i].rank] = c->consts[i].bits;
	code->ncode = c->nout;
	code->nconsts = nused;
	code->nparams = type->ft.nparams;
	code->nresults = type->ft.nresults;
	code->nlocals = c->nlocals;
	code->frame_slots = (uint32_t)frame;
	code->func_index = fidx;
	return 0;
}

static int compile_body(struct cc *c, uint32_t fidx, const wm_funcbody *body, const wm_type *type,
                        wm_code *code)
{
	wm_module *m = c->m;
	uint8_t op = 0;
	int rc = 0;

	c->p = m->bytes + body->code_off;
	c->end = m->bytes + body->code_end;
	c->nout = c->nrelocs = 0;
	c->nconsts = 0;
	if (c->chash)
		memset(c->chash, 0, c->chash_cap * sizeof(uint32_t));
	c->h = c->maxh = 0;
	c->nctl = c->nfix = 0;
	c->nalias = 0;
	c->live = true;
	forget_last(c);

	c->nlocals = type->ft.nparams + body->nlocals;
	if (!grow(c, (void **)&c->ltypes, &c->capltypes, (size_t)c->nlocals + 1,
	          sizeof(wm_valtype)))
		return st_err_set(c->err, ST_ENOMEM, "out of memory compiling");
	for (uint32_t i = 0; i < type->ft.nparams; i++)
		c->ltypes[i] = type->ft.params[i];
	for (uint32_t i = 0; i < body->nlocals; i++) {
		if (body->local_types[i] == WM_V128)
			return st_err_set(c->err, ST_ENOSYS, "SIMD is not supported");
		c->ltypes[type->ft.nparams + i] = body->local_types[i];
	}
	rc = push_ctl(c, CTL_FUNC, 0, NULL, type->ft.nresults, type->ft.results);
	if (rc < 0)
		return rc;

	while (c->nctl > 0) {
		uint32_t x, y;
		struct ent e[3];

		if (c->oom)
			return st_err_set(c->err, ST_ENOMEM, "out of memory compiling");
		rc = read_byte(c, &op);
		if (rc < 0)
			return rc;
		switch (op) {
		case 0x00: /* unreachable */
			if (c->live) {
				emit_op(c, WM_OP_unreachable);
				end_op(c);
			}
			set_unreachable(c);
			break;
		case 0x01: /* nop */
			break;
		case 0x02:
			rc = op_block(c, CTL_BLOCK);
			break;
		case 0x03:
			rc = op_block(c, CTL_LOOP);
			break;
		case 0x04:
			rc = op_block(c, CTL_IF);
			break;
		case 0x05:
			rc = op_else(c);
			break;
		case 0x0b:
			rc = op_end(c);
			break;
		case 0x0c:
			rc = read_u32(c, &x);
			if (rc >= 0)
				rc = op_br(c, x);
			break;
		case 0x0d:
			rc = read_u32(c, &x);
			if (rc >= 0)
				rc = op_br_if(c, x);
			break;
		case 0x0e:
			rc = op_br_table(c);
			break;
		case 0x0f: /* return */
			rc = fill_label(c, &c->ctls[0]);
			if (rc < 0)
				break;
			if (c->live)
				emit_return(c);
			set_unreachable(c);
			break;
		case 0x10: { /* call */
			const wm_functype *ft;
			uint32_t base;

			rc = read_u32(c, &x);
			if (rc < 0)
				break;
			if (x >= m->nfuncs) {
				rc = invalid(c, "unknown function");
				break;
			}
			ft = &m->types[m->func_types[x]].ft;
			rc = pop_args(c, ft, &base);
			if (rc < 0)
				break;
			if (c->live) {
				if (x < m->nfunc_imports) {
					emit_op(c, WM_OP_call_import);
					put(c, x);
					emit_slot(c, TAG_STACK | base);
				} else {
					const wm_code *callee = m->codes[x - m->nfunc_imports];
					uint32_t u[2];

					memcpy(u, &callee, sizeof(u));
					emit_op(c, WM_OP_call);
					put(c, u[0]);
					put(c, u[1]);
					emit_slot(c, TAG_STACK | base);
				}
				end_op(c);
			}
			rc = push_results(c, ft);
			break;
		}
		case 0x11: { /* call_indirect typeidx tableidx */
			const wm_functype *ft;
			struct ent idx;
			uint32_t base;

			rc = read_u32(c, &x);
			if (rc >= 0)
				rc = read_u32(c, &y);
			if (rc < 0)
				break;
			if (y >= m->ntables) {
				rc = invalid(c, "unknown table");
				break;
			}
			if (x >= m->ntypes) {
				rc = invalid(c, "unknown type");
				break;
			}
			if (m->tables[y].elem != WM_FUNCREF) {
				rc = invalid(c, "type mismatch");
				break;
			}
			ft = &m->types[x].ft;
			rc = pop(c, WM_I32, &idx);
			if (rc >= 0)
				rc = pop_args(c, ft, &base);
			if (rc < 0)
				break;
			if (c->live) {
				emit_op(c, WM_OP_call_indirect);
				put(c, m->types[x].id);
				put(c, y);
				emit_slot(c, idx.loc);
				emit_slot(c, TAG_STACK | base);
				end_op(c);
			}
			rc = push_results(c, ft);
			break;
		}
		case 0x1a: /* drop */
			rc = pop(c, 0, NULL);
			break;
		case 0x1b:   /* select */
		case 0x1c: { /* select t* */
			uint8_t want = 0;

			if (op == 0x1c) {
				rc = read_u32(c, &x);
				if (rc < 0)
					break;
				if (x != 1) {
					rc = invalid(c, "invalid result arity");
					break;
				}
				rc = read_byte(c, &want);
				if (rc < 0)
					break;
				if (want == WM_V128) {
					rc = st_err_set(c->err, ST_ENOSYS, "SIMD is not supported");
					break;
				}
				if (!is_num(want) && !is_ref(want)) {
					rc = malformed(c, "malformed value type");
					break;
				}
			}
			rc = pop(c, WM_I32, &e[2]);
			if (rc >= 0)
				rc = pop(c, want, &e[1]);
			if (rc >= 0)
				rc = pop(c, want ? want : e[1].type, &e[0]);
			if (rc < 0)
				break;
			if (!want) {
				uint8_t t0 = e[0].type ? e[0].type : e[1].type;

				if ((e[0].type && !is_num(e[0].type)) ||
				    (e[1].type && !is_num(e[1].type))) {
					rc = invalid(c, "type mismatch");
					break;
				}
				if (e[0].type && e[1].type && e[0].type != e[1].type) {
					rc = invalid(c, "type mismatch");
					break;
				}
				want = t0;
			}
			emit_generic(c, WM_OP_select, true, 0, NULL, 3, e);
			rc = push_new(c, want, NULL);
			break;
		}
		case 0x20: /* local.get */
			rc = read_u32(c, &x);
			if (rc < 0)
				break;
			if (x >= c->nlocals) {
				rc = invalid(c, "unknown local");
				break;
			}
			rc = push(c, (uint8_t)c->ltypes[x], x);
			break;
		case 0x21:
		case 0x22:
			rc = read_u32(c, &x);
			if (rc >= 0)
				rc = op_local_set(c, x, op == 0x22);
			break;
		case 0x23: /* global.get */
			rc = read_u32(c, &x);
			if (rc < 0)
				break;
			if (x >= m->nglobals) {
				rc = invalid(c, "unknown global");
				break;
			}
			emit_generic(c, WM_OP_global_get, true, 1, &x, 0, NULL);
			rc = push_new(c, (uint8_t)m->globals[x].type, NULL);
			break;
		case 0x24: /* global.set */
			rc = read_u32(c, &x);
			if (rc < 0)
				break;
			if (x >= m->nglobals) {
				rc = invalid(c, "unknown global");
				break;
			}
			if (!m->globals[x].mut) {
				rc = invalid(c, "global is immutable");
				break;
			}
			rc = pop(c, (uint8_t)m->globals[x].type, &e[0]);
			if (rc < 0)
				break;
			emit_generic(c, WM_OP_global_set, false, 1, &x, 1, e);
			break;
		case 0x25: /* table.get */
			rc = read_u32(c, &x);
			if (rc >= 0)
				rc = check_table(c, x);
			if (rc >= 0)
				rc = pop(c, WM_I32, &e[0]);
			if (rc < 0)
				break;
			emit_generic(c, WM_OP_table_get, true, 1, &x, 1, e);
			rc = push_new(c, (uint8_t)m->tables[x].elem, NULL);
			break;
		case 0x26: /* table.set */
			rc = read_u32(c, &x);
			if (rc >= 0)
				rc = check_table(c, x);
			if (rc >= 0)
				rc = pop(c, (uint8_t)m->tables[x].elem, &e[1]);
			if (rc >= 0)
				rc = pop(c, WM_I32, &e[0]);
			if (rc < 0)
				break;
			emit_generic(c, WM_OP_table_set, false, 1, &x, 2, e);
			break;
		case 0x3f: /* memory.size */
			rc = read_zero(c);
			if (rc >= 0)
				rc = check_memory(c);
			if (rc < 0)
				break;
			emit_generic(c, WM_OP_memory_size, true, 0, NULL, 0, NULL);
			rc = push_new(c, WM_I32, NULL);
			break;
		case 0x40: /* memory.grow */
			rc = read_zero(c);
			if (rc >= 0)
				rc = check_memory(c);
			if (rc >= 0)
				rc = pop(c, WM_I32, &e[0]);
			if (rc < 0)
				break;
			emit_generic(c, WM_OP_memory_grow, true, 0, NULL, 1, e);
			rc = push_new(c, WM_I32, NULL);
			break;
		case 0x41: { /* i32.const */
			int64_t v;

			rc = read_sleb(c, 32, &v);
			if (rc >= 0)
				rc = push(c, WM_I32, const_loc(c, (uint64_t)(uint32_t)v));
			break;
		}
		case 0x42: { /* i64.const */
			int64_t v;

			rc = read_sleb(c, 64, &v);
			if (rc >= 0)
				rc = push(c, WM_I64, const_loc(c, (uint64_t)v));
			break;
		}
		case 0x43: /* f32.const */
			if (c->end - c->p < 4) {
				rc = malformed(c, "unexpected end of section or function");
				break;
			}
			{
				uint32_t v;

				memcpy(&v, c->p, 4);
				c->p += 4;
				rc = push(c, WM_F32, const_loc(c, v));
			}
			break;
		case 0x44: /* f64.const */
			if (c->end - c->p < 8) {
				rc = malformed(c, "unexpected end of section or function");
				break;
			}
			{
				uint64_t v;

				memcpy(&v, c->p, 8);
				c->p += 8;
				rc = push(c, WM_F64, const_loc(c, v));
			}
			break;
		case 0xd0: { /* ref.null t */
			uint8_t t = 0;

			rc = read_reftype(c, &t);
			if (rc >= 0)
				rc = push(c, t, const_loc(c, 0));
			break;
		}
		case 0xd1: /* ref.is_null */
			rc = pop(c, 0, &e[0]);
			if (rc < 0)
				break;
			if (e[0].type && !is_ref(e[0].type)) {
				rc = invalid(c, "type mismatch");
				break;
			}
			emit_generic(c, WM_OP_ref_is_null, true, 0, NULL, 1, e);
			rc = push_new(c, WM_I32, NULL);
			break;
		case 0xd2: /* ref.func */
			rc = read_u32(c, &x);
			if (rc < 0)
				break;
			if (x >= m->nfuncs) {
				rc = invalid(c, "unknown function");
				break;
			}
			if (!(m->declared[x / 8] & (1u << (x % 8)))) {
				rc = invalid(c, "undeclared function reference");
				break;
			}
			emit_generic(c, WM_OP_ref_func, true, 1, &x, 0, NULL);
			rc = push_new(c, WM_FUNCREF, NULL);
			break;
		case 0xfc:
			rc = op_prefixed(c);
			break;
		case 0xfd:
			rc = st_err_setat(c->err, ST_ENOSYS, (int64_t)(c->p - m->bytes) - 1,
			                  "SIMD is not supported");
			break;
		default:
			if (op >= 0x28 && op <= 0x3e) {
				rc = op_memarg(c, op);
			} else if (simple_ops[op].nin) {
				rc = do_simple(c, &simple_ops[op]);
			} else {
				c->p--;
				rc = malformed(c, "illegal opcode");
			}
			break;
		}
		if (rc < 0)
			return rc;
	}
	if (c->p != c->end)
		return malformed(c, "operators remaining after end of function");
	if (c->oom)
		return st_err_set(c->err, ST_ENOMEM, "out of memory compiling");
	return finish(c, fidx, type, code);
}

/*
 * Decodes a body without validating it, to report a malformed encoding in
 * preference to a validation error found earlier by the one-pass compiler
 * (the binary format is decoded before it is validated, so malformed wins).
 * Returns 0 or ST_EMALFORMED.
 */
static int skim_body(struct cc *c, const wm_funcbody *body)
{
	uint32_t depth = 1, n, x;
	uint64_t u;
	int64_t v;
	uint8_t op, b;
	int rc = 0;

	c->p = c->m->bytes + body->code_off;
	c->end = c->m->bytes + body->code_end;
	while (depth > 0) {
		rc = read_byte(c, &op);
		if (rc < 0)
			return rc;
		switch (op) {
		case 0x02:
		case 0x03:
		case 0x04:
			depth++;
			if (c->p < c->end && (*c->p == 0x40 || single(*c->p) || *c->p == WM_V128))
				c->p++;
			else
				rc = read_sleb(c, 33, &v);
			break;
		case 0x0b:
			depth--;
			break;
		case 0x0c:
		case 0x0d:
		case 0x10:
		case 0x20:
		case 0x21:
		case 0x22:
		case 0x23:
		case 0x24:
		case 0x25:
		case 0x26:
		case 0xd2:
			rc = read_u32(c, &x);
			break;
		case 0x0e:
			rc = read_u32(c, &n);
			for (uint64_t i = 0; rc >= 0 && i <= n; i++)
				rc = read_u32(c, &x);
			break;
		case 0x11:
			rc = read_u32(c, &x);
			if (rc >= 0)
				rc = read_u32(c, &x);
			break;
		case 0x1c:
			rc = read_u32(c, &n);
			for (uint64_t i = 0; rc >= 0 && i < n; i++)
				rc = read_byte(c, &b);
			break;
		case 0x3f:
		case 0x40:
			rc = read_zero(c);
			break;
		case 0x41:
			rc = read_sleb(c, 32, &v);
			break;
		case 0x42:
			rc = read_sleb(c, 64, &v);
			break;
		case 0x43:
		case 0x44:
			if (c->end - c->p < (op == 0x43 ? 4 : 8))
				return malformed(c, "unexpected end of section or function");
			c->p += op == 0x43 ? 4 : 8;
			break;
		case 0xd0:
			rc = read_reftype(c, &b);
			break;
		case 0xfc:
			rc = read_u32(c, &x);
			if (rc < 0 || x < 8)
				break;
			if (x == 8 || x == 12 || x == 14) {
				rc = read_u32(c, &n);
				if (rc >= 0)
					rc = x == 8 ? read_zero(c) : read_u32(c, &n);
			} else if (x == 10) {
				rc = read_zero(c);
				if (rc >= 0)
					rc = read_zero(c);
			} else if (x == 11) {
				rc = read_zero(c);
			} else if (x == 9 || x == 13 || (x >= 15 && x <= 17)) {
				rc = read_u32(c, &n);
			} else {
				return malformed(c, "illegal opcode");
			}
			break;
		case 0xfd:
			return 0; /* SIMD: not malformed, just not supported */
		default:
			if (op >= 0x28 && op <= 0x3e) {
				rc = read_uleb(c, 32, &u);
				if (rc >= 0)
					rc = read_uleb(c, 32, &u);
			} else if (!(op <= 0x01 || op == 0x05 || op == 0x0f || op == 0x1a ||
			             op == 0x1b || (op >= 0x45 && op <= 0xc4) || op == 0xd1)) {
				c->p--;
				return malformed(c, "illegal opcode");
			}
			break;
		}
		if (rc < 0)
			return rc;
	}
	if (c->p != c->end)
		return malformed(c, "operators remaining after end of function");
	return 0;
}

int wm_compile_module(wm_module *m, st_err *err)
{
	struct cc c;
	uint32_t ndef = m->nfuncs - m->nfunc_imports;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.m = m;
	c.err = err;
	c.H = wm_interp_handlers();
	m->codes = st_calloc(ndef ? ndef : 1, sizeof(wm_code *));
	if (!m->codes)
		return st_err_set(err, ST_ENOMEM, "out of memory compiling");
	for (uint32_t i = 0; i < ndef; i++) {
		m->codes[i] = st_calloc(1, sizeof(wm_code));
		if (!m->codes[i])
			return st_err_set(err, ST_ENOMEM, "out of memory compiling");
	}
	for (uint32_t i = 0; i < ndef; i++) {
		uint32_t fidx = m->nfunc_imports + i;

		rc = compile_body(&c, fidx, &m->bodies[i], &m->types[m->func_types[fidx]],
		                  m->codes[i]);
		if (rc == ST_EINVALID) {
			/* a malformed body, this one or a later one, takes precedence */
			st_err saved;

			if (err)
				saved = *err;
			for (uint32_t k = i; k < ndef; k++) {
				if (skim_body(&c, &m->bodies[k]) < 0) {
					rc = ST_EMALFORMED;
					break;
				}
			}
			if (rc == ST_EINVALID && err)
				*err = saved;
		}
		if (rc < 0)
			break;
		if (getenv("STRATUS_WM_DUMP"))
			wm_code_dump(m->codes[i], stderr);
	}
	st_free(c.out);
	st_free(c.relocs);
	st_free(c.consts);
	st_free(c.chash);
	st_free(c.stk);
	st_free(c.ctls);
	st_free(c.fix);
	st_free(c.ltypes);
	return rc;
}

void wm_code_free(wm_code *code)
{
	if (!code)
		return;
	st_free(code->code);
	st_free(code->consts);
	st_free(code);
}

static const char *const op_names[] = {
#define WM_OP_NAME_(name, layout) #name,
	WM_OPS(WM_OP_NAME_)
#undef WM_OP_NAME_
};

static const char *const op_layouts[] = {
#define WM_OP_LAYOUT_(name, layout) layout,
	WM_OPS(WM_OP_LAYOUT_)
#undef WM_OP_LAYOUT_
};

void wm_code_dump(const wm_code *code, FILE *f)
{
	const void *const *H = wm_interp_handlers();
	size_t i = 0;

	fprintf(f, "func %u: params %u locals %u consts %u frame %u\n", code->func_index,
	        code->nparams, code->nlocals, code->nconsts, code->frame_slots);
	while (i + 2 <= code->ncode) {
		const void *h;
		int op = -1, nops = 0;

		memcpy(&h, &code->code[i], sizeof(h));
		for (int k = 0; k < WM_OP_COUNT_; k++)
			if (H[k] == h)
				op = k;
		if (op < 0) {
			fprintf(f, "  %4zu: ??? %08x\n", i, code->code[i]);
			i++;
			continue;
		}
		for (const char *l = op_layouts[op]; *l; l++)
			if (*l != ' ' && (l == op_layouts[op] || l[-1] == ' '))
				nops++;
		if (op == WM_OP_br_table)
			nops = 3 + (int)code->code[i + 3];
		if (op == WM_OP_call)
			nops = 3;
		fprintf(f, "  %4zu: %s", i, op_names[op]);
		for (int k = 0; k < nops && i + 2 + k < code->ncode; k++)
			fprintf(f, " %d", (int32_t)code->code[i + 2 + k]);
		fprintf(f, "\n");
		i += 2 + (size_t)nops;
	}
}
