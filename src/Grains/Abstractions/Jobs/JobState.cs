namespace Distributed.Grains.Jobs;

/// <summary>Where a job is in its life. Completed, Failed and Cancelled are final until `job resume`.</summary>
[GenerateSerializer, Alias("distributed.job-state")]
public enum JobState
{
    /// <summary>Accepted, waiting for enough workers (at least the spec's minimum).</summary>
    Pending,

    /// <summary>Ranks assigned, workers joining their world (rendezvous, weights loaded or broadcast).</summary>
    Forming,

    Running,

    /// <summary>Training goes on while a checkpoint is written; committed when every part is in.</summary>
    Checkpointing,

    /// <summary>A worker was lost: the job is forming a new world from the survivors or restoring a checkpoint.</summary>
    Recovering,

    Completed,
    Failed,
    Cancelled,
}
