// model.smithy - shared traits, integer aliases and common aggregates.
// Follows interfaces.md section 1 (encoding rules 1.1-1.3). Every other
// file in interfaces/ uses these shapes; the code generator treats the
// traits and scalar aliases below as built-ins (see README.md).
$version: "2"

namespace stratus.model

/// Marks a service as a wasmbus contract (interfaces.md 1.1, 1.3).
/// contractId: the capability contract id used as host-call namespace
///   (absent for services not bound to a contract, e.g. Actor, Pingpong).
/// actorReceive: operations are invoked ON an actor (actor exports them).
/// providerReceive: operations are invoked BY an actor on a provider or
///   on a host built-in (actor imports them through __host_call).
/// protocol: payload encoding; absent or "0" = MessagePack (1.2),
///   "2" = CBOR with the 0x7f prefix byte (1.3).
@trait(selector: "service")
structure wasmbus {
    contractId: String
    actorReceive: Boolean
    providerReceive: Boolean
    protocol: String
}

/// Field number of a structure member. Encoders emit MessagePack map
/// entries in this order (1.2) and it is the CBOR array slot (1.3).
/// Numbers start at 0 and follow the table order of interfaces.md.
@trait(selector: "structure > member")
@range(min: 0)
integer n

/// Wire name of a member when it differs from the member name
/// (only the core/envelope types, which use snake_case, 1.2).
@trait(selector: "structure > member")
string wireName

/// A Blob whose content is itself one encoded data item, not opaque bytes
/// (sqldb rows and parameters: raw CBOR without the 0x7f prefix, 8).
@trait(selector: ":is(structure > member, list > member)")
string blobFormat

/// The integer shape it is applied to is unsigned with the same width.
@trait(selector: ":is(byte, short, integer, long)")
structure unsignedInt {}

/// Unsigned 16-bit integer.
@unsignedInt
short U16

/// Unsigned 32-bit integer.
@unsignedInt
integer U32

/// Unsigned 64-bit integer.
@unsignedInt
long U64

/// Signed 32-bit integer.
integer I32

/// Signed 64-bit integer.
long I64

/// List of strings (MessagePack array of str).
list StringList {
    member: String
}

/// Map string -> string (MessagePack map with str keys).
map StringMap {
    key: String
    value: String
}
