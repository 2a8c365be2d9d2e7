using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>/v3/lease/grant (TTL), /v3/lease/keepalive and /v3/lease/revoke (ID).</summary>
internal sealed record EtcdLeaseRequest(
    [property: JsonPropertyName("TTL")] long? Ttl = null,
    [property: JsonPropertyName("ID")] long? Id = null);
