using System.Text.Json.Serialization;
using Distributed.Actors.GrainDirectory;
using Distributed.Actors.Membership;
using Distributed.Actors.Runtime;

namespace Distributed.Actors.Messaging;

/// <summary>Source-generated serializers for the runtime's own messages (grain arguments use reflection: they are user types).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InvokeRequest))]
[JsonSerializable(typeof(InvokeResponse))]
[JsonSerializable(typeof(SiloInfo))]
[JsonSerializable(typeof(GrainAddress))]
[JsonSerializable(typeof(List<ActivationInfo>))]
public sealed partial class ActorsJsonContext : JsonSerializerContext;
