using Distributed.Grains.Checkpoints;
using Orleans.Concurrency;

namespace Distributed.Grains.Jobs;

/// <summary>
/// One training job (key: the job id). Persisted: it re-activates on any silo from its stored state, and the
/// workers keep training meanwhile (they report to the same key). It forms the world from the GPUs of live silos,
/// assigns ranks, hands out each world's rendezvous, tracks progress, metrics and checkpoints, and keeps the timeline.
/// </summary>
[Alias("distributed.job")]
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>Validates and starts the job; <see cref="JobSpecException"/> lists every problem. Submitting the same id twice is refused.</summary>
    [Alias("submit")]
    Task<JobStatus> SubmitAsync(JobSpec spec);

    [Alias("status")]
    Task<JobStatus> GetStatusAsync();

    /// <summary>The metric history from <paramref name="fromStep"/> on (at most <paramref name="max"/> points, newest kept).</summary>
    [Alias("history")]
    Task<IReadOnlyList<StepPoint>> GetHistoryAsync(long fromStep, int max);

    /// <summary>Stops the workers at the next step boundary; the job ends Cancelled (its last checkpoint stays).</summary>
    [Alias("cancel")]
    Task<JobStatus> CancelAsync();

    /// <summary>Continues a Cancelled or Failed job from its last committed checkpoint, at whatever world size is available.</summary>
    [Alias("resume")]
    Task<JobStatus> ResumeAsync();

    /// <summary>Asks for a checkpoint at the next step boundary.</summary>
    [Alias("checkpoint-now")]
    Task<JobStatus> CheckpointNowAsync();

    // --- from workers

    /// <summary>A worker's step report; also its heartbeat. One-way: the step never waits for the coordinator, and a
    /// report sent while the coordinator moves is lost (the next one re-activates it).</summary>
    [Alias("report-step"), OneWay]
    Task ReportStepAsync(StepReport report);

    [Alias("report-evaluation")]
    Task ReportEvaluationAsync(string worldId, EvaluationReport report);

    /// <summary>A worker failed (its training thread threw, or its collective failed): the job decides what to do.</summary>
    [Alias("report-failure")]
    Task ReportFailureAsync(string worldId, int rank, string error);

    /// <summary>A worker left its world without finishing: its collective failed (a peer lost or hung), the world was
    /// aborted, or it regrouped at a step boundary. <paramref name="replicaKept"/>: it holds the job's replica at
    /// step <paramref name="step"/> for the next world.</summary>
    [Alias("report-left-world")]
    Task ReportLeftWorldAsync(string worldId, int rank, int gpu, long step, bool replicaKept, string reason);

    /// <summary>A worker finished the job's last step (and rank 0 its final evaluation).</summary>
    [Alias("report-finished")]
    Task ReportFinishedAsync(string worldId, int rank, long step);

    /// <summary>From the checkpoint grain: a checkpoint committed (or was abandoned).</summary>
    [Alias("report-checkpoint")]
    Task ReportCheckpointAsync(CheckpointInfo checkpoint);
}
