using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>/v3/kv/deleterange for one key.</summary>
internal sealed record EtcdDeleteRangeRequest([property: JsonPropertyName("key")] byte[] Key);
