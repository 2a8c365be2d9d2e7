namespace Distributed.Grains.Workers;

/// <summary>
/// The addressable handle of one GPU. The key is the GPU's global index (0..world-1 over the whole cluster); the grain
/// always activates on the silo that owns that GPU (silo flag <c>--gpus</c>), never elsewhere. The replica it fronts
/// (weights, optimizer, CUDA context) lives in a silo-local per-GPU host, so a deactivation of this grain, for
/// whatever reason, loses nothing: the next activation re-attaches to the same replica.
/// </summary>
/// <remarks>
/// Messages to workers carry control and metrics only. Weights, checkpoints and any other large payload go through
/// blob storage and are passed by reference (container + blob name); grain messages have a body limit
/// (MaxMessageBodySize, 100 MiB by default) that the caller's message-size guard enforces before sending.
/// </remarks>
[Alias("distributed.worker")]
public interface IWorkerGrain : IGrainWithIntegerKey
{
    /// <summary>Where the worker runs and which replica it holds, without touching the GPU thread.</summary>
    [Alias("ping")]
    Task<ReplicaInfo> PingAsync();

    /// <summary>Runs one unit of work on the GPU's dedicated thread (on CPU: advances the stand-in replica's version).</summary>
    [Alias("touch")]
    Task<ReplicaInfo> TouchReplicaAsync();

    /// <summary>Diagnostics: calls the worker of <paramref name="peerGpu"/> <paramref name="calls"/> times in a row
    /// and returns each round trip in microseconds: the control-plane latency between two GPU hosts.</summary>
    [Alias("time-peer")]
    Task<double[]> TimePeerCallsAsync(int peerGpu, int calls);

    // --- training (the job grain drives these)

    /// <summary>Opens the TCPStore of a new world on this worker's host (it will be rank 0) and returns its address.</summary>
    [Alias("open-rendezvous")]
    Task<RendezvousAddress> OpenRendezvousAsync(string jobId, string worldId);

    /// <summary>Starts training its rank of a world on the GPU's dedicated thread; returns once the work is queued.</summary>
    [Alias("start")]
    Task StartAsync(WorkerAssignment assignment);

    /// <summary>Stops the job's training at the next step boundary (a no-op when it runs another job or none).</summary>
    [Alias("stop")]
    Task StopAsync(string jobId, string reason);

    /// <summary>Checkpoints the job at the next step boundary (a no-op when it runs another job or none).</summary>
    [Alias("request-checkpoint")]
    Task RequestCheckpointAsync(string jobId);

    /// <summary>Tears the world down now: aborts its communicator so no rank waits on a dead peer, and keeps the replica
    /// at its last completed step (the job may form a new world from the survivors).</summary>
    [Alias("abort")]
    Task AbortAsync(string jobId, string worldId, string reason);

    /// <summary>Leaves the world at the next step boundary (every rank agrees on which one) and keeps the replica, so
    /// the job can form a larger world with it (a worker joined).</summary>
    [Alias("regroup")]
    Task RegroupAsync(string jobId, string worldId, string reason);

    /// <summary>Drops a replica kept for the job (<see cref="WorkerState.Retained"/>); a no-op otherwise.</summary>
    [Alias("release")]
    Task ReleaseAsync(string jobId, string reason);

    [Alias("status")]
    Task<WorkerStatus> GetStatusAsync();
}
