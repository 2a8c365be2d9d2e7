using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>Answer of /v3/kv/range.</summary>
internal sealed record EtcdRangeResponse(
    [property: JsonPropertyName("header")] EtcdHeader? Header,
    [property: JsonPropertyName("kvs")] List<EtcdKeyValue>? Kvs);
