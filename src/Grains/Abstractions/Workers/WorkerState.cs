namespace Distributed.Grains.Workers;

/// <summary>What a worker is doing.</summary>
[GenerateSerializer, Alias("distributed.worker-state")]
public enum WorkerState
{
    Idle,
    Joining,
    Training,
    Stopping,
    Failed,

    /// <summary>Out of its world (a peer was lost, or the world regroups) but holding its job's replica at a step
    /// boundary, for the job's next world; free for that job only, until the job releases it.</summary>
    Retained,
}
