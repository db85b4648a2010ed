// latticecontrol.smithy - contract wasmcloud:latticecontrol; actor ->
// lattice-controller provider. Follows interfaces.md section 12 (state of
// late 2022, with the latticeId fields). MessagePack (1.2); member names
// are the wire names (camelCase) except inside LinkDefinition (snake_case,
// section 2.6, see core.smithy).
//
// unverified: section 12 lists fields grouped by type ("a, b, c str;
// d map"); the @n order below is that listed order. Where the original
// declaration order differs, only the encoder's key order is affected
// (decoders never depend on key order, 1.2).
$version: "2"

namespace stratus.interface.latticecontrol

use stratus.model#wasmbus
use stratus.model#n
use stratus.model#U16
use stratus.model#U64
use stratus.model#I32
use stratus.model#StringMap
use stratus.core#LinkDefinition

@wasmbus(contractId: "wasmcloud:latticecontrol", providerReceive: true)
service LatticeController {
    operations: [
        AuctionProvider, AuctionActor, GetHosts, GetHostInventory,
        GetClaims, ScaleActor, StartActor, AdvertiseLink, RemoveLink,
        GetLinks, UpdateActor, StartProvider, StopProvider, StopActor,
        StopHost, SetLatticeCredentials, SetRegistryCredentials
    ]
}

operation AuctionProvider {
    input: ProviderAuctionRequest
    output: ProviderAuctionAcks
}

operation AuctionActor {
    input: ActorAuctionRequest
    output: ActorAuctionAcks
}

/// Input: the lattice id.
operation GetHosts {
    input: String
    output: Hosts
}

operation GetHostInventory {
    input: GetHostInventoryRequest
    output: HostInventory
}

/// Input: the lattice id.
operation GetClaims {
    input: String
    output: GetClaimsResponse
}

operation ScaleActor {
    input: ScaleActorCommand
    output: CtlOperationAck
}

operation StartActor {
    input: StartActorCommand
    output: CtlOperationAck
}

operation AdvertiseLink {
    input: AdvertiseLinkRequest
    output: CtlOperationAck
}

operation RemoveLink {
    input: RemoveLinkDefinitionRequest
    output: CtlOperationAck
}

/// Input: the lattice id.
operation GetLinks {
    input: String
    output: LinkDefinitionList
}

operation UpdateActor {
    input: UpdateActorCommand
    output: CtlOperationAck
}

operation StartProvider {
    input: StartProviderCommand
    output: CtlOperationAck
}

operation StopProvider {
    input: StopProviderCommand
    output: CtlOperationAck
}

operation StopActor {
    input: StopActorCommand
    output: CtlOperationAck
}

operation StopHost {
    input: StopHostCommand
    output: CtlOperationAck
}

/// The reference provider always answers {accepted: true, error: ""}.
operation SetLatticeCredentials {
    input: SetLatticeCredentialsRequest
    output: CtlOperationAck
}

/// Output unit.
operation SetRegistryCredentials {
    input: SetRegistryCredentialsRequest
}

list ProviderAuctionAcks {
    member: ProviderAuctionAck
}

list ActorAuctionAcks {
    member: ActorAuctionAck
}

list Hosts {
    member: Host
}

list ActorDescriptions {
    member: ActorDescription
}

list ActorInstances {
    member: ActorInstance
}

list ProviderDescriptions {
    member: ProviderDescription
}

list ClaimsList {
    member: StringMap
}

list LinkDefinitions {
    member: LinkDefinition
}

map RegistryCredentialMap {
    key: String
    value: RegistryCredential
}

structure ProviderAuctionRequest {
    @required @n(0)
    latticeId: String

    @required @n(1)
    providerRef: String

    @required @n(2)
    linkName: String

    @required @n(3)
    constraints: StringMap
}

structure ProviderAuctionAck {
    @required @n(0)
    providerRef: String

    @required @n(1)
    linkName: String

    @required @n(2)
    hostId: String
}

structure ActorAuctionRequest {
    @required @n(0)
    latticeId: String

    @required @n(1)
    actorRef: String

    @required @n(2)
    constraints: StringMap
}

structure ActorAuctionAck {
    @required @n(0)
    actorRef: String

    @required @n(1)
    hostId: String
}

structure GetHostInventoryRequest {
    @required @n(0)
    latticeId: String

    @required @n(1)
    hostId: String
}

structure HostInventory {
    @required @n(0)
    hostId: String

    @required @n(1)
    labels: StringMap

    @required @n(2)
    actors: ActorDescriptions

    @required @n(3)
    providers: ProviderDescriptions
}

structure ActorDescription {
    @required @n(0)
    id: String

    @n(1)
    imageRef: String

    @n(2)
    name: String

    @required @n(3)
    instances: ActorInstances
}

structure ActorInstance {
    @required @n(0)
    instanceId: String

    @required @n(1)
    revision: I32

    @n(2)
    annotations: StringMap
}

structure ProviderDescription {
    @required @n(0)
    id: String

    @required @n(1)
    linkName: String

    @n(2)
    imageRef: String

    @n(3)
    name: String

    @required @n(4)
    revision: I32

    @n(5)
    annotations: StringMap
}

structure Host {
    @required @n(0)
    id: String

    @required @n(1)
    uptimeSeconds: U64

    @n(2)
    uptimeHuman: String

    @n(3)
    version: String

    // unverified: a single string (section 12 types it "str"); presumably
    // the issuer keys joined, format not given.
    @n(4)
    clusterIssuers: String

    @n(5)
    jsDomain: String

    @n(6)
    ctlHost: String

    @n(7)
    provRpcHost: String

    @n(8)
    rpcHost: String

    @n(9)
    latticePrefix: String

    @n(10)
    labels: StringMap
}

structure GetClaimsResponse {
    /// One string -> string map per claims record.
    @required @n(0)
    claims: ClaimsList
}

structure StartActorCommand {
    @required @n(0)
    latticeId: String

    @required @n(1)
    actorRef: String

    @required @n(2)
    hostId: String

    @n(3)
    annotations: StringMap

    @required @n(4)
    count: U16
}

structure ScaleActorCommand {
    @required @n(0)
    latticeId: String

    @required @n(1)
    actorRef: String

    @required @n(2)
    actorId: String

    @required @n(3)
    hostId: String

    @n(4)
    annotations: StringMap

    @required @n(5)
    count: U16
}

structure StopActorCommand {
    @required @n(0)
    latticeId: String

    @required @n(1)
    hostId: String

    @required @n(2)
    actorId: String

    @required @n(3)
    count: U16

    @n(4)
    annotations: StringMap
}

structure UpdateActorCommand {
    @required @n(0)
    latticeId: String

    @required @n(1)
    hostId: String

    @required @n(2)
    actorId: String

    @required @n(3)
    newActorRef: String

    @n(4)
    annotations: StringMap
}

structure StartProviderCommand {
    @required @n(0)
    latticeId: String

    @required @n(1)
    hostId: String

    @required @n(2)
    providerRef: String

    @required @n(3)
    linkName: String

    @n(4)
    annotations: StringMap

    /// Provider configuration, 1..500000 characters when present.
    @n(5) @length(min: 1, max: 500000)
    configuration: String
}

structure StopProviderCommand {
    @required @n(0)
    latticeId: String

    @required @n(1)
    hostId: String

    @required @n(2)
    providerId: String

    @required @n(3)
    linkName: String

    @required @n(4)
    contractId: String

    @n(5)
    annotations: StringMap
}

structure StopHostCommand {
    @required @n(0)
    latticeId: String

    @required @n(1)
    hostId: String

    // unverified: the unit of timeout (presumably milliseconds) is not
    // given in section 12.
    @n(2)
    timeout: U64
}

structure AdvertiseLinkRequest {
    @required @n(0)
    latticeId: String

    /// snake_case keys inside (core.smithy, section 2.6).
    @required @n(1)
    link: LinkDefinition
}

structure RemoveLinkDefinitionRequest {
    @required @n(0)
    latticeId: String

    @required @n(1)
    actorId: String

    @required @n(2)
    contractId: String

    @required @n(3)
    linkName: String
}

structure LinkDefinitionList {
    @required @n(0)
    links: LinkDefinitions
}

/// Both fields required; error is "" on success.
structure CtlOperationAck {
    @required @n(0)
    accepted: Boolean

    @required @n(1)
    error: String
}

structure SetLatticeCredentialsRequest {
    @required @n(0)
    latticeId: String

    @n(1)
    userJwt: String

    @n(2)
    userSeed: String

    /// Default used by the provider when absent: 0.0.0.0:4222.
    @n(3)
    natsUrl: String

    @n(4)
    jsDomain: String
}

structure SetRegistryCredentialsRequest {
    @required @n(0)
    latticeId: String

    // unverified: section 12 writes "map string -> RegistryCredential?";
    // read here as "the map is optional", not "values may be nil".
    @n(1)
    credentials: RegistryCredentialMap
}

structure RegistryCredential {
    @n(0)
    token: String

    @n(1)
    username: String

    @n(2)
    password: String

    // unverified: allowed values of registryType are not listed.
    @required @n(3)
    registryType: String
}
