namespace Distributed.Grains.Checkpoints;

/// <summary>
/// A begun checkpoint: its name and location, and the world that writes it. Writes are spread across the ranks
/// (every rank holds the same replica): which rank writes which file follows from the world size alone (the
/// trainer's CheckpointParts: weight and optimizer shard i by rank i, the small files by rank 0), so every rank
/// computes its share from its own snapshot; the checkpoint grain writes the manifest when every rank's part is in.
/// </summary>
/// <param name="Name">The checkpoint's name (step-N).</param>
/// <param name="Location">The job's checkpoint storage location.</param>
/// <param name="Step">The step boundary it captures.</param>
/// <param name="WorldSize">Ranks that write parts.</param>
/// <param name="Committed">Already committed (a Begin repeated after the commit): there is nothing to write.</param>
[GenerateSerializer, Immutable, Alias("distributed.checkpoint-plan")]
public sealed record CheckpointPlan(
    [property: Id(0)] string Name,
    [property: Id(1)] string Location,
    [property: Id(2)] long Step,
    [property: Id(3)] int WorldSize,
    [property: Id(4)] bool Committed = false);
