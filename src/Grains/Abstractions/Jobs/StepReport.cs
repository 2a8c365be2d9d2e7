namespace Distributed.Grains.Jobs;

/// <summary>
/// What one worker measured in one step (also its heartbeat). Loss, samples and tokens are the world's (global);
/// the times are this rank's wall-clock seconds per phase.
/// </summary>
[GenerateSerializer, Immutable, Alias("distributed.step-report")]
public sealed record StepReport(
    [property: Id(0)] string WorldId,
    [property: Id(1)] int Rank,
    [property: Id(2)] int Gpu,
    [property: Id(3)] long Step,
    [property: Id(4)] double Loss,
    [property: Id(5)] double Lr,
    [property: Id(6)] double GradNorm,
    [property: Id(7)] long Samples,
    [property: Id(8)] long Tokens,
    [property: Id(9)] double TokensPerSecond,
    [property: Id(10)] double DataSeconds,
    [property: Id(11)] double ComputeSeconds,
    [property: Id(12)] double AllReduceSeconds,
    [property: Id(13)] double OptimizerSeconds,
    [property: Id(14)] double CheckpointSeconds,
    [property: Id(15)] double? Mfu,
    [property: Id(16)] DateTimeOffset Time,
    [property: Id(17)] long MemoryBytes);
