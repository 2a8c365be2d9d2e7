namespace Distributed.Actors.TestHost.Grains;

/// <summary>Which activation answered a call: tests compare these to prove there is only one.</summary>
public sealed record ActivationStamp(string SiloName, string ActivationId, int Value);
