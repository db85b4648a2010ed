// httpserver.smithy - contract wasmcloud:httpserver; the actor receives
// HttpServer.HandleRequest for every HTTP request the provider accepts.
// Follows interfaces.md sections 3.2 (types) and 4 (provider behaviour).
// MessagePack (1.2).
$version: "2"

namespace stratus.interface.httpserver

use stratus.model#wasmbus
use stratus.model#n
use stratus.model#U16
use stratus.model#StringList

@wasmbus(contractId: "wasmcloud:httpserver", actorReceive: true)
service HttpServer {
    operations: [HandleRequest]
}

operation HandleRequest {
    input: HttpRequest
    output: HttpResponse
}

/// Header name -> all values of that header (names lower-case).
map HeaderMap {
    key: String
    value: StringList
}

structure HttpRequest {
    /// Upper-case HTTP method.
    @required @n(0)
    method: String

    /// Request path as received (no query, not decoded).
    @required @n(1)
    path: String

    /// Raw query without "?"; "" if none.
    @required @n(2)
    queryString: String

    /// Required: an HttpRequest without "header" fails to decode in
    /// every Rust fixture.
    @required @n(3)
    header: HeaderMap

    /// May be empty.
    @required @n(4)
    body: Blob
}

/// SDK default: status 200, empty header map, empty body.
structure HttpResponse {
    /// Not a valid HTTP status -> the provider answers 500.
    @required @n(0)
    statusCode: U16

    @required @n(1)
    header: HeaderMap

    @required @n(2)
    body: Blob
}
