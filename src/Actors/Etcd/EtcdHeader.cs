using System.Text.Json.Serialization;

namespace Distributed.Actors.Etcd;

/// <summary>Response header of the etcd JSON gateway.</summary>
internal sealed record EtcdHeader([property: JsonPropertyName("revision")] long Revision);
