namespace Distributed.Actors.GrainDirectory;

/// <summary>Where the single activation of a grain lives.</summary>
public sealed record GrainAddress(GrainId GrainId, string SiloId, string Endpoint, string ActivationId);
