/*
 * test_wasm_exec.c - the engine's execution API (wm_exec, wm_call, traps,
 * fuel, deadlines, interrupts, host functions, instances, memory growth)
 * driven through small modules. Each module is a hand-assembled byte array
 * with its text form in the comment above it (assembled once with wat2wasm;
 * the tests never need it), so every test shows exactly what it runs.
 */
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "test.h"
#include "wasm/wm.h"

#include "core/banned.h"

/* ----------------------------------------------------------------------- */
/* Modules (kept in wat2wasm's byte order, 12 a line) */

/* clang-format off */
/*
 * (module
 *   (func $down (export "down") (param i32) (result i32)
 *     local.get 0
 *     i32.eqz
 *     if (result i32)
 *       i32.const 0
 *     else
 *       local.get 0
 *       i32.const 1
 *       i32.sub
 *       call $down
 *       i32.const 1
 *       i32.add
 *     end)
 *   (func $forever (export "forever")
 *     call $forever))
 */
static const uint8_t rec_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60,
	0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x01,
	0x07, 0x12, 0x02, 0x04, 0x64, 0x6f, 0x77, 0x6e, 0x00, 0x00, 0x07, 0x66,
	0x6f, 0x72, 0x65, 0x76, 0x65, 0x72, 0x00, 0x01, 0x0a, 0x1c, 0x02, 0x15,
	0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x41,
	0x01, 0x6b, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x0b, 0x04, 0x00, 0x10,
	0x01, 0x0b
};

/*
 * (module
 *   (import "env" "back" (func $back (param i32) (result i32)))
 *   (func (export "ping") (param i32) (result i32)
 *     local.get 0
 *     i32.eqz
 *     if (result i32)
 *       i32.const 0
 *     else
 *       local.get 0
 *       i32.const 1
 *       i32.sub
 *       call $back
 *       i32.const 1
 *       i32.add
 *     end))
 */
static const uint8_t hostrec_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
	0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04,
	0x62, 0x61, 0x63, 0x6b, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x08,
	0x01, 0x04, 0x70, 0x69, 0x6e, 0x67, 0x00, 0x01, 0x0a, 0x17, 0x01, 0x15,
	0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x41,
	0x01, 0x6b, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x0b
};

/*
 * (module
 *   (import "env" "started" (func $started))
 *   (func (export "spin")
 *     (loop $l br $l))
 *   (func (export "spin_signal")
 *     call $started
 *     (loop $l br $l))
 *   (func (export "count") (param $n i32) (result i32) (local $i i32)
 *     block $done
 *       local.get $n
 *       i32.eqz
 *       br_if $done
 *       loop $l
 *         local.get $i
 *         i32.const 1
 *         i32.add
 *         local.tee $i
 *         local.get $n
 *         i32.ne
 *         br_if $l
 *       end
 *     end
 *     local.get $i))
 */
static const uint8_t loop_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60,
	0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0f, 0x01, 0x03, 0x65,
	0x6e, 0x76, 0x07, 0x73, 0x74, 0x61, 0x72, 0x74, 0x65, 0x64, 0x00, 0x00,
	0x03, 0x04, 0x03, 0x00, 0x00, 0x01, 0x07, 0x1e, 0x03, 0x04, 0x73, 0x70,
	0x69, 0x6e, 0x00, 0x01, 0x0b, 0x73, 0x70, 0x69, 0x6e, 0x5f, 0x73, 0x69,
	0x67, 0x6e, 0x61, 0x6c, 0x00, 0x02, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74,
	0x00, 0x03, 0x0a, 0x31, 0x03, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b,
	0x0b, 0x09, 0x00, 0x10, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x1d,
	0x01, 0x01, 0x7f, 0x02, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x00, 0x03, 0x40,
	0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01, 0x20, 0x00, 0x47, 0x0d, 0x00,
	0x0b, 0x0b, 0x20, 0x01, 0x0b
};

/*
 * (module
 *   (type $v_i (func (result i32)))
 *   (type $i_i (func (param i32) (result i32)))
 *   (memory (export "memory") 1)
 *   (table 4 funcref)
 *   (elem (i32.const 0) $seven $id)
 *   (func $seven (type $v_i) i32.const 7)
 *   (func $id (type $i_i) local.get 0)
 *   (func (export "unreachable") unreachable)
 *   (func (export "load") (param i32) (result i32) local.get 0 i32.load)
 *   (func (export "load_off4") (param i32) (result i32) local.get 0 i32.load offset=4)
 *   (func (export "load8") (param i32) (result i32) local.get 0 i32.load8_u)
 *   (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
 *   (func (export "fill") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.fill)
 *   (func (export "div_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
 *   (func (export "rem_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s)
 *   (func (export "div_u") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
 *   (func (export "div_s64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_s)
 *   (func (export "trunc") (param f32) (result i32) local.get 0 i32.trunc_f32_s)
 *   (func (export "trunc64") (param f64) (result i64) local.get 0 i64.trunc_f64_u)
 *   (func (export "call_v_i") (param i32) (result i32)
 *     local.get 0
 *     call_indirect (type $v_i))
 *   (func (export "table_get") (param i32) (result funcref) local.get 0 table.get 0)
 *   (func (export "table_set_null") (param i32) local.get 0 ref.null func table.set 0))
 */
static const uint8_t traps_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x37, 0x0b, 0x60,
	0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60,
	0x02, 0x7f, 0x7f, 0x00, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x02,
	0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7e, 0x7e, 0x01, 0x7e, 0x60, 0x01,
	0x7d, 0x01, 0x7f, 0x60, 0x01, 0x7c, 0x01, 0x7e, 0x60, 0x01, 0x7f, 0x01,
	0x70, 0x60, 0x01, 0x7f, 0x00, 0x03, 0x12, 0x11, 0x00, 0x01, 0x02, 0x01,
	0x01, 0x01, 0x03, 0x04, 0x05, 0x05, 0x05, 0x06, 0x07, 0x08, 0x01, 0x09,
	0x0a, 0x04, 0x04, 0x01, 0x70, 0x00, 0x04, 0x05, 0x03, 0x01, 0x00, 0x01,
	0x07, 0x9e, 0x01, 0x10, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02,
	0x00, 0x0b, 0x75, 0x6e, 0x72, 0x65, 0x61, 0x63, 0x68, 0x61, 0x62, 0x6c,
	0x65, 0x00, 0x02, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x03, 0x09, 0x6c,
	0x6f, 0x61, 0x64, 0x5f, 0x6f, 0x66, 0x66, 0x34, 0x00, 0x04, 0x05, 0x6c,
	0x6f, 0x61, 0x64, 0x38, 0x00, 0x05, 0x05, 0x73, 0x74, 0x6f, 0x72, 0x65,
	0x00, 0x06, 0x04, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x07, 0x05, 0x64, 0x69,
	0x76, 0x5f, 0x73, 0x00, 0x08, 0x05, 0x72, 0x65, 0x6d, 0x5f, 0x73, 0x00,
	0x09, 0x05, 0x64, 0x69, 0x76, 0x5f, 0x75, 0x00, 0x0a, 0x07, 0x64, 0x69,
	0x76, 0x5f, 0x73, 0x36, 0x34, 0x00, 0x0b, 0x05, 0x74, 0x72, 0x75, 0x6e,
	0x63, 0x00, 0x0c, 0x07, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x36, 0x34, 0x00,
	0x0d, 0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x76, 0x5f, 0x69, 0x00, 0x0e,
	0x09, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x0f,
	0x0e, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x5f, 0x73, 0x65, 0x74, 0x5f, 0x6e,
	0x75, 0x6c, 0x6c, 0x00, 0x10, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b,
	0x02, 0x00, 0x01, 0x0a, 0x81, 0x01, 0x11, 0x04, 0x00, 0x41, 0x07, 0x0b,
	0x04, 0x00, 0x20, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x0b, 0x07, 0x00, 0x20,
	0x00, 0x28, 0x02, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x04,
	0x0b, 0x07, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b, 0x09, 0x00, 0x20,
	0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0x20,
	0x01, 0x20, 0x02, 0xfc, 0x0b, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20,
	0x01, 0x6d, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6f, 0x0b, 0x07,
	0x00, 0x20, 0x00, 0x20, 0x01, 0x6e, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20,
	0x01, 0x7f, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xa8, 0x0b, 0x05, 0x00, 0x20,
	0x00, 0xb1, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b, 0x06,
	0x00, 0x20, 0x00, 0x25, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00, 0xd0, 0x70,
	0x26, 0x00, 0x0b
};

/*
 * (module
 *   (import "env" "add3" (func $add3 (param i32 i64 f64) (result f64)))
 *   (import "env" "sum_mem" (func $sum_mem (param i32 i32) (result i32)))
 *   (import "env" "fail" (func $fail (param i32)))
 *   (import "env" "callback" (func $callback (param i32) (result i32)))
 *   (memory (export "memory") 1)
 *   (func (export "call_add3") (param i32 i64 f64) (result f64)
 *     local.get 0
 *     local.get 1
 *     local.get 2
 *     call $add3)
 *   (func (export "call_sum") (param i32 i32) (result i32)
 *     local.get 0
 *     local.get 1
 *     call $sum_mem)
 *   (func (export "call_fail") (param i32) (result i32)
 *     local.get 0
 *     call $fail
 *     i32.const 1)
 *   (func (export "scribble") (param $x i32) (result i32) (local i32 i32 i32 i32)
 *     i32.const -1 local.set 1
 *     i32.const -2 local.set 2
 *     i32.const -3 local.set 3
 *     i32.const -4 local.set 4
 *     local.get $x
 *     i32.const 2
 *     i32.mul)
 *   (func (export "call_back") (param $x i32) (result i32) (local $keep i32)
 *     i32.const 1000
 *     local.set $keep
 *     local.get $x
 *     call $callback
 *     local.get $keep
 *     i32.add
 *     local.get $x
 *     i32.add))
 */
static const uint8_t host_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x17, 0x04, 0x60,
	0x03, 0x7f, 0x7e, 0x7c, 0x01, 0x7c, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
	0x60, 0x01, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x34, 0x04,
	0x03, 0x65, 0x6e, 0x76, 0x04, 0x61, 0x64, 0x64, 0x33, 0x00, 0x00, 0x03,
	0x65, 0x6e, 0x76, 0x07, 0x73, 0x75, 0x6d, 0x5f, 0x6d, 0x65, 0x6d, 0x00,
	0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x02,
	0x03, 0x65, 0x6e, 0x76, 0x08, 0x63, 0x61, 0x6c, 0x6c, 0x62, 0x61, 0x63,
	0x6b, 0x00, 0x03, 0x03, 0x06, 0x05, 0x00, 0x01, 0x03, 0x03, 0x03, 0x05,
	0x03, 0x01, 0x00, 0x01, 0x07, 0x44, 0x06, 0x06, 0x6d, 0x65, 0x6d, 0x6f,
	0x72, 0x79, 0x02, 0x00, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x61, 0x64,
	0x64, 0x33, 0x00, 0x04, 0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x73, 0x75,
	0x6d, 0x00, 0x05, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x66, 0x61, 0x69,
	0x6c, 0x00, 0x06, 0x08, 0x73, 0x63, 0x72, 0x69, 0x62, 0x62, 0x6c, 0x65,
	0x00, 0x07, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x62, 0x61, 0x63, 0x6b,
	0x00, 0x08, 0x0a, 0x4c, 0x05, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20,
	0x02, 0x10, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x01,
	0x0b, 0x08, 0x00, 0x20, 0x00, 0x10, 0x02, 0x41, 0x01, 0x0b, 0x19, 0x01,
	0x04, 0x7f, 0x41, 0x7f, 0x21, 0x01, 0x41, 0x7e, 0x21, 0x02, 0x41, 0x7d,
	0x21, 0x03, 0x41, 0x7c, 0x21, 0x04, 0x20, 0x00, 0x41, 0x02, 0x6c, 0x0b,
	0x13, 0x01, 0x01, 0x7f, 0x41, 0xe8, 0x07, 0x21, 0x01, 0x20, 0x00, 0x10,
	0x03, 0x20, 0x01, 0x6a, 0x20, 0x00, 0x6a, 0x0b
};

/*
 * (module
 *   (memory (export "memory") 1)
 *   (global $g (export "g") (mut i32) (i32.const 0))
 *   (data (i32.const 16) "\2a\00\00\00")
 *   (func (export "set") (param i32 i32)
 *     local.get 0
 *     local.get 1
 *     i32.store
 *     local.get 1
 *     global.set $g)
 *   (func (export "get_g") (result i32) global.get $g)
 *   (func (export "load") (param i32) (result i32) local.get 0 i32.load)
 *   (func (export "work") (param $seed i32) (param $n i32) (result i32) (local $acc i32)
 *     local.get $seed
 *     local.set $acc
 *     block $done
 *       loop $l
 *         local.get $n
 *         i32.eqz
 *         br_if $done
 *         local.get $acc
 *         i32.const 31
 *         i32.mul
 *         local.get $n
 *         i32.add
 *         local.set $acc
 *         local.get $n
 *         i32.const 1
 *         i32.sub
 *         local.set $n
 *         br $l
 *       end
 *     end
 *     i32.const 64
 *     local.get $acc
 *     i32.store
 *     local.get $acc))
 */
static const uint8_t inst_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x15, 0x04, 0x60,
	0x02, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01,
	0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x05, 0x04, 0x00, 0x01,
	0x02, 0x03, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01,
	0x41, 0x00, 0x0b, 0x07, 0x2a, 0x06, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72,
	0x79, 0x02, 0x00, 0x01, 0x67, 0x03, 0x00, 0x03, 0x73, 0x65, 0x74, 0x00,
	0x00, 0x05, 0x67, 0x65, 0x74, 0x5f, 0x67, 0x00, 0x01, 0x04, 0x6c, 0x6f,
	0x61, 0x64, 0x00, 0x02, 0x04, 0x77, 0x6f, 0x72, 0x6b, 0x00, 0x03, 0x0a,
	0x4d, 0x04, 0x0d, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x20,
	0x01, 0x24, 0x00, 0x0b, 0x04, 0x00, 0x23, 0x00, 0x0b, 0x07, 0x00, 0x20,
	0x00, 0x28, 0x02, 0x00, 0x0b, 0x30, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x21,
	0x02, 0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x45, 0x0d, 0x01, 0x20, 0x02,
	0x41, 0x1f, 0x6c, 0x20, 0x01, 0x6a, 0x21, 0x02, 0x20, 0x01, 0x41, 0x01,
	0x6b, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x41, 0xc0, 0x00, 0x20, 0x02,
	0x36, 0x02, 0x00, 0x20, 0x02, 0x0b, 0x0b, 0x0a, 0x01, 0x00, 0x41, 0x10,
	0x0b, 0x04, 0x2a, 0x00, 0x00, 0x00
};

/*
 * (module
 *   (memory (export "memory") 1 4)
 *   (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
 *   (func (export "size") (result i32) memory.size)
 *   (func (export "load") (param i32) (result i32) local.get 0 i32.load)
 *   (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store))
 */
static const uint8_t grow_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x03, 0x60,
	0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f,
	0x00, 0x03, 0x05, 0x04, 0x00, 0x01, 0x00, 0x02, 0x05, 0x04, 0x01, 0x01,
	0x01, 0x04, 0x07, 0x27, 0x05, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79,
	0x02, 0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x04, 0x73, 0x69,
	0x7a, 0x65, 0x00, 0x01, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x02, 0x05,
	0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x03, 0x0a, 0x1f, 0x04, 0x06, 0x00,
	0x20, 0x00, 0x40, 0x00, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b, 0x07, 0x00,
	0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01,
	0x36, 0x02, 0x00, 0x0b
};

/*
 * (module
 *   (func $swap3 (export "swap3") (param i32 i64 f64) (result f64 i64 i32)
 *     local.get 2
 *     local.get 1
 *     local.get 0)
 *   (func (export "divmod") (param i32 i32) (result i32 i32)
 *     block (result i32 i32)
 *       local.get 0
 *       local.get 1
 *       i32.div_u
 *       local.get 0
 *       local.get 1
 *       i32.rem_u
 *     end)
 *   (func (export "swap_twice") (param i32 i64 f64) (result i32 i64 f64)
 *     (local f64 i64 i32)
 *     local.get 0
 *     local.get 1
 *     local.get 2
 *     call $swap3
 *     local.set 5
 *     local.set 4
 *     local.set 3
 *     local.get 5
 *     local.get 4
 *     local.get 3))
 */
static const uint8_t multi_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x1f, 0x04, 0x60,
	0x03, 0x7f, 0x7e, 0x7c, 0x03, 0x7c, 0x7e, 0x7f, 0x60, 0x02, 0x7f, 0x7f,
	0x02, 0x7f, 0x7f, 0x60, 0x00, 0x02, 0x7f, 0x7f, 0x60, 0x03, 0x7f, 0x7e,
	0x7c, 0x03, 0x7f, 0x7e, 0x7c, 0x03, 0x04, 0x03, 0x00, 0x01, 0x03, 0x07,
	0x1f, 0x03, 0x05, 0x73, 0x77, 0x61, 0x70, 0x33, 0x00, 0x00, 0x06, 0x64,
	0x69, 0x76, 0x6d, 0x6f, 0x64, 0x00, 0x01, 0x0a, 0x73, 0x77, 0x61, 0x70,
	0x5f, 0x74, 0x77, 0x69, 0x63, 0x65, 0x00, 0x02, 0x0a, 0x37, 0x03, 0x08,
	0x00, 0x20, 0x02, 0x20, 0x01, 0x20, 0x00, 0x0b, 0x0f, 0x00, 0x02, 0x02,
	0x20, 0x00, 0x20, 0x01, 0x6e, 0x20, 0x00, 0x20, 0x01, 0x70, 0x0b, 0x0b,
	0x1c, 0x03, 0x01, 0x7c, 0x01, 0x7e, 0x01, 0x7f, 0x20, 0x00, 0x20, 0x01,
	0x20, 0x02, 0x10, 0x00, 0x21, 0x05, 0x21, 0x04, 0x21, 0x03, 0x20, 0x05,
	0x20, 0x04, 0x20, 0x03, 0x0b
};

/*
 * No code: custom "jwt" (payload "eyJ0eXAiOiJqd3QifQ"), a type section
 * with () -> (), custom "jwtx" ("no"), custom "jwt" ("second").
 */
static const uint8_t custom_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x16, 0x03, 'j', 'w', 't',
	'e', 'y', 'J', '0', 'e', 'X', 'A', 'i', 'O', 'i', 'J', 'q', 'd', '3', 'Q', 'i', 'f', 'Q',
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x00, 0x07, 0x04, 'j', 'w', 't', 'x', 'n', 'o',
	0x00, 0x0a, 0x03, 'j', 'w', 't', 's', 'e', 'c', 'o', 'n', 'd'
};

/*
 * (module (func (param v128)))
 */
static const uint8_t simd_type_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
	0x01, 0x7b, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00,
	0x0b
};

/*
 * (module (func (result i32) v128.const i64x2 1 2 i32x4.extract_lane 0))
 */
static const uint8_t simd_op_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
	0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x19, 0x01, 0x17, 0x00,
	0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x1b, 0x00, 0x0b
};
/* clang-format on */

/* ----------------------------------------------------------------------- */
/* Helpers */

/* Checks a call result: a trap of that kind, with that message. */
#define EXPECT_TRAP(want_kind, want_msg, rc, err)   \
	do {                                        \
		EXPECT_EQ(ST_ETRAP, (rc));          \
		EXPECT_EQ(ST_ETRAP, (err).code);    \
		EXPECT_EQ((want_kind), (err).kind); \
		EXPECT_STR((want_msg), (err).msg);  \
	} while (0)

/* Fails the test and leaves it when c is false (later steps would crash). */
#define REQUIRE(c)                                      \
	do {                                            \
		if (!(c)) {                             \
			TEST_FAIL_("required: %s", #c); \
			return;                         \
		}                                       \
	} while (0)

static const wm_valtype vt_i32[] = { WM_I32 };
static const wm_valtype vt_i32_i32[] = { WM_I32, WM_I32 };
static const wm_valtype vt_i32_i64_f64[] = { WM_I32, WM_I64, WM_F64 };
static const wm_valtype vt_f64[] = { WM_F64 };

/* A host import "env" NAME; arrays of these end with a NULL name. */
typedef struct host_import {
	const char *name;
	wm_func *func;
} host_import;

/* wm_resolve_cb over a host_import array (ud). */
static int resolve_env(void *ud, const wm_import_desc *imp, wm_extern *out)
{
	const host_import *hi = ud;

	if (strcmp(imp->module, "env") != 0 || imp->kind != WM_EXTERN_FUNC)
		return ST_ENOTFOUND;
	for (; hi && hi->name; hi++) {
		if (strcmp(hi->name, imp->name) == 0) {
			out->kind = WM_EXTERN_FUNC;
			out->of.func = hi->func;
			return 0;
		}
	}
	return ST_ENOTFOUND;
}

static void free_imports(host_import *hi)
{
	for (; hi->name; hi++)
		wm_func_unref(hi->func);
}

static wm_module *load(const uint8_t *bytes, size_t len)
{
	wm_module *m = NULL;
	st_err err;
	int rc;

	st_err_clear(&err);
	rc = wm_module_new(&m, bytes, len, &err);
	if (rc < 0)
		TEST_FAIL_("wm_module_new: %s (%s at %lld)", err.msg, st_errname(rc),
		           (long long)err.offset);
	return rc < 0 ? NULL : m;
}

static wm_exec *exec_new(size_t slots, size_t frames)
{
	wm_exec *x = NULL;
	st_err err;

	if (wm_exec_new(&x, slots, frames, &err) < 0) {
		TEST_FAIL_("wm_exec_new: %s", err.msg);
		return NULL;
	}
	return x;
}

/* Instantiates m on x with imports from hi (may be NULL). */
static wm_instance *inst_new(wm_module *m, wm_exec *x, host_import *hi)
{
	wm_instance *inst = NULL;
	st_err err;
	int rc;

	st_err_clear(&err);
	rc = wm_instance_new(&inst, m, x, resolve_env, hi, NULL, 0, &err);
	if (rc < 0) {
		TEST_FAIL_("wm_instance_new: %s (%s)", err.msg, st_errname(rc));
		return NULL;
	}
	return inst;
}

/* Calls the export name of inst; an absent export is ST_ENOTFOUND. */
static int call(wm_exec *x, wm_instance *inst, const char *name, const wm_val *args, size_t nargs,
                wm_val *res, size_t nres, st_err *err)
{
	wm_func *f = wm_instance_func(inst, name);

	st_err_clear(err);
	if (!f)
		return st_err_set(err, ST_ENOTFOUND, "no export %s", name);
	return wm_call(x, f, args, nargs, res, nres, err);
}

/* Calls an (i32...) -> i32 export; traps and errors return -1 and fail the test. */
static uint32_t call_i32(wm_exec *x, wm_instance *inst, const char *name, uint32_t a, uint32_t b,
                         size_t nargs)
{
	wm_val args[2] = { { .i32 = a }, { .i32 = b } };
	wm_val res = { .bits = 0 };
	st_err err;
	int rc = call(x, inst, name, args, nargs, &res, 1, &err);

	if (rc < 0) {
		TEST_FAIL_("%s: %s (%s)", name, err.msg, st_errname(rc));
		return UINT32_MAX;
	}
	return res.i32;
}

/* Calls an (i32...) -> () export; traps and errors fail the test. */
static void call_void(wm_exec *x, wm_instance *inst, const char *name, uint32_t a, uint32_t b,
                      size_t nargs)
{
	wm_val args[2] = { { .i32 = a }, { .i32 = b } };
	st_err err;
	int rc = call(x, inst, name, args, nargs, NULL, 0, &err);

	if (rc < 0)
		TEST_FAIL_("%s: %s (%s)", name, err.msg, st_errname(rc));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ----------------------------------------------------------------------- */
/* Stack exhaustion */

TEST(exec_deep_recursion_traps_at_small_frame_limit)
{
	wm_module *m = load(rec_wasm, sizeof(rec_wasm));
	wm_exec *x = exec_new(0, 64);
	wm_instance *inst;
	wm_val arg, res;
	st_err err;

	REQUIRE(m && x);
	inst = inst_new(m, x, NULL);
	REQUIRE(inst);
	EXPECT_EQ(40, call_i32(x, inst, "down", 40, 0, 1));
	arg.i32 = 1000;
	EXPECT_TRAP(WM_TRAP_STACK_EXHAUSTED, "call stack exhausted",
	            call(x, inst, "down", &arg, 1, &res, 1, &err), err);
	EXPECT_TRAP(WM_TRAP_STACK_EXHAUSTED, "call stack exhausted",
	            call(x, inst, "forever", NULL, 0, NULL, 0, &err), err);
	/* The context is whole again: the full depth is available. */
	EXPECT_EQ(40, call_i32(x, inst, "down", 40, 0, 1));
	EXPECT_EQ(0, call_i32(x, inst, "down", 0, 0, 1));
	wm_instance_unref(inst);
	wm_exec_free(x);
	wm_module_unref(m);
}

TEST(exec_deep_recursion_traps_at_default_limits)
{
	wm_module *m = load(rec_wasm, sizeof(rec_wasm));
	wm_exec *x = exec_new(0, 0);
	wm_instance *inst;
	wm_val arg, res;
	st_err err;

	REQUIRE(m && x);
	inst = inst_new(m, x, NULL);
	REQUIRE(inst);
	EXPECT_TRAP(WM_TRAP_STACK_EXHAUSTED, "call stack exhausted",
	            call(x, inst, "forever", NULL, 0, NULL, 0, &err), err);
	arg.i32 = 10 * WM_DEFAULT_MAX_FRAMES;
	EXPECT_TRAP(WM_TRAP_STACK_EXHAUSTED, "call stack exhausted",
	            call(x, inst, "down", &arg, 1, &res, 1, &err), err);
	/* A depth well inside the default limit still works, twice. */
	EXPECT_EQ(WM_DEFAULT_MAX_FRAMES / 2,
	          call_i32(x, inst, "down", WM_DEFAULT_MAX_FRAMES / 2, 0, 1));
	EXPECT_TRAP(WM_TRAP_STACK_EXHAUSTED, "call stack exhausted",
	            call(x, inst, "forever", NULL, 0, NULL, 0, &err), err);
	EXPECT_EQ(WM_DEFAULT_MAX_FRAMES / 2,
	          call_i32(x, inst, "down", WM_DEFAULT_MAX_FRAMES / 2, 0, 1));
	wm_instance_unref(inst);
	wm_exec_free(x);
	wm_module_unref(m);
}

TEST(exec_value_stack_limit_traps)
{
	wm_module *m = load(rec_wasm, sizeof(rec_wasm));
	wm_exec *x = exec_new(256, 100000); /* frames plenty, value slots few */
	wm_instance *inst;
	wm_val arg, res;
	st_err err;

	REQUIRE(m && x);
	inst = inst_new(m, x, NULL);
	REQUIRE(inst);
	EXPECT_EQ(10, call_i32(x, inst, "down", 10, 0, 1));
	arg.i32 = 5000; /* every frame needs at least its argument's slot */
	EXPECT_TRAP(WM_TRAP_STACK_EXHAUSTED, "call stack exhausted",
	            call(x, inst, "down", &arg, 1, &res, 1, &err), err);
	EXPECT_TRAP(WM_TRAP_STACK_EXHAUSTED, "call stack exhausted",
	            call(x, inst, "forever", NULL, 0, NULL, 0, &err), err);
	EXPECT_EQ(10, call_i32(x, inst, "down", 10, 0, 1));
	wm_instance_unref(inst);
	wm_exec_free(x);
	wm_module_unref(m);
}

/* env.back(n): calls the caller's "ping"(n) again, a nested wm_call. */
static int host_back(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results, void *ud)
{
	wm_func *ping = wm_instance_func(caller, "ping");

	(void)ud;
	if (!ping)
		return wm_trap_set(x, WM_TRAP_HOST, "no ping");
	return wm_call(x, ping, args, 1, results, 1, NULL);
}

typedef struct hostrec_run {
	wm_exec *x;
	wm_instance *inst;
	uint32_t depth;
	int rc;
	st_err err;
} hostrec_run;

static void *hostrec_thread(void *arg)
{
	hostrec_run *h = arg;
	wm_val a = { .i32 = h->depth }, r;

	h->rc = call(h->x, h->inst, "ping", &a, 1, &r, 1, &h->err);
	return NULL;
}

/*
 * Each wasm -> host -> wasm re-entry nests run() in C, so depth through host
 * functions is capped by WM_MAX_NESTED_CALLS and must trap, not overflow the
 * C stack. The call runs on a thread with a 2 MiB stack, a common
 * worker-thread size, so the result does not depend on the shell's
 * ulimit -s.
 */
TEST(exec_deep_recursion_through_host_traps_at_default_limits)
{
	static const wm_functype ty = { 1, 1, vt_i32, vt_i32 };
	wm_module *m = load(hostrec_wasm, sizeof(hostrec_wasm));
	wm_exec *x = exec_new(0, 0);
	host_import hi[] = { { "back", wm_func_new_host(&ty, host_back, NULL) }, { NULL, NULL } };
	hostrec_run run;
	pthread_attr_t attr;
	pthread_t th;

	REQUIRE(m && x);
	run = (hostrec_run){ .x = x, .inst = inst_new(m, x, hi), .depth = 100 };
	REQUIRE(run.inst);
	EXPECT_EQ(100, call_i32(x, run.inst, "ping", 100, 0, 1));
	REQUIRE(pthread_attr_init(&attr) == 0);
	REQUIRE(pthread_attr_setstacksize(&attr, (size_t)2 << 20) == 0);
	/* Wasm -> host -> wasm ... nests C calls: must trap, not overflow the C stack. */
	run.depth = 10 * WM_DEFAULT_MAX_FRAMES;
	REQUIRE(pthread_create(&th, &attr, hostrec_thread, &run) == 0);
	pthread_join(th, NULL);
	pthread_attr_destroy(&attr);
	EXPECT_TRAP(WM_TRAP_STACK_EXHAUSTED, "call stack exhausted", run.rc, run.err);
	EXPECT_EQ(100, call_i32(x, run.inst, "ping", 100, 0, 1));
	wm_instance_unref(run.inst);
	free_imports(hi);
	wm_exec_free(x);
	wm_module_unref(m);
}

/* ----------------------------------------------------------------------- */
/* Fuel, deadlines and interrupts */

/* env.started: posts the semaphore ud (if any), so a waiter knows the call runs. */
static int host_started(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                        void *ud)
{
	(void)x, (void)caller, (void)args, (void)results;
	if (ud)
		sem_post(ud);
	return 0;
}

static const wm_functype void_type = { 0, 0, NULL, NULL };

TEST(exec_fuel_interrupts_infinite_loop)
{
	wm_module *m = load(loop_wasm, sizeof(loop_wasm));
	wm_exec *x = exec_new(0, 0);
	host_import hi[] = { { "started", wm_func_new_host(&void_type, host_started, NULL) },
		             { NULL, NULL } };
	wm_instance *inst;
	st_err err;

	REQUIRE(m && x);
	inst = inst_new(m, x, hi);
	REQUIRE(inst);
	EXPECT_EQ(-1, wm_exec_fuel(x)); /* unlimited by default */
	wm_exec_set_fuel(x, 100000);
	EXPECT_EQ(100000, wm_exec_fuel(x));
	EXPECT_TRAP(WM_TRAP_FUEL, "fuel exhausted", call(x, inst, "spin", NULL, 0, NULL, 0, &err),
	            err);
	EXPECT_EQ(0, wm_exec_fuel(x));
	/* Out of fuel, even the entry of a call traps. */
	EXPECT_TRAP(WM_TRAP_FUEL, "fuel exhausted", call(x, inst, "spin", NULL, 0, NULL, 0, &err),
	            err);
	wm_exec_set_fuel(x, -5);
	EXPECT_EQ(-1, wm_exec_fuel(x));
	EXPECT_EQ(1000, call_i32(x, inst, "count", 1000, 0, 1));
	wm_instance_unref(inst);
	free_imports(hi);
	wm_exec_free(x);
	wm_module_unref(m);
}

TEST(exec_fuel_is_counted_per_iteration)
{
	wm_module *m = load(loop_wasm, sizeof(loop_wasm));
	wm_exec *x = exec_new(0, 0);
	host_import hi[] = { { "started", wm_func_new_host(&void_type, host_started, NULL) },
		             { NULL, NULL } };
	const int64_t n = 200000, fuel = 1000000;
	wm_instance *inst;
	wm_val arg, res;
	int64_t used;
	st_err err;

	REQUIRE(m && x);
	inst = inst_new(m, x, hi);
	REQUIRE(inst);
	wm_exec_set_fuel(x, fuel);
	EXPECT_EQ(n, call_i32(x, inst, "count", (uint32_t)n, 0, 1));
	used = fuel - wm_exec_fuel(x);
	/* One unit per iteration and per call: n - 1 back-edges and one entry (+1 slack). */
	if (used < n - 1 || used > n + 1)
		TEST_FAIL_("fuel used by %lld iterations: %lld", (long long)n, (long long)used);
	/* Again: the same amount again, whatever the poll interval left over. */
	EXPECT_EQ(n, call_i32(x, inst, "count", (uint32_t)n, 0, 1));
	EXPECT_EQ(2 * used, fuel - wm_exec_fuel(x));
	/* Not enough fuel for the next one: it traps with the fuel all spent. */
	wm_exec_set_fuel(x, n / 2);
	arg.i32 = (uint32_t)n;
	EXPECT_TRAP(WM_TRAP_FUEL, "fuel exhausted", call(x, inst, "count", &arg, 1, &res, 1, &err),
	            err);
	EXPECT_EQ(0, wm_exec_fuel(x));
	/* Exactly enough fuel is enough. */
	wm_exec_set_fuel(x, used);
	EXPECT_EQ(n, call_i32(x, inst, "count", (uint32_t)n, 0, 1));
	EXPECT_EQ(0, wm_exec_fuel(x));
	wm_instance_unref(inst);
	free_imports(hi);
	wm_exec_free(x);
	wm_module_unref(m);
}

TEST(exec_deadline_interrupts_infinite_loop)
{
	wm_module *m = load(loop_wasm, sizeof(loop_wasm));
	wm_exec *x = exec_new(0, 0);
	host_import hi[] = { { "started", wm_func_new_host(&void_type, host_started, NULL) },
		             { NULL, NULL } };
	wm_instance *inst;
	uint64_t deadline;
	st_err err;

	REQUIRE(m && x);
	inst = inst_new(m, x, hi);
	REQUIRE(inst);
	deadline = now_ns() + 50 * 1000000u;
	wm_exec_set_deadline(x, deadline);
	EXPECT_TRAP(WM_TRAP_INTERRUPTED, "interrupted: deadline exceeded or interrupt requested",
	            call(x, inst, "spin", NULL, 0, NULL, 0, &err), err);
	/* Not before the deadline. */
	EXPECT_TRUE(now_ns() >= deadline);
	/* A passed deadline stops the next call too; clearing it lets calls run. */
	EXPECT_TRAP(WM_TRAP_INTERRUPTED, "interrupted: deadline exceeded or interrupt requested",
	            call(x, inst, "spin", NULL, 0, NULL, 0, &err), err);
	wm_exec_set_deadline(x, 0);
	EXPECT_EQ(100000, call_i32(x, inst, "count", 100000, 0, 1));
	/* A far deadline does not stop a finite call. */
	wm_exec_set_deadline(x, now_ns() + 3600ull * 1000000000u);
	EXPECT_EQ(100000, call_i32(x, inst, "count", 100000, 0, 1));
	wm_instance_unref(inst);
	free_imports(hi);
	wm_exec_free(x);
	wm_module_unref(m);
}

typedef struct interrupter {
	sem_t started;
	wm_exec *x;
} interrupter;

static void *interrupter_run(void *arg)
{
	interrupter *it = arg;

	while (sem_wait(&it->started) != 0)
		;
	wm_exec_interrupt(it->x);
	return NULL;
}

TEST(exec_interrupt_from_another_thread_stops_loop)
{
	wm_module *m = load(loop_wasm, sizeof(loop_wasm));
	wm_exec *x = exec_new(0, 0);
	interrupter it;
	host_import hi[] = { { "started", wm_func_new_host(&void_type, host_started, &it.started) },
		             { NULL, NULL } };
	wm_instance *inst;
	pthread_t th;
	st_err err;

	REQUIRE(m && x);
	REQUIRE(sem_init(&it.started, 0, 0) == 0);
	it.x = x;
	inst = inst_new(m, x, hi);
	REQUIRE(inst);
	REQUIRE(pthread_create(&th, NULL, interrupter_run, &it) == 0);
	/* spin_signal calls env.started, then loops; the thread interrupts it. */
	EXPECT_TRAP(WM_TRAP_INTERRUPTED, "interrupted: deadline exceeded or interrupt requested",
	            call(x, inst, "spin_signal", NULL, 0, NULL, 0, &err), err);
	pthread_join(th, NULL);
	/* The request was consumed: the next call runs to its end. */
	EXPECT_EQ(100000, call_i32(x, inst, "count", 100000, 0, 1));
	wm_instance_unref(inst);
	free_imports(hi);
	sem_destroy(&it.started);
	wm_exec_free(x);
	wm_module_unref(m);
}

/* ----------------------------------------------------------------------- */
/* Traps */

/* A module of trapping functions, instantiated on a fresh context. */
typedef struct trap_env {
	wm_module *m;
	wm_exec *x;
	wm_instance *inst;
} trap_env;

static int trap_env_open(trap_env *t)
{
	t->m = load(traps_wasm, sizeof(traps_wasm));
	t->x = exec_new(0, 0);
	t->inst = t->m && t->x ? inst_new(t->m, t->x, NULL) : NULL;
	return t->inst ? 0 : -1;
}

static void trap_env_close(trap_env *t)
{
	wm_instance_unref(t->inst);
	wm_exec_free(t->x);
	wm_module_unref(t->m);
}

/* Calls an export of the trap module. */
static int tcall(trap_env *t, const char *name, const wm_val *args, size_t nargs, wm_val *res,
                 size_t nres, st_err *err)
{
	return call(t->x, t->inst, name, args, nargs, res, nres, err);
}

TEST(trap_unreachable_has_kind_and_message)
{
	trap_env t;
	st_err err;

	REQUIRE(trap_env_open(&t) == 0);
	EXPECT_TRAP(WM_TRAP_UNREACHABLE, "unreachable",
	            tcall(&t, "unreachable", NULL, 0, NULL, 0, &err), err);
	EXPECT_STR("unreachable", wm_trap_text(WM_TRAP_UNREACHABLE));
	/* The instance stays usable after a trap. */
	EXPECT_EQ(0, call_i32(t.x, t.inst, "load", 0, 0, 1));
	trap_env_close(&t);
}

TEST(trap_memory_oob_load_at_boundary)
{
	static const char oob[] = "out of bounds memory access";
	trap_env t;
	wm_val a, r;
	st_err err;

	REQUIRE(trap_env_open(&t) == 0);
	EXPECT_EQ(0, call_i32(t.x, t.inst, "load", 65532, 0, 1));
	a.i32 = 65533;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, oob, tcall(&t, "load", &a, 1, &r, 1, &err), err);
	a.i32 = UINT32_MAX;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, oob, tcall(&t, "load", &a, 1, &r, 1, &err), err);
	EXPECT_EQ(0, call_i32(t.x, t.inst, "load8", 65535, 0, 1));
	a.i32 = 65536;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, oob, tcall(&t, "load8", &a, 1, &r, 1, &err), err);
	/* The static offset counts: address + 4 must stay in bounds, without wrapping. */
	EXPECT_EQ(0, call_i32(t.x, t.inst, "load_off4", 65528, 0, 1));
	a.i32 = 65529;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, oob, tcall(&t, "load_off4", &a, 1, &r, 1, &err), err);
	a.i32 = 0xfffffffcu;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, oob, tcall(&t, "load_off4", &a, 1, &r, 1, &err), err);
	trap_env_close(&t);
}

TEST(trap_memory_oob_store_at_boundary_writes_nothing)
{
	static const char oob[] = "out of bounds memory access";
	trap_env t;
	wm_val a[3];
	const uint8_t *mem;
	st_err err;

	REQUIRE(trap_env_open(&t) == 0);
	mem = wm_memory_data(wm_instance_memory(t.inst));
	a[0].i32 = 65532;
	a[1].i32 = 0x01020304;
	EXPECT_EQ(0, tcall(&t, "store", a, 2, NULL, 0, &err));
	EXPECT_EQ(0x01020304, call_i32(t.x, t.inst, "load", 65532, 0, 1));
	a[0].i32 = 65533;
	a[1].i32 = 0xdeadbeef;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, oob, tcall(&t, "store", a, 2, NULL, 0, &err), err);
	/* No partial write of the bytes that were in bounds. */
	EXPECT_EQ(0x04, mem[65532]);
	EXPECT_EQ(0x03, mem[65533]);
	EXPECT_EQ(0x02, mem[65534]);
	EXPECT_EQ(0x01, mem[65535]);
	/* memory.fill checks the whole range before writing. */
	a[0].i32 = 65530;
	a[1].i32 = 0xaa;
	a[2].i32 = 10;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, oob, tcall(&t, "fill", a, 3, NULL, 0, &err), err);
	EXPECT_EQ(0, mem[65530]);
	EXPECT_EQ(0x01, mem[65535]);
	a[0].i32 = 65536; /* an empty fill at the end is in bounds, one past is not */
	a[2].i32 = 0;
	EXPECT_EQ(0, tcall(&t, "fill", a, 3, NULL, 0, &err));
	a[0].i32 = 65537;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, oob, tcall(&t, "fill", a, 3, NULL, 0, &err), err);
	trap_env_close(&t);
}

TEST(trap_integer_divide_by_zero)
{
	static const char msg[] = "integer divide by zero";
	trap_env t;
	wm_val a[2], r;
	st_err err;

	REQUIRE(trap_env_open(&t) == 0);
	a[0].i32 = 7;
	a[1].i32 = 0;
	EXPECT_TRAP(WM_TRAP_DIV_ZERO, msg, tcall(&t, "div_s", a, 2, &r, 1, &err), err);
	EXPECT_TRAP(WM_TRAP_DIV_ZERO, msg, tcall(&t, "div_u", a, 2, &r, 1, &err), err);
	EXPECT_TRAP(WM_TRAP_DIV_ZERO, msg, tcall(&t, "rem_s", a, 2, &r, 1, &err), err);
	a[0].i64 = 7;
	a[1].i64 = 0;
	EXPECT_TRAP(WM_TRAP_DIV_ZERO, msg, tcall(&t, "div_s64", a, 2, &r, 1, &err), err);
	EXPECT_EQ((uint32_t)-3, call_i32(t.x, t.inst, "div_s", (uint32_t)-7, 2, 2));
	trap_env_close(&t);
}

TEST(trap_integer_overflow_int_min_by_minus_one)
{
	static const char msg[] = "integer overflow";
	trap_env t;
	wm_val a[2], r;
	st_err err;

	REQUIRE(trap_env_open(&t) == 0);
	a[0].i32 = 0x80000000u;
	a[1].i32 = UINT32_MAX; /* -1 */
	EXPECT_TRAP(WM_TRAP_INT_OVERFLOW, msg, tcall(&t, "div_s", a, 2, &r, 1, &err), err);
	a[0].i64 = UINT64_C(0x8000000000000000);
	a[1].i64 = UINT64_MAX;
	EXPECT_TRAP(WM_TRAP_INT_OVERFLOW, msg, tcall(&t, "div_s64", a, 2, &r, 1, &err), err);
	/* The remainder of the same pair is defined: 0, no trap. */
	EXPECT_EQ(0, call_i32(t.x, t.inst, "rem_s", 0x80000000u, UINT32_MAX, 2));
	/* An unsigned divide of the same bits is fine. */
	EXPECT_EQ(0, call_i32(t.x, t.inst, "div_u", 0x80000000u, UINT32_MAX, 2));
	trap_env_close(&t);
}

TEST(trap_invalid_conversion_trunc_nan)
{
	trap_env t;
	wm_val a, r;
	st_err err;

	REQUIRE(trap_env_open(&t) == 0);
	a.bits = 0;
	a.f32 = NAN;
	EXPECT_TRAP(WM_TRAP_INVALID_CONVERSION, "invalid conversion to integer",
	            tcall(&t, "trunc", &a, 1, &r, 1, &err), err);
	a.bits = 0;
	a.f64 = NAN;
	EXPECT_TRAP(WM_TRAP_INVALID_CONVERSION, "invalid conversion to integer",
	            tcall(&t, "trunc64", &a, 1, &r, 1, &err), err);
	/* Out of range is an overflow, not an invalid conversion. */
	a.bits = 0;
	a.f32 = 3e9f;
	EXPECT_TRAP(WM_TRAP_INT_OVERFLOW, "integer overflow",
	            tcall(&t, "trunc", &a, 1, &r, 1, &err), err);
	a.f64 = -1.0;
	EXPECT_TRAP(WM_TRAP_INT_OVERFLOW, "integer overflow",
	            tcall(&t, "trunc64", &a, 1, &r, 1, &err), err);
	a.f64 = -0.75; /* truncates to -0: representable as u64 0 */
	EXPECT_EQ(0, tcall(&t, "trunc64", &a, 1, &r, 1, &err));
	EXPECT_U64(0, r.i64);
	a.bits = 0;
	a.f32 = -2.5f;
	EXPECT_EQ(0, tcall(&t, "trunc", &a, 1, &r, 1, &err));
	EXPECT_EQ(-2, (int32_t)r.i32);
	trap_env_close(&t);
}

TEST(trap_call_indirect_undefined_uninitialized_mismatch)
{
	trap_env t;
	wm_val a, r;
	st_err err;

	REQUIRE(trap_env_open(&t) == 0);
	EXPECT_EQ(7, call_i32(t.x, t.inst, "call_v_i", 0, 0, 1));
	/* Slot 1 holds $id, (i32) -> i32, called as () -> i32. */
	a.i32 = 1;
	EXPECT_TRAP(WM_TRAP_INDIRECT_MISMATCH, "indirect call type mismatch",
	            tcall(&t, "call_v_i", &a, 1, &r, 1, &err), err);
	/* Slots 2 and 3 exist but are null. */
	a.i32 = 2;
	EXPECT_TRAP(WM_TRAP_UNINITIALIZED_ELEMENT, "uninitialized element",
	            tcall(&t, "call_v_i", &a, 1, &r, 1, &err), err);
	/* The table has 4 slots. */
	a.i32 = 4;
	EXPECT_TRAP(WM_TRAP_UNDEFINED_ELEMENT, "undefined element",
	            tcall(&t, "call_v_i", &a, 1, &r, 1, &err), err);
	a.i32 = UINT32_MAX;
	EXPECT_TRAP(WM_TRAP_UNDEFINED_ELEMENT, "undefined element",
	            tcall(&t, "call_v_i", &a, 1, &r, 1, &err), err);
	/* Clearing slot 0 from wasm makes it uninitialized. */
	a.i32 = 0;
	EXPECT_EQ(0, tcall(&t, "table_set_null", &a, 1, NULL, 0, &err));
	EXPECT_TRAP(WM_TRAP_UNINITIALIZED_ELEMENT, "uninitialized element",
	            tcall(&t, "call_v_i", &a, 1, &r, 1, &err), err);
	trap_env_close(&t);
}

TEST(trap_table_oob_on_table_get_and_set)
{
	static const char msg[] = "out of bounds table access";
	trap_env t;
	wm_val a, r, res;
	st_err err;

	REQUIRE(trap_env_open(&t) == 0);
	a.i32 = 3;
	r.ref = &a;
	EXPECT_EQ(0, tcall(&t, "table_get", &a, 1, &r, 1, &err));
	EXPECT_TRUE(r.ref == NULL);
	/* A funcref handed out is a wm_func the embedder can call. */
	a.i32 = 0;
	EXPECT_EQ(0, tcall(&t, "table_get", &a, 1, &r, 1, &err));
	REQUIRE(r.ref != NULL);
	EXPECT_EQ(0, wm_call(t.x, r.ref, NULL, 0, &res, 1, &err));
	EXPECT_EQ(7, res.i32);
	a.i32 = 4;
	EXPECT_TRAP(WM_TRAP_TABLE_OOB, msg, tcall(&t, "table_get", &a, 1, &r, 1, &err), err);
	EXPECT_TRAP(WM_TRAP_TABLE_OOB, msg, tcall(&t, "table_set_null", &a, 1, NULL, 0, &err), err);
	a.i32 = UINT32_MAX;
	EXPECT_TRAP(WM_TRAP_TABLE_OOB, msg, tcall(&t, "table_get", &a, 1, &r, 1, &err), err);
	EXPECT_EQ(7, call_i32(t.x, t.inst, "call_v_i", 0, 0, 1));
	trap_env_close(&t);
}

TEST(trap_texts_name_every_kind)
{
	for (int k = WM_TRAP_NONE; k <= WM_TRAP_EXIT; k++) {
		const char *s = wm_trap_text((wm_trap_kind)k);

		EXPECT_TRUE(s && *s && strcmp(s, "unknown trap") != 0);
	}
	EXPECT_STR("call stack exhausted", wm_trap_text(WM_TRAP_STACK_EXHAUSTED));
	EXPECT_STR("unknown trap", wm_trap_text((wm_trap_kind)999));
}

/* ----------------------------------------------------------------------- */
/* Host functions */

/* env.add3(i32, i64, f64) -> f64: a + b + c, recording what it saw in ud. */
typedef struct add3_seen {
	wm_instance *caller;
	uint32_t a;
	uint64_t b;
	double c;
	int calls;
} add3_seen;

static int host_add3(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results, void *ud)
{
	add3_seen *s = ud;

	(void)x;
	s->caller = caller;
	s->a = args[0].i32;
	s->b = args[1].i64;
	s->c = args[2].f64;
	s->calls++;
	results[0].f64 = (double)(int32_t)args[0].i32 + (double)(int64_t)args[1].i64 + args[2].f64;
	return 0;
}

/*
 * env.sum_mem(ptr, len) -> i32: sums the guest's bytes [ptr, ptr+len),
 * stores the sum as a little-endian u32 at ptr+len and returns it.
 */
static int host_sum_mem(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                        void *ud)
{
	wm_memory *mem = caller ? wm_instance_memory(caller) : NULL;
	uint64_t ptr = args[0].i32, len = args[1].i32;
	uint32_t sum = 0;
	uint8_t *p;

	(void)ud;
	if (!mem)
		return wm_trap_set(x, WM_TRAP_HOST, "no memory");
	if (ptr + len + 4 > wm_memory_size(mem))
		return wm_trap_set(x, WM_TRAP_MEMORY_OOB, "sum_mem: %llu+%llu out of bounds",
		                   (unsigned long long)ptr, (unsigned long long)len);
	p = wm_memory_data(mem);
	for (uint64_t i = 0; i < len; i++)
		sum += p[ptr + i];
	for (int i = 0; i < 4; i++)
		p[ptr + len + (uint64_t)i] = (uint8_t)(sum >> (8 * i));
	results[0].i32 = sum;
	return 0;
}

/* env.fail(code): 0 returns a bare ST_EIO, anything else fails through wm_trap_set. */
static int host_fail(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results, void *ud)
{
	(void)caller, (void)results, (void)ud;
	if (args[0].i32 == 0)
		return ST_EIO;
	return wm_trap_set(x, WM_TRAP_HOST, "denied by policy %u", args[0].i32);
}

/* env.callback(n) -> i32: returns the caller's "scribble"(n), a nested wm_call. */
static int host_callback(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                         void *ud)
{
	wm_func *f = wm_instance_func(caller, "scribble");
	int *calls = ud;

	(*calls)++;
	if (!f)
		return wm_trap_set(x, WM_TRAP_HOST, "no scribble");
	return wm_call(x, f, args, 1, results, 1, NULL);
}

typedef struct host_env {
	add3_seen seen;
	int callbacks;
	host_import imports[5];
	wm_module *m;
	wm_exec *x;
	wm_instance *inst;
} host_env;

static int host_env_open(host_env *h)
{
	static const wm_functype add3_t = { 3, 1, vt_i32_i64_f64, vt_f64 };
	static const wm_functype sum_t = { 2, 1, vt_i32_i32, vt_i32 };
	static const wm_functype fail_t = { 1, 0, vt_i32, NULL };
	static const wm_functype cb_t = { 1, 1, vt_i32, vt_i32 };

	memset(h, 0, sizeof(*h));
	h->imports[0] = (host_import){ "add3", wm_func_new_host(&add3_t, host_add3, &h->seen) };
	h->imports[1] = (host_import){ "sum_mem", wm_func_new_host(&sum_t, host_sum_mem, NULL) };
	h->imports[2] = (host_import){ "fail", wm_func_new_host(&fail_t, host_fail, NULL) };
	h->imports[3] =
		(host_import){ "callback", wm_func_new_host(&cb_t, host_callback, &h->callbacks) };
	h->imports[4] = (host_import){ NULL, NULL };
	h->m = load(host_wasm, sizeof(host_wasm));
	h->x = exec_new(0, 0);
	h->inst = h->m && h->x ? inst_new(h->m, h->x, h->imports) : NULL;
	return h->inst ? 0 : -1;
}

static void host_env_close(host_env *h)
{
	wm_instance_unref(h->inst);
	free_imports(h->imports);
	wm_exec_free(h->x);
	wm_module_unref(h->m);
}

TEST(host_function_receives_args_and_returns_results)
{
	host_env h;
	wm_val a[3], r;
	st_err err;

	REQUIRE(host_env_open(&h) == 0);
	EXPECT_EQ(WM_F64, wm_func_type(h.imports[0].func)->results[0]);
	EXPECT_EQ(3, wm_func_type(h.imports[0].func)->nparams);
	a[0].i32 = (uint32_t)-5;
	a[1].i64 = UINT64_C(1) << 40;
	a[2].f64 = 0.25;
	EXPECT_EQ(0, call(h.x, h.inst, "call_add3", a, 3, &r, 1, &err));
	EXPECT_TRUE(r.f64 == (double)(UINT64_C(1) << 40) - 5 + 0.25);
	EXPECT_EQ(1, h.seen.calls);
	EXPECT_U64((uint32_t)-5, h.seen.a);
	EXPECT_U64(UINT64_C(1) << 40, h.seen.b);
	EXPECT_TRUE(h.seen.c == 0.25);
	EXPECT_TRUE(h.seen.caller == h.inst);
	/* Called directly by the embedder: no caller instance. */
	EXPECT_EQ(0, wm_call(h.x, h.imports[0].func, a, 3, &r, 1, &err));
	EXPECT_EQ(2, h.seen.calls);
	EXPECT_TRUE(h.seen.caller == NULL);
	EXPECT_TRUE(r.f64 == (double)(UINT64_C(1) << 40) - 5 + 0.25);
	host_env_close(&h);
}

TEST(host_function_reads_and_writes_guest_memory)
{
	host_env h;
	uint8_t *mem;
	wm_val a[2], r;
	st_err err;

	REQUIRE(host_env_open(&h) == 0);
	mem = wm_memory_data(wm_instance_memory(h.inst));
	for (int i = 0; i < 10; i++)
		mem[100 + i] = (uint8_t)(i + 1); /* sum 55 */
	EXPECT_EQ(55, call_i32(h.x, h.inst, "call_sum", 100, 10, 2));
	EXPECT_EQ(55, mem[110]);
	EXPECT_EQ(0, mem[111]);
	/* The host's bounds check fails the call with its own kind and message. */
	a[0].i32 = 65530;
	a[1].i32 = 4;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, "sum_mem: 65530+4 out of bounds",
	            call(h.x, h.inst, "call_sum", a, 2, &r, 1, &err), err);
	EXPECT_EQ(55, call_i32(h.x, h.inst, "call_sum", 100, 10, 2));
	host_env_close(&h);
}

TEST(host_function_trap_set_fails_call_with_message)
{
	host_env h;
	wm_val a, r;
	st_err err;

	REQUIRE(host_env_open(&h) == 0);
	a.i32 = 42;
	EXPECT_TRAP(WM_TRAP_HOST, "denied by policy 42",
	            call(h.x, h.inst, "call_fail", &a, 1, &r, 1, &err), err);
	/* A bare negative code still traps, as a host trap. */
	a.i32 = 0;
	EXPECT_EQ(ST_ETRAP, call(h.x, h.inst, "call_fail", &a, 1, &r, 1, &err));
	EXPECT_EQ(WM_TRAP_HOST, err.kind);
	EXPECT_TRUE(err.msg[0] != '\0');
	/* Directly from the embedder, too. */
	a.i32 = 7;
	st_err_clear(&err);
	EXPECT_EQ(ST_ETRAP, wm_call(h.x, h.imports[2].func, &a, 1, NULL, 0, &err));
	EXPECT_EQ(WM_TRAP_HOST, err.kind);
	EXPECT_STR("denied by policy 7", err.msg);
	EXPECT_EQ(0, call_i32(h.x, h.inst, "call_sum", 0, 0, 2));
	host_env_close(&h);
}

TEST(host_function_calls_back_into_wasm_on_same_exec)
{
	host_env h;

	REQUIRE(host_env_open(&h) == 0);
	/* call_back(x) = callback(x) + 1000 + x, callback(x) = scribble(x) = 2x. */
	EXPECT_EQ(3 * 5 + 1000, call_i32(h.x, h.inst, "call_back", 5, 0, 1));
	EXPECT_EQ(1, h.callbacks);
	EXPECT_EQ(3 * 77 + 1000, call_i32(h.x, h.inst, "call_back", 77, 0, 1));
	EXPECT_EQ(2, h.callbacks);
	EXPECT_EQ(20, call_i32(h.x, h.inst, "scribble", 10, 0, 1));
	host_env_close(&h);
}

/* ----------------------------------------------------------------------- */
/* One module, many instances */

TEST(instances_have_independent_memories_and_globals)
{
	wm_module *m = load(inst_wasm, sizeof(inst_wasm));
	wm_exec *x = exec_new(0, 0);
	wm_instance *a, *b;
	wm_extern ga, gb;

	REQUIRE(m && x);
	a = inst_new(m, x, NULL);
	b = inst_new(m, x, NULL);
	REQUIRE(a && b);
	EXPECT_TRUE(wm_instance_module(a) == m && wm_instance_module(b) == m);
	EXPECT_TRUE(wm_instance_memory(a) != wm_instance_memory(b));
	EXPECT_EQ(42, call_i32(x, a, "load", 16, 0, 1));
	call_void(x, a, "set", 16, 111, 2);
	EXPECT_EQ(111, call_i32(x, a, "get_g", 0, 0, 0));
	EXPECT_EQ(111, call_i32(x, a, "load", 16, 0, 1));
	/* b kept its own data segment copy and global. */
	EXPECT_EQ(42, call_i32(x, b, "load", 16, 0, 1));
	EXPECT_EQ(0, call_i32(x, b, "get_g", 0, 0, 0));
	REQUIRE(wm_instance_export(a, "g", 1, &ga) == 0);
	REQUIRE(wm_instance_export(b, "g", 1, &gb) == 0);
	EXPECT_EQ(WM_EXTERN_GLOBAL, ga.kind);
	EXPECT_EQ(111, wm_global_get(ga.of.global).i32);
	EXPECT_EQ(0, wm_global_get(gb.of.global).i32);
	wm_global_set(gb.of.global, (wm_val){ .i32 = 9 });
	EXPECT_EQ(9, call_i32(x, b, "get_g", 0, 0, 0));
	EXPECT_EQ(111, call_i32(x, a, "get_g", 0, 0, 0));
	wm_instance_unref(a);
	/* b outlives a, and the module reference we drop now. */
	wm_module_unref(m);
	EXPECT_EQ(42, call_i32(x, b, "load", 16, 0, 1));
	wm_instance_unref(b);
	wm_exec_free(x);
}

TEST(instances_hundred_of_one_module)
{
	enum {
		N = 100
	};
	wm_module *m = load(inst_wasm, sizeof(inst_wasm));
	wm_exec *x = exec_new(0, 0);
	wm_instance *in[N];
	int made = 0;

	REQUIRE(m && x);
	for (; made < N; made++) {
		in[made] = inst_new(m, x, NULL);
		if (!in[made])
			break;
		call_void(x, in[made], "set", 0, (uint32_t)made * 3 + 1, 2);
	}
	EXPECT_EQ(N, made);
	for (int i = 0; i < made; i++) {
		EXPECT_EQ(i * 3 + 1, call_i32(x, in[i], "get_g", 0, 0, 0));
		EXPECT_EQ(i * 3 + 1, call_i32(x, in[i], "load", 0, 0, 1));
		EXPECT_EQ(42, call_i32(x, in[i], "load", 16, 0, 1));
	}
	for (int i = 0; i < made; i++)
		wm_instance_unref(in[i]);
	wm_exec_free(x);
	wm_module_unref(m);
}

/* The "work" export computed in C. */
static uint32_t work_expected(uint32_t seed, uint32_t n)
{
	uint32_t acc = seed;

	for (; n; n--)
		acc = acc * 31 + n;
	return acc;
}

typedef struct worker {
	wm_module *m;
	pthread_barrier_t *go;
	uint32_t seed;
	int fails; /* wrong results or failed calls */
	int calls;
} worker;

/* Own context and instance; many calls on the shared module. No EXPECT here (not thread-safe). */
static void *worker_run(void *arg)
{
	worker *w = arg;
	wm_exec *x = NULL;
	wm_instance *inst = NULL;
	wm_func *work, *load_f, *get_g;

	pthread_barrier_wait(w->go);
	if (wm_exec_new(&x, 0, 0, NULL) < 0 ||
	    wm_instance_new(&inst, w->m, x, NULL, NULL, NULL, 0, NULL) < 0) {
		w->fails++;
		goto out;
	}
	work = wm_instance_func(inst, "work");
	load_f = wm_instance_func(inst, "load");
	get_g = wm_instance_func(inst, "get_g");
	if (!work || !load_f || !get_g) {
		w->fails++;
		goto out;
	}
	for (uint32_t i = 0; i < 300; i++) {
		wm_val a[2] = { { .i32 = w->seed + i }, { .i32 = 500 + i } };
		wm_val r = { .bits = 0 }, r2 = { .bits = 0 }, addr = { .i32 = 64 };
		uint32_t want = work_expected(w->seed + i, 500 + i);

		w->calls++;
		if (wm_call(x, work, a, 2, &r, 1, NULL) < 0 || r.i32 != want)
			w->fails++;
		if (wm_call(x, load_f, &addr, 1, &r2, 1, NULL) < 0 || r2.i32 != want)
			w->fails++;
		if (wm_call(x, get_g, NULL, 0, &r2, 1, NULL) < 0 || r2.i32 != 0)
			w->fails++;
	}
out:
	wm_instance_unref(inst);
	wm_exec_free(x);
	return NULL;
}

TEST(instances_two_threads_share_one_module)
{
	wm_module *m = load(inst_wasm, sizeof(inst_wasm));
	pthread_barrier_t go;
	worker w[2];
	pthread_t th[2];

	REQUIRE(m);
	REQUIRE(pthread_barrier_init(&go, NULL, 2) == 0);
	for (int i = 0; i < 2; i++) {
		w[i] = (worker){ .m = m, .go = &go, .seed = 1000u * (uint32_t)(i + 1) };
		REQUIRE(pthread_create(&th[i], NULL, worker_run, &w[i]) == 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0, w[i].fails);
		EXPECT_EQ(300, w[i].calls);
	}
	pthread_barrier_destroy(&go);
	wm_module_unref(m);
}

/* ----------------------------------------------------------------------- */
/* Memory growth */

TEST(memory_grow_from_wasm_and_c_keeps_base_and_max)
{
	wm_module *m = load(grow_wasm, sizeof(grow_wasm));
	wm_exec *x = exec_new(0, 0);
	wm_instance *inst;
	wm_memory *mem;
	uint8_t *base;
	wm_val a, r;
	wm_limits lim;
	st_err err;

	REQUIRE(m && x);
	inst = inst_new(m, x, NULL);
	REQUIRE(inst);
	mem = wm_instance_memory(inst);
	REQUIRE(mem);
	base = wm_memory_data(mem);
	lim = wm_memory_limits(mem);
	EXPECT_EQ(1, lim.min);
	EXPECT_TRUE(lim.has_max && lim.max == 4);
	EXPECT_EQ(65536, wm_memory_size(mem));
	call_void(x, inst, "store", 100, 0x12345678, 2);
	a.i32 = 65536;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, "out of bounds memory access",
	            call(x, inst, "load", &a, 1, &r, 1, &err), err);

	/* From wasm: the old size in pages. */
	EXPECT_EQ(1, call_i32(x, inst, "grow", 1, 0, 1));
	EXPECT_EQ(2, call_i32(x, inst, "size", 0, 0, 0));
	EXPECT_EQ(2 * 65536, wm_memory_size(mem));
	EXPECT_EQ(0, call_i32(x, inst, "load", 65536, 0, 1)); /* new pages are zero */
	call_void(x, inst, "store", 65536, 7, 2);
	/* This engine reserves the maximum up front: the base does not move. */
	EXPECT_TRUE(wm_memory_data(mem) == base);
	EXPECT_EQ(7, base[65536]);
	EXPECT_EQ(0x78, base[100]);

	/* From C, seen by wasm. */
	EXPECT_EQ(2, wm_memory_grow(mem, 1));
	EXPECT_EQ(3 * 65536, wm_memory_size(mem));
	EXPECT_EQ(3, wm_memory_limits(mem).min);
	EXPECT_EQ(3, call_i32(x, inst, "size", 0, 0, 0));
	EXPECT_TRUE(wm_memory_data(mem) == base);
	base[2 * 65536 + 8] = 0x5a;
	EXPECT_EQ(0x5a, call_i32(x, inst, "load", 2 * 65536 + 8, 0, 1));
	call_void(x, inst, "store", 3 * 65536 - 4, 0x01020304, 2);
	EXPECT_EQ(0x01, base[3 * 65536 - 1]);
	EXPECT_EQ(0x12345678, call_i32(x, inst, "load", 100, 0, 1));

	/* Past the maximum: -1 and nothing changes. */
	EXPECT_EQ(-1, (int32_t)call_i32(x, inst, "grow", 2, 0, 1));
	EXPECT_EQ(-1, wm_memory_grow(mem, 2));
	EXPECT_EQ(-1, (int32_t)call_i32(x, inst, "grow", 0x10000, 0, 1));
	EXPECT_EQ(-1, wm_memory_grow(mem, UINT64_MAX));
	EXPECT_EQ(3, call_i32(x, inst, "size", 0, 0, 0));
	EXPECT_EQ(3 * 65536, wm_memory_size(mem));
	/* Up to the maximum exactly, then no further. */
	EXPECT_EQ(3, call_i32(x, inst, "grow", 1, 0, 1));
	EXPECT_EQ(-1, (int32_t)call_i32(x, inst, "grow", 1, 0, 1));
	EXPECT_EQ(-1, wm_memory_grow(mem, 1));
	EXPECT_EQ(4, call_i32(x, inst, "grow", 0, 0, 1));
	EXPECT_EQ(4, wm_memory_grow(mem, 0));
	EXPECT_EQ(0, call_i32(x, inst, "load", 4 * 65536 - 4, 0, 1));
	a.i32 = 4 * 65536 - 3;
	EXPECT_TRAP(WM_TRAP_MEMORY_OOB, "out of bounds memory access",
	            call(x, inst, "load", &a, 1, &r, 1, &err), err);
	EXPECT_TRUE(wm_memory_data(mem) == base);
	wm_instance_unref(inst);
	wm_exec_free(x);
	wm_module_unref(m);
}

/* ----------------------------------------------------------------------- */
/* Custom sections, multi-value, argument checks, decoding */

TEST(module_custom_finds_jwt_and_counts_duplicates)
{
	wm_module *m = load(custom_wasm, sizeof(custom_wasm));
	const uint8_t *data = NULL;
	size_t len = 0;

	REQUIRE(m);
	EXPECT_EQ(2, wm_module_custom(m, "jwt", &data, &len));
	EXPECT_EQ(18, len);
	EXPECT_TRUE(data && memcmp(data, "eyJ0eXAiOiJqd3QifQ", 18) == 0);
	/* The payload is the module's copy, not the caller's buffer. */
	EXPECT_TRUE(data < custom_wasm || data >= custom_wasm + sizeof(custom_wasm));
	EXPECT_EQ(1, wm_module_custom(m, "jwtx", &data, &len));
	EXPECT_EQ(2, len);
	EXPECT_TRUE(data && memcmp(data, "no", 2) == 0);
	EXPECT_EQ(0, wm_module_custom(m, "jw", &data, &len));
	EXPECT_EQ(0, wm_module_custom(m, "claims", NULL, NULL));
	EXPECT_EQ(2, wm_module_custom(m, "jwt", NULL, NULL));
	wm_module_unref(m);
}

TEST(call_returns_multiple_values)
{
	wm_module *m = load(multi_wasm, sizeof(multi_wasm));
	wm_exec *x = exec_new(0, 0);
	wm_instance *inst;
	wm_val a[3], r[3];
	st_err err;

	REQUIRE(m && x);
	inst = inst_new(m, x, NULL);
	REQUIRE(inst);
	a[0].i32 = 0xfffffff0u;
	a[1].i64 = UINT64_C(0x123456789abcdef0);
	a[2].f64 = -1.5;
	EXPECT_EQ(0, call(x, inst, "swap3", a, 3, r, 3, &err));
	EXPECT_TRUE(r[0].f64 == -1.5);
	EXPECT_U64(UINT64_C(0x123456789abcdef0), r[1].i64);
	EXPECT_U64(0xfffffff0u, r[2].i32);
	memset(r, 0, sizeof(r));
	EXPECT_EQ(0, call(x, inst, "swap_twice", a, 3, r, 3, &err));
	EXPECT_U64(0xfffffff0u, r[0].i32);
	EXPECT_U64(UINT64_C(0x123456789abcdef0), r[1].i64);
	EXPECT_TRUE(r[2].f64 == -1.5);
	a[0].i32 = 17;
	a[1].i32 = 5;
	EXPECT_EQ(0, call(x, inst, "divmod", a, 2, r, 2, &err));
	EXPECT_EQ(3, r[0].i32);
	EXPECT_EQ(2, r[1].i32);
	wm_instance_unref(inst);
	wm_exec_free(x);
	wm_module_unref(m);
}

TEST(call_rejects_wrong_arg_or_result_count)
{
	wm_module *m = load(multi_wasm, sizeof(multi_wasm));
	wm_exec *x = exec_new(0, 0);
	wm_instance *inst;
	wm_val a[4] = { { .bits = 0 } }, r[4];
	st_err err;

	REQUIRE(m && x);
	inst = inst_new(m, x, NULL);
	REQUIRE(inst);
	EXPECT_EQ(ST_EINVAL, call(x, inst, "swap3", a, 2, r, 3, &err));
	EXPECT_EQ(ST_EINVAL, err.code);
	EXPECT_EQ(ST_EINVAL, call(x, inst, "swap3", a, 4, r, 3, &err));
	EXPECT_EQ(ST_EINVAL, call(x, inst, "swap3", a, 3, r, 2, &err));
	EXPECT_EQ(ST_EINVAL, call(x, inst, "divmod", NULL, 0, r, 2, &err));
	EXPECT_TRAP(WM_TRAP_DIV_ZERO, "integer divide by zero",
	            call(x, inst, "divmod", a, 2, r, 2, &err), err);
	a[0].i32 = 9;
	a[1].i32 = 4;
	EXPECT_EQ(0, call(x, inst, "divmod", a, 2, r, 2, &err));
	EXPECT_EQ(2, r[0].i32);
	EXPECT_EQ(1, r[1].i32);
	wm_instance_unref(inst);
	wm_exec_free(x);
	wm_module_unref(m);
}

/* Offsets where a section of bytes[0..len) ends (a prefix there is a whole module). */
static int is_section_end(const uint8_t *bytes, size_t len, size_t at)
{
	size_t pos = 8;

	if (at == 8)
		return 1;
	while (pos < len) {
		uint32_t size = 0;
		int shift = 0;

		pos++; /* id */
		while (pos < len) {
			uint8_t b = bytes[pos++];

			size |= (uint32_t)(b & 0x7f) << shift;
			shift += 7;
			if (!(b & 0x80))
				break;
		}
		pos += size;
		if (pos == at)
			return 1;
	}
	return 0;
}

TEST(decode_rejects_truncated_module_with_offset)
{
	const size_t len = sizeof(traps_wasm);
	wm_module *m = NULL;
	st_err err;
	int malformed = 0;

	/* Cut in the last function body: malformed, at or before the cut. */
	st_err_clear(&err);
	EXPECT_EQ(ST_EMALFORMED, wm_module_new(&m, traps_wasm, len - 1, &err));
	EXPECT_TRUE(m == NULL);
	EXPECT_TRUE(err.offset >= 8 && err.offset <= (int64_t)len - 1);
	EXPECT_TRUE(err.msg[0] != '\0');
	/* Header only, cut short. */
	st_err_clear(&err);
	EXPECT_EQ(ST_EMALFORMED, wm_module_new(&m, traps_wasm, 6, &err));
	EXPECT_EQ(6, err.offset);
	/* Every prefix: a whole module only at a section end, otherwise malformed with an offset. */
	for (size_t cut = 0; cut < len; cut++) {
		int rc;

		m = NULL;
		st_err_clear(&err);
		rc = wm_module_new(&m, traps_wasm, cut, &err);
		if (rc == 0) {
			if (!is_section_end(traps_wasm, len, cut))
				TEST_FAIL_("prefix of %zu bytes accepted", cut);
			wm_module_unref(m);
			continue;
		}
		malformed++;
		if (rc != ST_EMALFORMED || err.offset < 0 || err.offset > (int64_t)cut)
			TEST_FAIL_("prefix of %zu bytes: %s, offset %lld (%s)", cut, st_errname(rc),
			           (long long)err.offset, err.msg);
		EXPECT_TRUE(m == NULL);
	}
	EXPECT_TRUE(malformed > (int)len - 20);
}

TEST(decode_rejects_simd_with_enosys)
{
	wm_module *m = NULL;
	st_err err;

	st_err_clear(&err);
	EXPECT_EQ(ST_ENOSYS, wm_module_new(&m, simd_type_wasm, sizeof(simd_type_wasm), &err));
	EXPECT_TRUE(m == NULL);
	EXPECT_TRUE(strstr(err.msg, "SIMD") != NULL);
	st_err_clear(&err);
	EXPECT_EQ(ST_ENOSYS, wm_module_new(&m, simd_op_wasm, sizeof(simd_op_wasm), &err));
	EXPECT_TRUE(m == NULL);
	EXPECT_TRUE(strstr(err.msg, "SIMD") != NULL);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
