// actor.smithy - the health receiver every actor implements
// (Actor.HealthRequest) and the health types also used by providers.
// Follows interfaces.md sections 2.7 and 3.1 (and actor-abi.md section 5:
// the input is the empty map 0x80, never a zero-length payload).
$version: "2"

namespace stratus.actor

use stratus.model#wasmbus
use stratus.model#n

/// Every actor receives Actor.HealthRequest. The 2022 OTP host never sends
/// it to actors; providers are health-checked with the same types (2.5).
@wasmbus(actorReceive: true)
service Actor {
    operations: [HealthRequest]
}

/// Input 0x80 (a zero-length payload is rejected by Rust actors);
/// output {"healthy": true} = 81 a7 "healthy" c3.
operation HealthRequest {
    input: HealthCheckRequest
    output: HealthCheckResponse
}

/// Empty structure; encodes as MessagePack 0x80.
structure HealthCheckRequest {}

structure HealthCheckResponse {
    @required @n(0)
    healthy: Boolean

    /// Omitted when absent.
    @n(1)
    message: String
}
