// httpclient.smithy - contract wasmcloud:httpclient; actor -> provider.
// Follows interfaces.md section 5. MessagePack (1.2). Note the request
// carries "headers" (plural) but the response "header" (singular).
$version: "2"

namespace stratus.interface.httpclient

use stratus.model#wasmbus
use stratus.model#n
use stratus.model#U16
use stratus.model#StringList

@wasmbus(contractId: "wasmcloud:httpclient", providerReceive: true)
service HttpClient {
    operations: [Request]
}

/// Any status (including 4xx/5xx) is a normal response; transport
/// failures are host errors ("sending request: ...", etc.).
operation Request {
    input: HttpRequest
    output: HttpResponse
}

/// Header name -> list of values.
map HeaderMap {
    key: String
    value: StringList
}

structure HttpRequest {
    @required @n(0)
    method: String

    @required @n(1)
    url: String

    /// Plural on the wire (differs from httpserver).
    @required @n(2)
    headers: HeaderMap

    @required @n(3)
    body: Blob
}

// unverified: section 5 gives no required markers for HttpResponse; treated
// as required like the httpserver HttpResponse of section 3.2.
structure HttpResponse {
    @required @n(0)
    statusCode: U16

    /// Singular on the wire. Names lower-case, non-ASCII values dropped.
    @required @n(1)
    header: HeaderMap

    @required @n(2)
    body: Blob
}
