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
}
