// pingpong.smithy - custom actor-to-actor interface seen in the fixtures
// (pinger -> ponger by call alias). Follows interfaces.md section 13 and
// actor-abi.md section 6. Not a capability contract: no contractId; the
// host call uses namespace = <call alias>, binding = "".
$version: "2"

namespace stratus.interface.pingpong

use stratus.model#wasmbus

@wasmbus(actorReceive: true)
service Pingpong {
    operations: [Ping]
}

/// Input unit (pinger sends 0 bytes); ponger answers a4 "pong".
operation Ping {
    output: String
}
