namespace Distributed.Grains.Jobs;

/// <summary>The kinds of <see cref="JobEvent"/>.</summary>
public static class JobEventKinds
{
    public const string Submitted = "submitted";
    public const string WorldFormed = "world-formed";
    public const string Started = "started";
    public const string CheckpointStarted = "checkpoint-started";
    public const string CheckpointCommitted = "checkpoint-committed";
    public const string CheckpointAbandoned = "checkpoint-abandoned";
    public const string WorkerLost = "worker-lost";
    public const string Detected = "detected";
    public const string Aborted = "aborted";
    public const string Restored = "restored";
    public const string Regrouping = "regrouping";
    public const string Released = "released";
    public const string Resumed = "resumed";
    public const string CoordinatorMoved = "coordinator-moved";
    public const string Evaluated = "evaluated";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string CancelRequested = "cancel-requested";
    public const string Cancelled = "cancelled";
}
