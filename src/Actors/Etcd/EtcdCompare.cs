using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>A txn guard: compares a key's create revision or value.</summary>
internal sealed record EtcdCompare(
    [property: JsonPropertyName("key")] byte[] Key,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("result")] string Result = "EQUAL",
    [property: JsonPropertyName("create_revision")] long? CreateRevision = null,
    [property: JsonPropertyName("value")] byte[]? Value = null);
