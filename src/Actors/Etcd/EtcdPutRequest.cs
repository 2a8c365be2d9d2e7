using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>/v3/kv/put, optionally bound to a lease.</summary>
internal sealed record EtcdPutRequest(
    [property: JsonPropertyName("key")] byte[] Key,
    [property: JsonPropertyName("value")] byte[] Value,
    [property: JsonPropertyName("lease")] long Lease = 0);
