namespace Distributed.Grains.Jobs;

/// <summary>One point of a job's metric history (the world's view of a step, from rank 0's report plus every rank's times).</summary>
[GenerateSerializer, Immutable, Alias("distributed.step-point")]
public sealed record StepPoint(
    [property: Id(0)] long Step,
    [property: Id(1)] double Loss,
    [property: Id(2)] double Lr,
    [property: Id(3)] double GradNorm,
    [property: Id(4)] double TokensPerSecond,
    [property: Id(5)] double? Mfu,
    [property: Id(6)] int WorldSize,
    [property: Id(7)] DateTimeOffset Time,
    [property: Id(8)] IReadOnlyList<StepReport> Ranks);
