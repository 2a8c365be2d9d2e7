using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>Streaming envelope of /v3/lease/keepalive.</summary>
internal sealed record EtcdKeepAliveResponse([property: JsonPropertyName("result")] EtcdLeaseResponse? Result);
