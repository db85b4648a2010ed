;; A start function that writes to an imported memory, calls a host
;; function and then traps, so instantiation fails after side effects and
;; the engine must clean up the half-made instance.
(module
  (import "env" "log" (func $log (param i32 f64) (result i32)))
  (import "env" "mem" (memory 1))
  (data (i32.const 8) "start")
  (func $start
    (i32.store (i32.const 0) (call $log (i32.const 1) (f64.const 2)))
    (if (i32.load (i32.const 0)) (then (return)))
    (unreachable))
  (start $start)
  (func (export "never") (result i32) (i32.const 1)))
