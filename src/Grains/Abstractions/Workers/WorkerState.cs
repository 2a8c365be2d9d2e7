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
}
