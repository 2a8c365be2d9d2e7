using Distributed.Grains.Checkpoints;

namespace Distributed.Grains.Jobs;

/// <summary>A job grain's persisted state (plain JSON in grain storage).</summary>
public sealed class JobGrainState
{
    public JobSpec? Spec { get; set; }

    public JobState State { get; set; }

    public long TotalSteps { get; set; }

    /// <summary>The last step every rank of the current world completed.</summary>
    public long Step { get; set; }

    /// <summary>Worlds formed so far (the next world's id counts on from it).</summary>
    public int Worlds { get; set; }

    public string? WorldId { get; set; }

    public List<WorldMember> World { get; set; } = [];

    public List<StepReport> LastSteps { get; set; } = [];

    /// <summary>Ranks of the current world that finished (or stopped) their last step.</summary>
    public List<int> Finished { get; set; } = [];

    public List<StepPoint> History { get; set; } = [];

    public List<EvaluationReport> Evaluations { get; set; } = [];

    public List<CheckpointInfo> Checkpoints { get; set; } = [];

    public List<JobEvent> Events { get; set; } = [];

    public string? Error { get; set; }

    /// <summary>The committed checkpoint (step-N) the next world restores, after `job resume`; null: the job file's initialisation.</summary>
    public string? RestoreFrom { get; set; }

    /// <summary>The silo of the activation that last wrote this state: a new activation elsewhere means the coordinator moved.</summary>
    public string? Coordinator { get; set; }

    /// <summary>The recovery under way (a world broke or regroups), or null.</summary>
    public RecoveryState? Recovery { get; set; }

    /// <summary>Set when a world is formed after a failure or a regroup; its first step report closes it with the timeline's numbers.</summary>
    public ResumeMark? Resume { get; set; }

    /// <summary>The job's micro-batch, fixed at its first world (the job file's micro_batch, else that world's samples per rank): a smaller
    /// world keeps the global batch by accumulating more micro-batches of this size, so a survivor never needs more memory per pass.</summary>
    public int? MicroBatch { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Updated { get; set; }
}
