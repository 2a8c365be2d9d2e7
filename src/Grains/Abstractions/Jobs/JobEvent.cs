namespace Distributed.Grains.Jobs;

/// <summary>
/// One transition on a job's timeline, for the CLI and the dashboard: submitted, world-formed, resumed,
/// checkpoint-committed, worker-lost, detected, aborted, restored, completed, failed, cancelled, ...
/// </summary>
/// <param name="Time">When the job grain recorded it (UTC).</param>
/// <param name="Kind">A short fixed word (see <see cref="JobEventKinds"/>).</param>
/// <param name="Detail">What happened, in words.</param>
/// <param name="Step">The step it happened at, when it applies.</param>
/// <param name="WorldId">The world it concerns, when it applies.</param>
[GenerateSerializer, Immutable, Alias("distributed.job-event")]
public sealed record JobEvent(
    [property: Id(0)] DateTimeOffset Time,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Detail,
    [property: Id(3)] long? Step = null,
    [property: Id(4)] string? WorldId = null);
