// core.smithy - lattice envelope types (WasmCloudEntity, Invocation,
// InvocationResponse, LinkDefinition). Follows interfaces.md section 2
// (2.1, 2.2, 2.3, 2.6). Informative for an all-in-process host; needed on
// NATS. These are the only types whose wire names are snake_case.
$version: "2"

namespace stratus.core

use stratus.model#n
use stratus.model#wireName
use stratus.model#U64
use stratus.model#StringMap

/// Actor or provider identity (2.1). Always send all three keys.
structure WasmCloudEntity {
    @required @n(0) @wireName("public_key")
    publicKey: String

    /// "" for actors.
    @required @n(1) @wireName("link_name")
    linkName: String

    /// "" for actors; must be present.
    @required @n(2) @wireName("contract_id")
    contractId: String
}

/// An invocation, sent as NATS request body (2.2).
structure Invocation {
    @required @n(0)
    origin: WasmCloudEntity

    @required @n(1)
    target: WasmCloudEntity

    /// "<Service>.<Operation>", e.g. "KeyValue.Increment".
    @required @n(2)
    operation: String

    /// Payload; empty when chunked. Always encoded as bin.
    @required @n(3)
    msg: Blob

    /// UUID v4; treat as opaque (36 or 32 chars depending on sender).
    @required @n(4)
    id: String

    /// JWT anti-forgery claims (2.4).
    @required @n(5) @wireName("encoded_claims")
    encodedClaims: String

    @required @n(6) @wireName("host_id")
    hostId: String

    /// Total payload length (always sent by the 2022 host).
    @n(7) @wireName("content_length")
    contentLength: U64

    /// Note: camelCase on the wire, unlike the other envelope keys.
    @n(8)
    traceContext: StringMap
}

/// Reply to an Invocation (2.3).
structure InvocationResponse {
    /// Result payload; empty on error or when chunked. Decoders accept
    /// bin, str (OTP host) and an empty array (lattice.md 4.3).
    @required @n(0)
    msg: Blob

    @required @n(1) @wireName("invocation_id")
    invocationId: String

    /// Present only on failure; then msg must be ignored.
    @n(2)
    error: String

    @n(3) @wireName("content_length")
    contentLength: U64

    // unverified: position of instance_id among the OTP host's keys
    // (2.3 lists the set of keys msg, invocation_id, instance_id,
    // content_length, not a guaranteed order).
    /// Extra key added by the OTP host (actor instance UUID); decoders
    /// ignore it. Listed so an encoder can reproduce the OTP host's reply.
    @n(4) @wireName("instance_id")
    instanceId: String
}

/// Link definition (2.6). Keyed by (actor_id, contract_id, link_name).
structure LinkDefinition {
    @required @n(0) @wireName("actor_id")
    actorId: String

    @required @n(1) @wireName("provider_id")
    providerId: String

    /// Usually "default".
    @required @n(2) @wireName("link_name")
    linkName: String

    @required @n(3) @wireName("contract_id")
    contractId: String

    // unverified: 2.6 gives no required/optional marker; treated as
    // required (always sent) like the other keys.
    /// Provider-specific settings.
    @required @n(4)
    values: StringMap
}
