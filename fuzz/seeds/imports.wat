;; Imports of every kind, so the fuzzer's resolver and the engine's import
;; checks run; the exports use each imported object.
(module
  (import "env" "f_v" (func $f_v))
  (import "env" "f_ii_i" (func $f_ii_i (param i32 i32) (result i32)))
  (import "env" "f_multi" (func $f_multi (param i64 f32) (result f64 i32 externref)))
  (import "env" "mem" (memory 1 4))
  (import "env" "tab" (table 2 8 funcref))
  (import "env" "g_i32" (global $g_i32 i32))
  (import "env" "g_mut" (global $g_mut (mut i64)))
  (import "env" "g_ref" (global $g_ref externref))
  (export "call_host" (func $call_host))
  (export "reexport" (func $f_ii_i))
  (func $call_host (param $a i32) (result i32)
    call $f_v
    (drop (call $f_ii_i (local.get $a) (global.get $g_i32)))
    (call $f_multi (global.get $g_mut) (f32.const 1.5))
    drop
    drop
    drop
    (global.set $g_mut (i64.extend_i32_u (local.get $a)))
    (i32.store (i32.const 8) (memory.size))
    (drop (memory.grow (i32.const 1)))
    (i32.add (i32.load (i32.const 8)) (table.size 0)))
  (func (export "tab_call") (param i32) (result i32)
    (call_indirect (param i32 i32) (result i32)
      (i32.const 1) (i32.const 2) (local.get 0)))
  (func (export "ref_is_null") (result i32)
    (ref.is_null (global.get $g_ref))))
