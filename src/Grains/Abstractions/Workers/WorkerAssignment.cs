using Distributed.Grains.Jobs;

namespace Distributed.Grains.Workers;

/// <summary>
/// What a worker trains: rank <paramref name="Rank"/> of world <paramref name="WorldId"/> of job
/// <paramref name="JobId"/>, joining the world's TCPStore at <paramref name="StoreHost"/>:<paramref name="StorePort"/>.
/// It starts from <paramref name="RestoreFrom"/> (a committed checkpoint's location) or, when null and
/// <paramref name="BroadcastFrom"/> is set, from that rank's replica (weights and optimizer broadcast at the start),
/// or else from the job file's initialisation. A worker that holds a retained replica of the job uses it instead of
/// building one. <paramref name="MicroBatch"/> is the job's micro-batch, fixed by the job grain for every world of the
/// job: a smaller world keeps the global batch by accumulating more micro-batches of the same size.
/// </summary>
[GenerateSerializer, Immutable, Alias("distributed.worker-assignment")]
public sealed record WorkerAssignment(
    [property: Id(0)] string JobId,
    [property: Id(1)] string WorldId,
    [property: Id(2)] int Rank,
    [property: Id(3)] int WorldSize,
    [property: Id(4)] string StoreHost,
    [property: Id(5)] int StorePort,
    [property: Id(6)] JobSpec Spec,
    [property: Id(7)] string? RestoreFrom,
    [property: Id(8)] int? BroadcastFrom,
    [property: Id(9)] int? MicroBatch = null);
