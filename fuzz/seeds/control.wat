;; Blocks, loops, br_table, multi-value blocks, select, calls (direct,
;; indirect, deep recursion that exhausts the stack) and a runaway loop
;; that only fuel stops.
(module
  (type $bin (func (param i32 i32) (result i32)))
  (table funcref (elem $add $sub))
  (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
  (func (export "dispatch") (param $i i32) (result i32)
    (call_indirect (type $bin) (i32.const 7) (i32.const 3) (local.get $i)))
  (func (export "bad_index") (result i32)
    (call_indirect (type $bin) (i32.const 1) (i32.const 2) (i32.const 9)))
  (func (export "switch") (param $i i32) (result i32)
    (block $c (block $b (block $a
      (br_table $a $b $c (local.get $i)))
      (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30))
  (func (export "count") (param $n i32) (result i32)
    (local $acc i32)
    (local.set $n (i32.add (local.get $n) (i32.const 100)))
    (loop $top
      (local.set $acc (i32.add (local.get $acc) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $top (local.get $n)))
    (local.get $acc))
  (func $pair (param i32) (result i32 i64)
    (local.get 0) (i64.extend_i32_s (local.get 0)))
  (func (export "multi") (param i32) (result i64)
    (local $w i64)
    local.get 0
    block (param i32) (result i32 i64)
      call $pair
    end
    local.set $w
    drop
    (i64.add (local.get $w) (select (i64.const 1) (i64.const 2) (local.get 0))))
  (func $fact (export "fact") (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 1))
      (else (i64.mul (local.get $n) (call $fact (i64.sub (local.get $n) (i64.const 1)))))))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "spin") (loop $l (br $l)))
  (func (export "unreachable") (unreachable)))
