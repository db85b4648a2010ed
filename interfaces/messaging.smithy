// messaging.smithy - contract wasmcloud:messaging: two services, Messaging
// (actor -> provider) and MessageSubscriber (provider -> actor, the actor
// receives HandleMessage). Follows interfaces.md sections 3.3 and 7.
// MessagePack (1.2).
$version: "2"

namespace stratus.interface.messaging

use stratus.model#wasmbus
use stratus.model#n
use stratus.model#U32

@wasmbus(contractId: "wasmcloud:messaging", providerReceive: true)
service Messaging {
    operations: [Publish, Request]
}

@wasmbus(contractId: "wasmcloud:messaging", actorReceive: true)
service MessageSubscriber {
    operations: [HandleMessage]
}

/// Publishes to subject (with reply subject if given). Output unit.
operation Publish {
    input: PubMessage
}

/// Waits at most timeoutMs; on expiry the provider fails with
/// "timeout: nats request timed out".
operation Request {
    input: RequestMessage
    output: ReplyMessage
}

/// One message received on a subscription. Output unit (zero-length); the
/// result is not forwarded anywhere - the actor replies via Publish.
operation HandleMessage {
    input: SubMessage
}

structure PubMessage {
    @required @n(0)
    subject: String

    @n(1)
    replyTo: String

    @required @n(2)
    body: Blob
}

structure RequestMessage {
    @required @n(0)
    subject: String

    @required @n(1)
    body: Blob

    @required @n(2)
    timeoutMs: U32
}

structure ReplyMessage {
    @required @n(0)
    subject: String

    @n(1)
    replyTo: String

    @required @n(2)
    body: Blob
}

structure SubMessage {
    @required @n(0)
    subject: String

    /// Omitted when the message has no reply subject.
    @n(1)
    replyTo: String

    @required @n(2)
    body: Blob
}
