namespace Distributed.Grains.Workers;

/// <summary>A worker as the CLI and the dashboard show it.</summary>
[GenerateSerializer, Immutable, Alias("distributed.worker-status")]
public sealed record WorkerStatus(
    [property: Id(0)] int Gpu,
    [property: Id(1)] string Silo,
    [property: Id(2)] string Device,
    [property: Id(3)] WorkerState State,
    [property: Id(4)] string? JobId,
    [property: Id(5)] string? WorldId,
    [property: Id(6)] int Rank,
    [property: Id(7)] long Step,
    [property: Id(8)] DateTimeOffset? LastStep,
    [property: Id(9)] long MemoryBytes,
    [property: Id(10)] string? Error);
