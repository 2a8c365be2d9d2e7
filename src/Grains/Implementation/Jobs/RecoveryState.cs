namespace Distributed.Grains.Jobs;

/// <summary>A recovery in progress: world <see cref="WorldId"/> broke (or regroups to grow) and the job waits for its ranks to leave it.</summary>
public sealed class RecoveryState
{
    public string WorldId { get; set; } = "";

    public string Reason { get; set; } = "";

    /// <summary>True for a regroup at a step boundary to take in new workers (nothing failed).</summary>
    public bool Grow { get; set; }

    public DateTimeOffset Detected { get; set; }

    /// <summary>Ranks that have not left by then are counted as lost.</summary>
    public DateTimeOffset Deadline { get; set; }

    /// <summary>The newest step any rank of the broken world reported completed.</summary>
    public long LastCompleted { get; set; }

    /// <summary>Ranks known lost (their silo is dead, or they never reported back).</summary>
    public List<int> Lost { get; set; } = [];

    /// <summary>Ranks that left the world, with the step of the replica they kept.</summary>
    public List<LeftWorld> Left { get; set; } = [];
}

/// <summary>One rank that left a broken world.</summary>
public sealed record LeftWorld(int Rank, int Gpu, long Step, bool ReplicaKept);

/// <summary>What the first step of a world formed after a failure reports on the timeline.</summary>
public sealed record ResumeMark(DateTimeOffset Detected, long LastCompleted, long FromStep, bool Grow);
