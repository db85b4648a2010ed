/*
 * ops.h - the internal instruction set the compiler emits and the
 * interpreter runs (private to compile.c and interp.c).
 *
 * Code is an array of 32-bit units. Every instruction begins with its
 * handler's address (two units, read with memcpy) followed by operand units.
 * Operands name frame slots: a slot index is relative to the frame pointer.
 * The layout column gives the units after the handler; d is the destination
 * slot, a/b/c sources, off a branch offset in units relative to the start of
 * the branching instruction, imm an immediate.
 *
 * X(name, layout)
 */
#ifndef STRATUS_WASM_OPS_H
#define STRATUS_WASM_OPS_H

#include <stddef.h>
#include <stdint.h>

/* clang-format off */
/* Compare kinds fused into conditional branches (i32 operands). */
#define WM_CMP_OPS(X) \
	X(eq) X(ne) X(lt_s) X(lt_u) X(gt_s) X(gt_u) X(le_s) X(le_u) X(ge_s) X(ge_u)


#define WM_OPS(X)                                                  \
	X(unreachable, "")                                             \
	X(copy, "d a")                                                 \
	X(copy2, "d a d2 a2")                                          \
	X(br, "off")                                                   \
	X(br_if, "c off")                                              \
	X(br_unless, "c off")                                          \
	X(br_if_eqz, "a off")                                          \
	X(br_unless_eqz, "a off")                                      \
	X(br_if_i64_eqz, "a off")                                      \
	X(br_unless_i64_eqz, "a off")                                  \
	X(br_if_eq, "a b off") X(br_unless_eq, "a b off")              \
	X(br_if_ne, "a b off") X(br_unless_ne, "a b off")              \
	X(br_if_lt_s, "a b off") X(br_unless_lt_s, "a b off")          \
	X(br_if_lt_u, "a b off") X(br_unless_lt_u, "a b off")          \
	X(br_if_gt_s, "a b off") X(br_unless_gt_s, "a b off")          \
	X(br_if_gt_u, "a b off") X(br_unless_gt_u, "a b off")          \
	X(br_if_le_s, "a b off") X(br_unless_le_s, "a b off")          \
	X(br_if_le_u, "a b off") X(br_unless_le_u, "a b off")          \
	X(br_if_ge_s, "a b off") X(br_unless_ge_s, "a b off")          \
	X(br_if_ge_u, "a b off") X(br_unless_ge_u, "a b off")          \
	X(br_table, "a n off...")                                      \
	X(ret0, "")                                                    \
	X(ret1, "a")                                                   \
	X(retn, "a n")                                                 \
	X(call, "code(2) base")                                        \
	X(call_import, "idx base")                                     \
	X(call_indirect, "typeid table a base")                        \
	X(select, "d a b c")                                           \
	X(global_get, "d idx")                                         \
	X(global_set, "idx a")                                         \
	X(ref_is_null, "d a")                                          \
	X(ref_func, "d idx")                                           \
	X(table_get, "d t a")                                          \
	X(table_set, "t a b")                                          \
	X(table_size, "d t")                                           \
	X(table_grow, "d t a b")                                       \
	X(table_fill, "t a b c")                                       \
	X(table_copy, "t t2 a b c")                                    \
	X(table_init, "seg t a b c")                                   \
	X(elem_drop, "seg")                                            \
	X(memory_size, "d")                                            \
	X(memory_grow, "d a")                                          \
	X(memory_fill, "a b c")                                        \
	X(memory_copy, "a b c")                                        \
	X(memory_init, "seg a b c")                                    \
	X(data_drop, "seg")                                            \
	/* loads: d a off; stores: a(addr) b(value) off */             \
	X(load32, "d a imm") X(load64, "d a imm")                      \
	X(load8_s32, "d a imm") X(load8_u32, "d a imm")                \
	X(load16_s32, "d a imm") X(load16_u32, "d a imm")              \
	X(load8_s64, "d a imm") X(load8_u64, "d a imm")                \
	X(load16_s64, "d a imm") X(load16_u64, "d a imm")              \
	X(load32_s64, "d a imm") X(load32_u64, "d a imm")              \
	X(store8, "a b imm") X(store16, "a b imm")                     \
	X(store32, "a b imm") X(store64, "a b imm")                    \
	/* the same with the address computed by a fused i32.add:      \
	 * _add: address slots a + b; _addi: slot a + immediate.       \
	 * Same order as above: op_add = load32_add + (op - load32). */ \
	X(load32_add, "d a b imm") X(load64_add, "d a b imm")          \
	X(load8_s32_add, "d a b imm") X(load8_u32_add, "d a b imm")    \
	X(load16_s32_add, "d a b imm") X(load16_u32_add, "d a b imm")  \
	X(load8_s64_add, "d a b imm") X(load8_u64_add, "d a b imm")    \
	X(load16_s64_add, "d a b imm") X(load16_u64_add, "d a b imm")  \
	X(load32_s64_add, "d a b imm") X(load32_u64_add, "d a b imm")  \
	X(store8_add, "a b c imm") X(store16_add, "a b c imm")         \
	X(store32_add, "a b c imm") X(store64_add, "a b c imm")        \
	X(load32_addi, "d a imm imm") X(load64_addi, "d a imm imm")    \
	X(load8_s32_addi, "d a imm imm") X(load8_u32_addi, "d a imm imm") \
	X(load16_s32_addi, "d a imm imm") X(load16_u32_addi, "d a imm imm") \
	X(load8_s64_addi, "d a imm imm") X(load8_u64_addi, "d a imm imm") \
	X(load16_s64_addi, "d a imm imm") X(load16_u64_addi, "d a imm imm") \
	X(load32_s64_addi, "d a imm imm") X(load32_u64_addi, "d a imm imm") \
	X(store8_addi, "a imm c imm") X(store16_addi, "a imm c imm")   \
	X(store32_addi, "a imm c imm") X(store64_addi, "a imm c imm")  \
	/* i32 */                                                      \
	X(i32_eqz, "d a") X(i32_eq, "d a b") X(i32_ne, "d a b")        \
	X(i32_lt_s, "d a b") X(i32_lt_u, "d a b")                      \
	X(i32_gt_s, "d a b") X(i32_gt_u, "d a b")                      \
	X(i32_le_s, "d a b") X(i32_le_u, "d a b")                      \
	X(i32_ge_s, "d a b") X(i32_ge_u, "d a b")                      \
	X(i64_eqz, "d a") X(i64_eq, "d a b") X(i64_ne, "d a b")        \
	X(i64_lt_s, "d a b") X(i64_lt_u, "d a b")                      \
	X(i64_gt_s, "d a b") X(i64_gt_u, "d a b")                      \
	X(i64_le_s, "d a b") X(i64_le_u, "d a b")                      \
	X(i64_ge_s, "d a b") X(i64_ge_u, "d a b")                      \
	X(f32_eq, "d a b") X(f32_ne, "d a b") X(f32_lt, "d a b")       \
	X(f32_gt, "d a b") X(f32_le, "d a b") X(f32_ge, "d a b")       \
	X(f64_eq, "d a b") X(f64_ne, "d a b") X(f64_lt, "d a b")       \
	X(f64_gt, "d a b") X(f64_le, "d a b") X(f64_ge, "d a b")       \
	X(i32_clz, "d a") X(i32_ctz, "d a") X(i32_popcnt, "d a")       \
	X(i32_add, "d a b") X(i32_sub, "d a b") X(i32_mul, "d a b")    \
	X(i32_div_s, "d a b") X(i32_div_u, "d a b")                    \
	X(i32_rem_s, "d a b") X(i32_rem_u, "d a b")                    \
	X(i32_and, "d a b") X(i32_or, "d a b") X(i32_xor, "d a b")     \
	X(i32_shl, "d a b") X(i32_shr_s, "d a b") X(i32_shr_u, "d a b") \
	X(i32_rotl, "d a b") X(i32_rotr, "d a b")                      \
	X(i64_clz, "d a") X(i64_ctz, "d a") X(i64_popcnt, "d a")       \
	X(i64_add, "d a b") X(i64_sub, "d a b") X(i64_mul, "d a b")    \
	X(i64_div_s, "d a b") X(i64_div_u, "d a b")                    \
	X(i64_rem_s, "d a b") X(i64_rem_u, "d a b")                    \
	X(i64_and, "d a b") X(i64_or, "d a b") X(i64_xor, "d a b")     \
	X(i64_shl, "d a b") X(i64_shr_s, "d a b") X(i64_shr_u, "d a b") \
	X(i64_rotl, "d a b") X(i64_rotr, "d a b")                      \
	X(f32_abs, "d a") X(f32_neg, "d a") X(f32_ceil, "d a")         \
	X(f32_floor, "d a") X(f32_trunc, "d a") X(f32_nearest, "d a")  \
	X(f32_sqrt, "d a") X(f32_add, "d a b") X(f32_sub, "d a b")     \
	X(f32_mul, "d a b") X(f32_div, "d a b") X(f32_min, "d a b")    \
	X(f32_max, "d a b") X(f32_copysign, "d a b")                   \
	X(f64_abs, "d a") X(f64_neg, "d a") X(f64_ceil, "d a")         \
	X(f64_floor, "d a") X(f64_trunc, "d a") X(f64_nearest, "d a")  \
	X(f64_sqrt, "d a") X(f64_add, "d a b") X(f64_sub, "d a b")     \
	X(f64_mul, "d a b") X(f64_div, "d a b") X(f64_min, "d a b")    \
	X(f64_max, "d a b") X(f64_copysign, "d a b")                   \
	X(i32_trunc_f32_s, "d a") X(i32_trunc_f32_u, "d a")            \
	X(i32_trunc_f64_s, "d a") X(i32_trunc_f64_u, "d a")            \
	X(i64_extend_i32_s, "d a") X(i64_extend_i32_u, "d a")          \
	X(i64_trunc_f32_s, "d a") X(i64_trunc_f32_u, "d a")            \
	X(i64_trunc_f64_s, "d a") X(i64_trunc_f64_u, "d a")            \
	X(f32_convert_i32_s, "d a") X(f32_convert_i32_u, "d a")        \
	X(f32_convert_i64_s, "d a") X(f32_convert_i64_u, "d a")        \
	X(f32_demote_f64, "d a")                                       \
	X(f64_convert_i32_s, "d a") X(f64_convert_i32_u, "d a")        \
	X(f64_convert_i64_s, "d a") X(f64_convert_i64_u, "d a")        \
	X(f64_promote_f32, "d a")                                      \
	X(i32_extend8_s, "d a") X(i32_extend16_s, "d a")               \
	X(i64_extend8_s, "d a") X(i64_extend16_s, "d a")               \
	X(i64_extend32_s, "d a")                                       \
	X(i32_trunc_sat_f32_s, "d a") X(i32_trunc_sat_f32_u, "d a")    \
	X(i32_trunc_sat_f64_s, "d a") X(i32_trunc_sat_f64_u, "d a")    \
	X(i64_trunc_sat_f32_s, "d a") X(i64_trunc_sat_f32_u, "d a")    \
	X(i64_trunc_sat_f64_s, "d a") X(i64_trunc_sat_f64_u, "d a")    \
	/* superinstructions: a constant operand inline */             \
	X(i32_add_imm, "d a imm") X(i32_sub_imm, "d a imm")            \
	X(i32_and_imm, "d a imm") X(i32_or_imm, "d a imm")             \
	X(i32_xor_imm, "d a imm") X(i32_shl_imm, "d a imm")            \
	X(i32_shr_s_imm, "d a imm") X(i32_shr_u_imm, "d a imm")        \
	X(i32_mul_imm, "d a imm")                                      \
	X(i64_add_imm, "d a imm")

/* clang-format on */

enum wm_op {
#define WM_OP_ENUM_(name, layout) WM_OP_##name,
	WM_OPS(WM_OP_ENUM_)
#undef WM_OP_ENUM_
	WM_OP_COUNT_
};

/* compile.c <- interp.c: the handler address of every op, indexed by enum wm_op. */
const void *const *wm_interp_handlers(void);

/*
 * A compiled function. Frame layout (slots of 8 bytes from the frame pointer):
 * [params | declared locals (zeroed on entry) | constants (copied on entry) |
 * operand stack (max_height)]. Results are returned in slots 0..nresults-1.
 */
struct wm_code {
	uint32_t *code; /* instruction units, owned */
	size_t ncode;
	uint64_t *consts; /* nconsts values copied to slot nlocals.. on entry, owned */
	uint32_t nconsts;
	uint32_t nparams;
	uint32_t nresults;
	uint32_t nlocals;     /* params + declared locals */
	uint32_t frame_slots; /* nlocals + nconsts + max operand stack height */
	uint32_t func_index;  /* in the module's function index space */
};

#endif
