using Distributed.Grains.Checkpoints;

namespace Distributed.Grains.Jobs;

/// <summary>A job as the CLI and the dashboard show it.</summary>
/// <param name="Id">The job id (the job grain's key).</param>
/// <param name="Spec">What was submitted.</param>
/// <param name="State">Where it is.</param>
/// <param name="Step">The last step every rank completed.</param>
/// <param name="TotalSteps">The job file's steps.</param>
/// <param name="WorldId">The current world, or null when none runs.</param>
/// <param name="World">The current world's ranks.</param>
/// <param name="LastSteps">The newest step report of each rank of the current world.</param>
/// <param name="Evaluations">Held-out evaluations, oldest first.</param>
/// <param name="Checkpoints">Checkpoints, committed or not, oldest first.</param>
/// <param name="Events">The timeline, oldest first (bounded: the newest few hundred).</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="Coordinator">The silo whose job grain activation answered (it moves when that silo is lost).</param>
[GenerateSerializer, Immutable, Alias("distributed.job-status")]
public sealed record JobStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] JobSpec Spec,
    [property: Id(2)] JobState State,
    [property: Id(3)] long Step,
    [property: Id(4)] long TotalSteps,
    [property: Id(5)] string? WorldId,
    [property: Id(6)] IReadOnlyList<WorldMember> World,
    [property: Id(7)] IReadOnlyList<StepReport> LastSteps,
    [property: Id(8)] IReadOnlyList<EvaluationReport> Evaluations,
    [property: Id(9)] IReadOnlyList<CheckpointInfo> Checkpoints,
    [property: Id(10)] IReadOnlyList<JobEvent> Events,
    [property: Id(11)] string? Error,
    [property: Id(12)] DateTimeOffset Created,
    [property: Id(13)] DateTimeOffset Updated,
    [property: Id(14)] string? Coordinator = null)
{
    public bool IsFinal => State is JobState.Completed or JobState.Failed or JobState.Cancelled;
}
