using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>/v3/kv/txn: if every compare holds, run success, else failure, atomically.</summary>
internal sealed record EtcdTxnRequest(
    [property: JsonPropertyName("compare")] List<EtcdCompare> Compare,
    [property: JsonPropertyName("success")] List<EtcdRequestOp> Success,
    [property: JsonPropertyName("failure")] List<EtcdRequestOp> Failure);
