using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>Body of /v3/watch.</summary>
internal sealed record EtcdWatchRequest([property: JsonPropertyName("create_request")] EtcdWatchCreateRequest CreateRequest);
