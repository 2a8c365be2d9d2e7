namespace Distributed.Grains.Workers;

/// <summary>How this silo's workers train. Validated when the silo starts.</summary>
public sealed class TrainingWorkerOptions
{
    /// <summary>The configuration section it binds to.</summary>
    public const string Section = "Workers";

    public const string ThreadsVariable = "DISTRIBUTED_THREADS";

    /// <summary>
    /// A collective that does not complete within this fails the step (seconds, not libtorch's 10-minute default):
    /// a lost or hung peer turns into an error the job grain hears about. The ranks of a step reach each collective
    /// together (same work per rank; models are built before joining), so 20 s is slack for load and still finds a
    /// hung peer well within 30 s. Raise it if ranks' steps differ by more (e.g. a rank evaluates alone).
    /// </summary>
    public TimeSpan CollectiveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long forming a world waits for every rank (ranks build their models before they join).</summary>
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>How long a worker keeps re-sending a report that must arrive (evaluation, finished, failure) while the coordinator moves.</summary>
    public TimeSpan ReportRetryFor { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// How long a rank keeps retrying the final model's checkpoint (begin and write) while storage is unreachable. The
    /// job completes only once it is committed; past this the rank fails the job with what to do, instead of completing
    /// with a model that exists only in memory.
    /// </summary>
    public TimeSpan FinalCheckpointRetryFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// CPU threads for all of this silo's workers together (null: DISTRIBUTED_THREADS, else the physical cores). A CPU
    /// worker takes an equal share: libtorch's threads are per process, so two workers of one process must split them.
    /// </summary>
    public int? CpuThreads { get; set; }

    /// <summary>
    /// Caps each rank's checkpoint upload, in bytes per second (null: no cap), so checkpoint traffic leaves bandwidth
    /// to the collectives and to other jobs on a shared storage account (Azure Storage throttles an account at its
    /// ingress limit). A capped upload takes longer; training goes on meanwhile.
    /// </summary>
    public long? CheckpointUploadBytesPerSecond { get; set; }

    public IEnumerable<string> Problems()
    {
        if (CollectiveTimeout < TimeSpan.FromSeconds(1)) yield return $"Workers:CollectiveTimeout {CollectiveTimeout}: give at least a second";
        if (JoinTimeout < TimeSpan.FromSeconds(1)) yield return $"Workers:JoinTimeout {JoinTimeout}: give at least a second";
        if (ReportRetryFor < TimeSpan.Zero) yield return $"Workers:ReportRetryFor {ReportRetryFor}: must not be negative";
        if (FinalCheckpointRetryFor < TimeSpan.Zero) yield return $"Workers:FinalCheckpointRetryFor {FinalCheckpointRetryFor}: must not be negative";
        if (CheckpointUploadBytesPerSecond is < 1024)
            yield return $"Workers:CheckpointUploadBytesPerSecond {CheckpointUploadBytesPerSecond}: give at least 1024, or leave it out for no cap";
        if (CpuThreads is < 1) yield return $"Workers:CpuThreads {CpuThreads}: give at least 1";
    }
}
