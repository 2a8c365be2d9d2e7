namespace Distributed.Grains.Jobs;

/// <summary>One rank of a job's current world: which GPU (worker grain key) on which silo (name, and the silo's address
/// with its generation: a restarted silo of the same name is another silo).</summary>
[GenerateSerializer, Immutable, Alias("distributed.world-member")]
public sealed record WorldMember(
    [property: Id(0)] int Rank,
    [property: Id(1)] int Gpu,
    [property: Id(2)] string Silo,
    [property: Id(3)] string? SiloAddress = null);
