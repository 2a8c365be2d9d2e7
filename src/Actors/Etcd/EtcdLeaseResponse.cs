using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>A lease and its remaining TTL; a TTL of 0 (omitted) means the lease is gone.</summary>
internal sealed record EtcdLeaseResponse(
    [property: JsonPropertyName("ID")] long Id,
    [property: JsonPropertyName("TTL")] long Ttl);
