using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>One operation of a txn branch.</summary>
internal sealed record EtcdRequestOp(
    [property: JsonPropertyName("request_range")] EtcdRangeRequest? RequestRange = null,
    [property: JsonPropertyName("request_put")] EtcdPutRequest? RequestPut = null,
    [property: JsonPropertyName("request_delete_range")] EtcdDeleteRangeRequest? RequestDeleteRange = null);
