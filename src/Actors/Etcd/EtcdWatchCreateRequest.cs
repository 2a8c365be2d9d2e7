using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>Watch [key, range_end) from a revision on.</summary>
internal sealed record EtcdWatchCreateRequest(
    [property: JsonPropertyName("key")] byte[] Key,
    [property: JsonPropertyName("range_end")] byte[] RangeEnd,
    [property: JsonPropertyName("start_revision")] long StartRevision);
