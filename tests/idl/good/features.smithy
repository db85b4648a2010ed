// features.smithy - exercises what interfaces/ does not use but the subset
// of interfaces/README.md allows (union, Timestamp in MessagePack, enum
// members without values, prelude integers, @unsignedInt simple shapes,
// members named like C keywords, bare Blob/Timestamp/enum operation values,
// a CBOR service with an optional Timestamp in the middle). Generated into
// the build tree (tests/idl/CMakeLists.txt) and covered by the round trip
// of unit.idl_roundtrip, unit.idl_features and idl.wasm32_compile.
$version: "2"

namespace stratus.test.features

use stratus.model#wasmbus
use stratus.model#n
use stratus.model#wireName
use stratus.model#unsignedInt
use stratus.model#blobFormat
use stratus.model#StringMap

@unsignedInt
byte Octet

string Label

@wasmbus(contractId: "stratus:features", providerReceive: true)
service Features {
    operations: [PutBlob, Stamp, Pick, Nothing]
}

@wasmbus(contractId: "stratus:features", actorReceive: true, protocol: "2")
service FeaturesCbor {
    operations: [Record, Nothing]
}

/// Bare Blob in, bare Timestamp out.
operation PutBlob {
    input: Blob
    output: Timestamp
}

/// Bare Timestamp in, enum out.
operation Stamp {
    input: Timestamp
    output: Color
}

operation Pick {
    input: Choice
    output: Everything
}

/// Unit in, Unit out.
operation Nothing {}

operation Record {
    input: Everything
    output: Records
}

enum Color {
    RED
    GREEN = "green"
    DARK_BLUE = "dark-blue"
}

union Choice {
    @n(0)
    name: String

    @n(1)
    number: Long

    @n(2)
    when: Timestamp

    @n(3)
    tags: StringMap
}

list Records {
    member: Everything
}

list Blobs {
    @blobFormat("cbor")
    member: Blob
}

map ColorMap {
    key: Label
    value: Color
}

structure Everything {
    @required @n(0)
    default: String

    @n(1)
    int: Integer

    @required @n(2) @wireName("short_value")
    shortValue: Short

    @n(3)
    tiny: Byte

    @required @n(4)
    octet: Octet

    @n(5)
    big: Long

    @n(6)
    created: Timestamp

    @required @n(7)
    color: Color

    @n(8)
    colors: ColorMap

    @required @n(9)
    updated: Timestamp

    @n(10)
    blobs: Blobs

    @required @n(11)
    label: Label

    @n(12)
    flag: Boolean
}
