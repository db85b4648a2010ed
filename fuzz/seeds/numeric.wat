;; Integer and float arithmetic, conversions (trapping and saturating),
;; sign extension, and the traps of division and conversion.
(module
  (func (export "i32_ops") (param $a i32) (param $b i32) (result i32)
    (i32.add
      (i32.xor (i32.rotl (local.get $a) (local.get $b)) (i32.popcnt (local.get $b)))
      (i32.sub (i32.clz (local.get $a)) (i32.ctz (local.get $b)))))
  (func (export "i32_div") (param $a i32) (param $b i32) (result i32)
    (i32.div_s (local.get $a) (local.get $b)))
  (func (export "i32_overflow") (result i32)
    (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "i64_ops") (param $a i64) (param $b i64) (result i64)
    (i64.rem_u
      (i64.mul (i64.shr_s (local.get $a) (local.get $b)) (i64.extend32_s (local.get $a)))
      (i64.or (local.get $b) (i64.const 7))))
  (func (export "f32_ops") (param $x f32) (result f32)
    (f32.copysign (f32.sqrt (f32.nearest (local.get $x))) (f32.const -0.0)))
  (func (export "f64_ops") (param $x f64) (param $y f64) (result f64)
    (f64.min (f64.div (local.get $x) (local.get $y)) (f64.max (local.get $x) (f64.const nan))))
  (func (export "trunc") (param $x f64) (result i32)
    (i32.trunc_f64_s (f64.div (local.get $x) (f64.const 0))))
  (func (export "trunc_sat") (param $x f32) (result i64)
    (i64.trunc_sat_f32_u (f32.div (f32.const 1) (local.get $x))))
  (func (export "convert") (param $a i64) (result f64)
    (f64.add
      (f64.convert_i64_u (local.get $a))
      (f64.promote_f32 (f32.reinterpret_i32 (i32.wrap_i64 (local.get $a))))))
  (func (export "extend") (param $a i32) (result i32)
    (i32.add (i32.extend8_s (local.get $a)) (i32.extend16_s (i32.const 0x8000))))
  (func (export "compare") (param $a i64) (param $b f32) (result i32)
    (i32.and (i64.le_s (local.get $a) (i64.const 3))
             (f32.ne (local.get $b) (local.get $b)))))
