using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>Streaming envelope of /v3/watch, one JSON object per line.</summary>
internal sealed record EtcdWatchResponse([property: JsonPropertyName("result")] EtcdWatchResult? Result);
