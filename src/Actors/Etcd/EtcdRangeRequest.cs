using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>/v3/kv/range: one key, or every key in [key, range_end).</summary>
internal sealed record EtcdRangeRequest(
    [property: JsonPropertyName("key")] byte[] Key,
    [property: JsonPropertyName("range_end")] byte[]? RangeEnd = null);
