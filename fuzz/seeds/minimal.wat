;; The smallest modules worth mutating: the fuzzer grows sections from here.
(module
  (func (export "f") (result i32) (i32.const 42)))
