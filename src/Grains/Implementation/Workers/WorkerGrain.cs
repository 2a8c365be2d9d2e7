using Distributed.Grains.Placement;
using Microsoft.Extensions.Logging;

namespace Distributed.Grains.Workers;

/// <summary>
/// The handle of GPU k (key k): placed on k's owner, attached to the silo's <see cref="GpuSlot"/> for k. Work goes
/// to the slot's dedicated thread; the grain's turn only waits for it.
/// </summary>
[GpuPlacement]
public sealed partial class WorkerGrain(GpuReplicaHost host, ILocalSiloDetails silo, ILogger<WorkerGrain> log) : Grain, IWorkerGrain
{
    private GpuSlot _slot = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _slot = host.Attach(checked((int)this.GetPrimaryKeyLong()));
        LogAttached(log, _slot.Gpu, _slot.Replica.Id, _slot.Replica.Version, GrainContext.ActivationId.ToString());
        return Task.CompletedTask;
    }

    public Task<ReplicaInfo> PingAsync() => Task.FromResult(Info());

    public async Task<ReplicaInfo> TouchReplicaAsync()
    {
        var replica = _slot.Replica;
        await _slot.Queue.RunAsync(replica.Advance);
        return Info();
    }

    public async Task<double[]> TimePeerCallsAsync(int peerGpu, int calls)
    {
        var peer = GrainFactory.GetGrain<IWorkerGrain>(peerGpu);
        var times = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            await peer.PingAsync();
            times[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        return times;
    }

    // Training lands with the cluster job (issue 10); until then a worker refuses training work with a clear error.
    public Task<RendezvousAddress> OpenRendezvousAsync(string jobId, string worldId) => throw NotYet();

    public Task StartAsync(WorkerAssignment assignment) => throw NotYet();

    public Task StopAsync(string jobId, string reason) => throw NotYet();

    public Task AbortAsync(string jobId, string worldId, string reason) => throw NotYet();

    public Task<WorkerStatus> GetStatusAsync() => throw NotYet();

    private static NotSupportedException NotYet() => new("training on workers is not built yet (issue 10)");

    private ReplicaInfo Info() => new(_slot.Gpu, _slot.LocalDevice, _slot.Replica.Id, _slot.Replica.Version, silo.Name,
        Environment.ProcessId, GrainContext.ActivationId.ToString(), _slot.Queue.ThreadId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker for GPU {Gpu} attached to replica {ReplicaId} at version {Version} (activation {ActivationId})")]
    private static partial void LogAttached(ILogger logger, int gpu, Guid replicaId, long version, string activationId);
}
