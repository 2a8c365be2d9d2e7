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

    /// <summary>The silo of the activation that last wrote this state: a new activation elsewhere means the coordinator moved.</summary>
    public string? Coordinator { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Updated { get; set; }
}
