namespace Distributed.Grains.Jobs;

/// <summary>When a job checkpoints and which checkpoints it keeps.</summary>
/// <param name="EverySteps">A checkpoint every this many steps (0: only at the end and on request).</param>
/// <param name="KeepLast">Committed checkpoints kept, newest first.</param>
/// <param name="KeepEvery">Also keep every M-th checkpoint for good (step divisible by EverySteps × M); 0: none.</param>
[GenerateSerializer, Immutable, Alias("distributed.checkpoint-policy")]
public sealed record CheckpointPolicy(
    [property: Id(0)] int EverySteps = 50,
    [property: Id(1)] int KeepLast = 2,
    [property: Id(2)] int KeepEvery = 0);
