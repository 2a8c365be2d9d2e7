namespace Distributed.Grains.Checkpoints;

/// <summary>
/// A begun checkpoint: its name and location, and which rank writes which part. Writes are spread across the ranks
/// (every rank holds the same replica): rank r writes the parts assigned to it; the checkpoint grain writes the
/// manifest when every part is in.
/// </summary>
/// <param name="Name">The checkpoint's name (step-N).</param>
/// <param name="Location">The job's checkpoint storage location.</param>
/// <param name="Step">The step boundary it captures.</param>
/// <param name="WorldSize">Ranks that write parts.</param>
[GenerateSerializer, Immutable, Alias("distributed.checkpoint-plan")]
public sealed record CheckpointPlan(
    [property: Id(0)] string Name,
    [property: Id(1)] string Location,
    [property: Id(2)] long Step,
    [property: Id(3)] int WorldSize);
