namespace Distributed.Grains.Jobs;

/// <summary>
/// A job as submitted: the job file (the same JSON `distributed train --job` reads, with the command line's
/// overrides applied), the world size range, the checkpoint policy and where checkpoints go.
/// </summary>
/// <param name="JobFileJson">The job file's JSON text; workers parse it into the trainer's JobFile.</param>
/// <param name="MinWorkers">The job runs (and keeps running) with at least this many workers.</param>
/// <param name="MaxWorkers">It uses at most this many.</param>
/// <param name="Checkpoints">When to checkpoint and what to keep.</param>
/// <param name="Storage">Checkpoint location: a folder path (file system, shared by every worker) or blob://CONTAINER/PREFIX (Azure Blob, AZURE_STORAGE_CONNECTION_STRING on every silo).</param>
/// <param name="Name">A display name (defaults to the job file's name).</param>
[GenerateSerializer, Immutable, Alias("distributed.job-spec")]
public sealed record JobSpec(
    [property: Id(0)] string JobFileJson,
    [property: Id(1)] int MinWorkers,
    [property: Id(2)] int MaxWorkers,
    [property: Id(3)] CheckpointPolicy Checkpoints,
    [property: Id(4)] string Storage,
    [property: Id(5)] string Name);
