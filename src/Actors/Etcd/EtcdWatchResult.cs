using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>One watch notification; the events themselves are not needed, the watcher re-reads the range.</summary>
internal sealed record EtcdWatchResult(
    [property: JsonPropertyName("header")] EtcdHeader? Header,
    [property: JsonPropertyName("created")] bool Created,
    [property: JsonPropertyName("canceled")] bool Canceled,
    [property: JsonPropertyName("events")] List<System.Text.Json.JsonElement>? Events);
