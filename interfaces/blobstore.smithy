// blobstore.smithy - contract wasmcloud:blobstore (2022: CBOR, protocol
// "2"): Blobstore (actor -> provider) and ChunkReceiver (provider ->
// actor). Follows interfaces.md sections 9 and 3.4, encoding rules 1.3:
// payload = 0x7f + one CBOR item; structure = CBOR array in @n order,
// absent optional = null 0xf6; unit = zero-length, no prefix; Timestamp
// members are written inline as two items (i64 sec, u32 nsec).
$version: "2"

namespace stratus.interface.blobstore

use stratus.model#wasmbus
use stratus.model#n
use stratus.model#U32
use stratus.model#U64
use stratus.model#StringList

@wasmbus(contractId: "wasmcloud:blobstore", providerReceive: true, protocol: "2")
service Blobstore {
    operations: [
        ContainerExists, CreateContainer, GetContainerInfo, ListContainers,
        RemoveContainers, ObjectExists, GetObjectInfo, ListObjects,
        RemoveObjects, PutObject, PutChunk, GetObject
    ]
}

@wasmbus(contractId: "wasmcloud:blobstore", actorReceive: true, protocol: "2")
service ChunkReceiver {
    operations: [ReceiveChunk]
}

/// Input: the container id.
operation ContainerExists {
    input: String
    output: Boolean
}

/// Input: the container id. Output unit.
operation CreateContainer {
    input: String
}

/// Input: the container id.
operation GetContainerInfo {
    input: String
    output: ContainerMetadata
}

/// Input unit.
operation ListContainers {
    output: ContainersInfo
}

/// Input: container ids. Output: failures only; empty = all removed.
operation RemoveContainers {
    input: StringList
    output: MultiResult
}

operation ObjectExists {
    input: ContainerObject
    output: Boolean
}

operation GetObjectInfo {
    input: ContainerObject
    output: ObjectMetadata
}

/// With `continuation` set, `startWith` is ignored.
operation ListObjects {
    input: ListObjectsRequest
    output: ListObjectsResponse
}

/// Output: failures only.
operation RemoveObjects {
    input: RemoveObjectsRequest
    output: MultiResult
}

operation PutObject {
    input: PutObjectRequest
    output: PutObjectResponse
}

/// Output unit.
operation PutChunk {
    input: PutChunkRequest
}

/// Returns the first chunk inline; the rest arrive as
/// ChunkReceiver.ReceiveChunk invocations on the actor.
operation GetObject {
    input: GetObjectRequest
    output: GetObjectResponse
}

/// cancelDownload = true stops further chunks.
operation ReceiveChunk {
    input: Chunk
    output: ChunkResponse
}

list ContainersInfo {
    member: ContainerMetadata
}

list ObjectsInfo {
    member: ObjectMetadata
}

list MultiResult {
    member: ItemResult
}

structure Chunk {
    @required @n(0)
    objectId: String

    @required @n(1)
    containerId: String

    @required @n(2)
    bytes: Blob

    @required @n(3)
    offset: U64

    @required @n(4)
    isLast: Boolean
}

structure ChunkResponse {
    @n(0)
    cancelDownload: Boolean
}

// unverified: section 1.3 says Timestamp is written inline as two items
// but not what an ABSENT optional Timestamp becomes (one null or two); the
// CBOR slot index of members after a Timestamp therefore is unclear.
structure ContainerMetadata {
    @required @n(0)
    containerId: String

    /// MessagePack form (if ever used): {"sec": i64, "nsec": u32}.
    @n(1)
    createdAt: Timestamp
}

structure ContainerObject {
    @required @n(0)
    containerId: String

    @required @n(1)
    objectId: String
}

// unverified: absent lastModified in CBOR (one null or two), see
// ContainerMetadata.
structure ObjectMetadata {
    @required @n(0)
    objectId: String

    @required @n(1)
    containerId: String

    @required @n(2)
    contentLength: U64

    @n(3)
    lastModified: Timestamp

    @n(4)
    contentType: String

    @n(5)
    contentEncoding: String
}

structure ListObjectsRequest {
    @required @n(0)
    containerId: String

    @n(1)
    startWith: String

    @n(2)
    continuation: String

    @n(3)
    endWith: String

    @n(4)
    endBefore: String

    @n(5)
    maxItems: U32
}

structure ListObjectsResponse {
    @required @n(0)
    objects: ObjectsInfo

    @required @n(1)
    isLast: Boolean

    @n(2)
    continuation: String
}

structure RemoveObjectsRequest {
    @required @n(0)
    containerId: String

    @required @n(1)
    objects: StringList
}

structure PutObjectRequest {
    @required @n(0)
    chunk: Chunk

    @n(1)
    contentType: String

    @n(2)
    contentEncoding: String
}

structure PutObjectResponse {
    @n(0)
    streamId: String
}

structure PutChunkRequest {
    @required @n(0)
    chunk: Chunk

    @n(1)
    streamId: String

    @required @n(2)
    cancelAndRemove: Boolean
}

structure GetObjectRequest {
    @required @n(0)
    objectId: String

    @required @n(1)
    containerId: String

    /// Inclusive byte range start.
    @n(2)
    rangeStart: U64

    /// Inclusive byte range end.
    @n(3)
    rangeEnd: U64
}

structure GetObjectResponse {
    @required @n(0)
    success: Boolean

    @n(1)
    error: String

    @n(2)
    initialChunk: Chunk

    @required @n(3)
    contentLength: U64

    @n(4)
    contentType: String

    @n(5)
    contentEncoding: String
}

structure ItemResult {
    @required @n(0)
    key: String

    @required @n(1)
    success: Boolean

    @n(2)
    error: String
}
