// numbergen.smithy - contract wasmcloud:builtin:numbergen, a host built-in
// (no link; caller needs the claim; binding ignored). Follows
// interfaces.md section 11. MessagePack (1.2); outputs are bare values.
$version: "2"

namespace stratus.interface.numbergen

use stratus.model#wasmbus
use stratus.model#n
use stratus.model#U32

@wasmbus(contractId: "wasmcloud:builtin:numbergen", providerReceive: true)
service NumberGen {
    operations: [GenerateGuid, Random32, RandomInRange]
}

/// Input unit (0 bytes). Output: random UUID v4, lower-case hyphenated,
/// 36 chars -> d9 24 <36 bytes>.
operation GenerateGuid {
    output: String
}

/// Input unit. Uniform in 0..4294967295 inclusive.
operation Random32 {
    output: U32
}

// unverified: with min > max the 2022 host still returned a value between
// them (section 11 [S][U]); recommendation: swap the bounds.
/// Uniform in [min, max], both ends inclusive.
operation RandomInRange {
    input: RangeLimit
    output: U32
}

// unverified: section 11 gives no required markers for RangeLimit; Rust
// helpers always send both keys (82 a3 "min" 00 a3 "max" 64), so both are
// treated as required.
structure RangeLimit {
    @required @n(0)
    min: U32

    @required @n(1)
    max: U32
}
