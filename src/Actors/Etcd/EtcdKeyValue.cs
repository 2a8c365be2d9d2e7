using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>A key-value pair as the etcd gateway returns it (key and value base64 on the wire).</summary>
internal sealed record EtcdKeyValue(
    [property: JsonPropertyName("key")] byte[] Key,
    [property: JsonPropertyName("value")] byte[]? Value,
    [property: JsonPropertyName("create_revision")] long CreateRevision,
    [property: JsonPropertyName("mod_revision")] long ModRevision,
    [property: JsonPropertyName("lease")] long Lease);
