namespace Distributed.Grains.Checkpoints;

/// <summary>One checkpoint of a job as the CLI and the dashboard show it.</summary>
/// <param name="Name">Its name under the job's storage location (step-00000050).</param>
/// <param name="Step">The step it holds (the state after that step).</param>
/// <param name="Bytes">Bytes written so far (all parts once committed).</param>
/// <param name="Seconds">From the snapshot to the commit (or so far).</param>
/// <param name="Committed">Whether its manifest was written: only committed checkpoints are ever loaded.</param>
/// <param name="Abandoned">Given up (a writer died before its part was in, or a newer checkpoint committed first).</param>
/// <param name="WorldSize">The world that wrote it (it restores at any size).</param>
/// <param name="Location">Where it is, as `train --resume` and other tools take it.</param>
/// <param name="Started">When it was begun.</param>
[GenerateSerializer, Immutable, Alias("distributed.checkpoint-info")]
public sealed record CheckpointInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] long Step,
    [property: Id(2)] long Bytes,
    [property: Id(3)] double Seconds,
    [property: Id(4)] bool Committed,
    [property: Id(5)] bool Abandoned,
    [property: Id(6)] int WorldSize,
    [property: Id(7)] string Location,
    [property: Id(8)] DateTimeOffset Started);
