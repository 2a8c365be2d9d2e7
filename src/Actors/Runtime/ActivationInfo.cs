namespace Distributed.Actors.Runtime;

/// <summary>One live activation on this silo, as dashboards list it.</summary>
public sealed record ActivationInfo(GrainId GrainId, string ActivationId, string SiloName, string GrainClass, DateTimeOffset ActivatedAt, DateTimeOffset LastUsed);
