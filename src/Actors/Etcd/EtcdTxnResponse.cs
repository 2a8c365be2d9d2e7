using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>Answer of /v3/kv/txn; "succeeded" is omitted by the gateway when false.</summary>
internal sealed record EtcdTxnResponse(
    [property: JsonPropertyName("header")] EtcdHeader? Header,
    [property: JsonPropertyName("succeeded")] bool Succeeded,
    [property: JsonPropertyName("responses")] List<EtcdResponseOp>? Responses);
