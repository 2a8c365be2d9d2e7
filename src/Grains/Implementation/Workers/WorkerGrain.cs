using Distributed.Grains.Checkpoints;
using Distributed.Grains.Placement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Distributed.Grains.Workers;

/// <summary>
/// The handle of GPU k (key k): placed on k's owner, attached to the silo's <see cref="GpuSlot"/> for k. Work goes
/// to the slot's dedicated thread; the grain's turn only waits for it.
/// </summary>
[GpuPlacement]
public sealed partial class WorkerGrain(
    GpuReplicaHost host, ILocalSiloDetails silo, IOptions<TrainingWorkerOptions> training, RankCheckpointWriter checkpoints, ILoggerFactory loggers,
    ILogger<WorkerGrain> log) : Grain, IWorkerGrain
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

    public Task<RendezvousAddress> OpenRendezvousAsync(string jobId, string worldId)
    {
        // Served on the address other silos reach this one at; the port is a free one.
        var host = silo.SiloAddress.Endpoint.Address.ToString();
        var store = _slot.OpenRendezvous(host, training.Value.JoinTimeout);
        LogRendezvous(log, jobId, worldId, _slot.Gpu, store.Host, store.Port);
        return Task.FromResult(new RendezvousAddress(store.Host, store.Port));
    }

    public Task StartAsync(WorkerAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        _slot.Start(new WorkerRun(_slot, assignment, training.Value, GrainFactory, checkpoints, loggers));
        return Task.CompletedTask;
    }

    public Task StopAsync(string jobId, string reason)
    {
        if (_slot.Run is { IsActive: true } run && run.JobId == jobId)
        {
            LogStopping(log, jobId, _slot.Gpu, reason);
            run.RequestStop();
        }
        return Task.CompletedTask;
    }

    public Task RequestCheckpointAsync(string jobId)
    {
        if (_slot.Run is { IsActive: true } run && run.JobId == jobId) run.RequestCheckpoint();
        return Task.CompletedTask;
    }

    public Task AbortAsync(string jobId, string worldId, string reason)
    {
        if (_slot.Run is { IsActive: true } run && run.JobId == jobId && run.WorldId == worldId)
        {
            LogAborting(log, jobId, worldId, _slot.Gpu, reason);
            run.Abort();
        }
        return Task.CompletedTask;
    }

    public Task RegroupAsync(string jobId, string worldId, string reason)
    {
        if (_slot.Run is { IsActive: true } run && run.JobId == jobId && run.WorldId == worldId)
        {
            LogRegrouping(log, jobId, worldId, _slot.Gpu, reason);
            run.RequestRegroup();
        }
        return Task.CompletedTask;
    }

    public async Task ReleaseAsync(string jobId, string reason)
    {
        if (await _slot.ReleaseAsync(jobId)) LogReleased(log, jobId, _slot.Gpu, reason);
    }

    public Task<WorkerStatus> GetStatusAsync()
    {
        var run = _slot.Run;
        var state = run?.State ?? WorkerState.Idle;
        var (jobId, step) = (run?.JobId, run?.Step ?? 0);
        if (_slot.Retained is { } kept)
        {
            // Between two worlds of a job (or the run ended and the slot still holds a replica of an earlier world).
            if (run is null or { IsActive: false }) (state, jobId, step) = (WorkerState.Retained, kept.JobId, kept.Step);
        }
        else if (state == WorkerState.Retained)
        {
            state = WorkerState.Idle; // the job released it
        }
        return Task.FromResult(new WorkerStatus(_slot.Gpu, silo.Name, run?.Device ?? "", state, jobId, run?.WorldId, run?.Assignment.Rank ?? -1,
            step, run?.LastStep, Environment.WorkingSet, run?.Error));
    }

    private ReplicaInfo Info() => new(_slot.Gpu, _slot.LocalDevice, _slot.Replica.Id, _slot.Replica.Version, silo.Name,
        Environment.ProcessId, GrainContext.ActivationId.ToString(), _slot.Queue.ThreadId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: world {WorldId} meets at the TCPStore of GPU {Gpu}, {Host}:{Port}")]
    private static partial void LogRendezvous(ILogger logger, string jobId, string worldId, int gpu, string host, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: GPU {Gpu} stops at the next step boundary ({Reason})")]
    private static partial void LogStopping(ILogger logger, string jobId, int gpu, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: world {WorldId} on GPU {Gpu} aborted ({Reason})")]
    private static partial void LogAborting(ILogger logger, string jobId, string worldId, int gpu, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: world {WorldId} on GPU {Gpu} regroups at the next step boundary ({Reason})")]
    private static partial void LogRegrouping(ILogger logger, string jobId, string worldId, int gpu, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: GPU {Gpu} dropped the replica it kept ({Reason})")]
    private static partial void LogReleased(ILogger logger, string jobId, int gpu, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker for GPU {Gpu} attached to replica {ReplicaId} at version {Version} (activation {ActivationId})")]
    private static partial void LogAttached(ILogger logger, int gpu, Guid replicaId, long version, string activationId);
}
