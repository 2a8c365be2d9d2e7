namespace Distributed.Grains.Checkpoints;

/// <summary>One file a rank wrote into a checkpoint, as the manifest lists it.</summary>
[GenerateSerializer, Immutable, Alias("distributed.checkpoint-file")]
public sealed record CheckpointFile(
    [property: Id(0)] string Name,
    [property: Id(1)] long Bytes,
    [property: Id(2)] string Sha256);
