// logging.smithy - contract wasmcloud:builtin:logging, a host built-in
// (no link; caller needs the claim; binding ignored). Follows
// interfaces.md section 10. MessagePack (1.2).
$version: "2"

namespace stratus.interface.logging

use stratus.model#wasmbus
use stratus.model#n

@wasmbus(contractId: "wasmcloud:builtin:logging", providerReceive: true)
service Logging {
    operations: [WriteLog]
}

/// Host logs "[<actor public key>] <text>" at the given level. Output
/// unit (no response bytes).
operation WriteLog {
    input: LogEntry
}

/// Example: 82 a5 "level" a5 "debug" a4 "text" a8 "a debug!".
structure LogEntry {
    /// "debug", "info", "warn" or "error"; the 2022 host logs any other
    /// string at debug, so this stays a String rather than an enum.
    @required @n(0)
    level: String

    @required @n(1)
    text: String
}
