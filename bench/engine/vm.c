/*
 * vm.c - a tiny register-machine interpreter running a Collatz program:
 * measures a switch dispatch loop (a br_table in wasm) with indexed loads,
 * which is what an interpreter hosted on an interpreter looks like.
 *
 * Usage: vm [n] (default 60000) sums the Collatz step counts of 1..n.
 */
#include "bench.h"

#include "../../src/core/banned.h"

enum vm_op {
	OP_LI,   /* r[a] = imm */
	OP_MOV,  /* r[a] = r[b] */
	OP_ADD,  /* r[a] = r[b] + r[c] */
	OP_ADDI, /* r[a] = r[b] + imm */
	OP_MULI, /* r[a] = r[b] * imm */
	OP_ANDI, /* r[a] = r[b] & imm */
	OP_SHRI, /* r[a] = r[b] >> imm */
	OP_JEQI, /* if r[a] == imm goto target */
	OP_JNZ,  /* if r[a] != 0 goto target */
	OP_JLE,  /* if r[a] <= r[b] goto target */
	OP_JMP,  /* goto target */
	OP_HALT,
};

struct vm_insn {
	uint8_t op, a, b, c;
	int32_t imm;
	int32_t target; /* index into the program */
};

/* r0 = n, r1 = i, r2 = x, r3 = total steps, r4 = scratch. */
static const struct vm_insn vm_program[] = {
	{ OP_LI, 1, 0, 0, 1, 0 },    /* 0: i = 1 */
	{ OP_LI, 3, 0, 0, 0, 0 },    /* 1: total = 0 */
	{ OP_MOV, 2, 1, 0, 0, 0 },   /* 2: x = i */
	{ OP_JEQI, 2, 0, 0, 1, 12 }, /* 3: while x != 1 */
	{ OP_ANDI, 4, 2, 0, 1, 0 },  /* 4 */
	{ OP_JNZ, 4, 0, 0, 0, 8 },   /* 5: odd? */
	{ OP_SHRI, 2, 2, 0, 1, 0 },  /* 6: x >>= 1 */
	{ OP_JMP, 0, 0, 0, 0, 10 },  /* 7 */
	{ OP_MULI, 2, 2, 0, 3, 0 },  /* 8: x *= 3 */
	{ OP_ADDI, 2, 2, 0, 1, 0 },  /* 9: x += 1 */
	{ OP_ADDI, 3, 3, 0, 1, 0 },  /* 10: total++ */
	{ OP_JMP, 0, 0, 0, 0, 3 },   /* 11 */
	{ OP_ADDI, 1, 1, 0, 1, 0 },  /* 12: i++ */
	{ OP_JLE, 1, 0, 0, 0, 2 },   /* 13: while i <= n */
	{ OP_HALT, 0, 0, 0, 0, 0 },  /* 14 */
};

/* Runs code on registers r; returns the number of instructions executed. */
static uint64_t vm_run(const struct vm_insn *code, uint64_t *r)
{
	const struct vm_insn *pc = code;
	uint64_t steps = 0;

	for (;;) {
		const struct vm_insn *in = pc++;

		steps++;
		switch (in->op) {
		case OP_LI:
			r[in->a] = (uint64_t)(int64_t)in->imm;
			break;
		case OP_MOV:
			r[in->a] = r[in->b];
			break;
		case OP_ADD:
			r[in->a] = r[in->b] + r[in->c];
			break;
		case OP_ADDI:
			r[in->a] = r[in->b] + (uint64_t)(int64_t)in->imm;
			break;
		case OP_MULI:
			r[in->a] = r[in->b] * (uint64_t)(int64_t)in->imm;
			break;
		case OP_ANDI:
			r[in->a] = r[in->b] & (uint64_t)(int64_t)in->imm;
			break;
		case OP_SHRI:
			r[in->a] = r[in->b] >> (in->imm & 63);
			break;
		case OP_JEQI:
			if (r[in->a] == (uint64_t)(int64_t)in->imm)
				pc = code + in->target;
			break;
		case OP_JNZ:
			if (r[in->a] != 0)
				pc = code + in->target;
			break;
		case OP_JLE:
			if (r[in->a] <= r[in->b])
				pc = code + in->target;
			break;
		case OP_JMP:
			pc = code + in->target;
			break;
		case OP_HALT:
			return steps;
		default:
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	uint32_t n = bench_size(argc, argv, 60000);
	uint64_t sum = BENCH_FNV_INIT;
	uint64_t regs[8] = { 0 };
	uint64_t steps;

	regs[0] = n;
	steps = vm_run(vm_program, regs);
	sum = bench_mix(sum, regs[3]);
	sum = bench_mix(sum, steps);
	bench_report("vm", n, sum);
	return 0;
}
