using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>Result of one txn operation (only ranges are read back).</summary>
internal sealed record EtcdResponseOp([property: JsonPropertyName("response_range")] EtcdRangeResponse? ResponseRange);
