// sqldb.smithy - contract wasmcloud:sqldb; actor -> provider.
// Follows interfaces.md section 8. The structures are MessagePack (1.2);
// QueryResult.rows and each Statement parameter are Blobs whose content is
// raw CBOR with NO 0x7f prefix (marked @blobFormat("cbor")).
$version: "2"

namespace stratus.interface.sqldb

use stratus.model#wasmbus
use stratus.model#n
use stratus.model#blobFormat
use stratus.model#U32
use stratus.model#U64

// Ping is described in the 2022 interface file but is not part of the
// service and is not dispatched (section 8), so it is not listed here.
@wasmbus(contractId: "wasmcloud:sqldb", providerReceive: true)
service SqlDb {
    operations: [Execute, Query]
}

/// Database errors are in-band: RPC success with `error` filled and the
/// other fields left at their defaults.
operation Execute {
    input: Statement
    output: ExecuteResult
}

/// Same in-band error rule as Execute.
operation Query {
    input: Statement
    output: QueryResult
}

// unverified: the element CBOR mapping is not specified further; the 2022
// Postgres provider ignores parameters entirely.
/// Bind parameters; each element is one CBOR-encoded value.
list Parameters {
    @blobFormat("cbor")
    member: Blob
}

list Columns {
    member: Column
}

structure Statement {
    /// Ignored by the 2022 Postgres provider.
    @n(0)
    database: String

    /// Ignored by the 2022 Postgres provider.
    @n(1)
    parameters: Parameters

    /// Must be non-empty.
    @required @n(2) @length(min: 1)
    sql: String
}

structure ExecuteResult {
    @required @n(0)
    rowsAffected: U64

    @n(1)
    error: SqlDbError
}

structure QueryResult {
    @required @n(0)
    numRows: U64

    /// From the first row; [] when there are no rows.
    @required @n(1)
    columns: Columns

    /// Raw CBOR: array of rows, each an array of column values in column
    /// order. Zero rows -> an EMPTY blob (0 bytes, not an empty array).
    /// Values: bool, int, unsigned, f32, f64, text, bytes; no NULLs.
    @required @n(2) @blobFormat("cbor")
    rows: Blob

    @n(3)
    error: SqlDbError
}

// unverified: section 8 gives no required/optional markers for Column;
// all three are treated as required.
structure Column {
    /// 0-based column index.
    @required @n(0)
    ordinal: U32

    @required @n(1)
    name: String

    /// Database type name (Postgres type name).
    @required @n(2)
    dbType: String
}

// unverified: section 8 gives no required/optional markers for
// SqlDbError; both are treated as required.
structure SqlDbError {
    /// One of SqlDbErrorCode's values; a plain string on the wire.
    @required @n(0)
    code: SqlDbErrorCode

    @required @n(1)
    message: String
}

// unverified: whether any provider emits a code outside this list is not
// stated; decoders should keep unknown codes (string enum, see README).
/// SqlDbError.code values (string-valued enum).
enum SqlDbErrorCode {
    CONFIG = "config"
    DB = "db"
    IO = "io"
    NOT_FOUND = "notFound"
    ENCODING = "encoding"
    DECODING = "decoding"
    PROVIDER = "provider"
    OTHER = "other"
}
