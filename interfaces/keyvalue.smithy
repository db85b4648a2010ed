// keyvalue.smithy - contract wasmcloud:keyvalue; actor -> provider.
// Follows interfaces.md section 6 (operations, structures, Redis
// semantics). MessagePack (1.2). Top-level String / Boolean / integer /
// StringList inputs and outputs are encoded bare (1.2).
$version: "2"

namespace stratus.interface.keyvalue

use stratus.model#wasmbus
use stratus.model#n
use stratus.model#U32
use stratus.model#I32
use stratus.model#StringList

@wasmbus(contractId: "wasmcloud:keyvalue", providerReceive: true)
service KeyValue {
    operations: [
        Get, Set, Del, Contains, Increment,
        ListAdd, ListDel, ListRange, ListClear,
        SetAdd, SetDel, SetQuery, SetUnion, SetIntersection, SetClear
    ]
}

/// Input: the key. Missing key -> {value: "", exists: false}.
operation Get {
    input: String
    output: GetResponse
}

/// expires == 0: no expiry; else expiry in seconds. Output unit.
operation Set {
    input: SetRequest
}

/// Input: the key. True if a key was removed.
operation Del {
    input: String
    output: Boolean
}

/// Input: the key. True if it exists.
operation Contains {
    input: String
    output: Boolean
}

// unverified: results outside the I32 range fail conversion (section 6
// marks this [U]).
/// Adds value (may be negative); a missing key counts as 0; returns the
/// new value.
operation Increment {
    input: IncrementRequest
    output: I32
}

/// Appends to the end; returns the new length.
operation ListAdd {
    input: ListAddRequest
    output: U32
}

/// Removes the first occurrence; true if removed.
operation ListDel {
    input: ListDelRequest
    output: Boolean
}

/// Inclusive start..stop, 0-based, Redis negative-index semantics.
operation ListRange {
    input: ListRangeRequest
    output: StringList
}

/// Input: the list name. Deletes the list; true if it existed.
operation ListClear {
    input: String
    output: Boolean
}

/// 1 if added, 0 if already present.
operation SetAdd {
    input: SetAddRequest
    output: U32
}

/// 1 if removed, else 0.
operation SetDel {
    input: SetDelRequest
    output: U32
}

/// Input: the set name. All members, order unspecified.
operation SetQuery {
    input: String
    output: StringList
}

/// Input: the set names.
operation SetUnion {
    input: StringList
    output: StringList
}

/// Input: the set names.
operation SetIntersection {
    input: StringList
    output: StringList
}

/// Input: the set name. Deletes the set; true if it existed.
operation SetClear {
    input: String
    output: Boolean
}

structure GetResponse {
    @required @n(0)
    value: String

    @required @n(1)
    exists: Boolean
}

structure SetRequest {
    @required @n(0)
    key: String

    @required @n(1)
    value: String

    /// Seconds; 0 = never.
    @required @n(2)
    expires: U32
}

/// kvcounter example: 82 a3 "key" b0 "counter::foo:bar" a5 "value" 01.
structure IncrementRequest {
    @required @n(0)
    key: String

    @required @n(1)
    value: I32
}

structure ListAddRequest {
    @required @n(0)
    listName: String

    @required @n(1)
    value: String
}

structure ListDelRequest {
    @required @n(0)
    listName: String

    @required @n(1)
    value: String
}

structure ListRangeRequest {
    @required @n(0)
    listName: String

    @required @n(1)
    start: I32

    @required @n(2)
    stop: I32
}

structure SetAddRequest {
    @required @n(0)
    setName: String

    @required @n(1)
    value: String
}

structure SetDelRequest {
    @required @n(0)
    setName: String

    @required @n(1)
    value: String
}
