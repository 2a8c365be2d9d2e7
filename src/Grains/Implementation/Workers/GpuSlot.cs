using Distributed.Trainer.Collectives;
using Distributed.Trainer.Training;

namespace Distributed.Grains.Workers;

/// <summary>One GPU this silo owns: its work queue (dedicated thread), the replica that lives on it, and the training run on it.</summary>
public sealed class GpuSlot : IDisposable
{
    private readonly Lock _lock = new();
    private volatile WorkerRun? _run;
    private TcpStore? _store;
    private RetainedReplica? _retained;

    internal GpuSlot(int gpu, int localDevice, int cpuThreads)
    {
        Gpu = gpu;
        LocalDevice = localDevice;
        CpuThreads = cpuThreads;
        Queue = new GpuWorkQueue($"gpu-{gpu}");
        // The replica is made on its own thread: on a GPU that is where its CUDA context and tensors are bound.
        Replica = Queue.RunAsync(() => new GpuReplica(gpu, localDevice)).GetAwaiter().GetResult();
    }

    /// <summary>The GPU's global index (the worker grain's key).</summary>
    public int Gpu { get; }

    /// <summary>The device ordinal on this host: the GPU's position in the silo's GPU list.</summary>
    public int LocalDevice { get; }

    /// <summary>libtorch intra-op threads of a CPU run on this slot (this slot's share of the silo's CPU threads).</summary>
    public int CpuThreads { get; }

    public GpuWorkQueue Queue { get; }

    public GpuReplica Replica { get; }

    /// <summary>The newest run on this slot (still running or ended), or null.</summary>
    internal WorkerRun? Run => _run;

    /// <summary>The TCPStore this slot serves for a world in which it is rank 0.</summary>
    internal TcpStore? RendezvousStore
    {
        get
        {
            lock (_lock) return _store;
        }
    }

    /// <summary>Serves a new world's TCPStore on a free port of <paramref name="host"/> (closing any earlier one).</summary>
    internal TcpStore OpenRendezvous(string host, TimeSpan timeout)
    {
        lock (_lock)
        {
            _store?.Dispose();
            _store = TcpStore.Serve(host, 0, timeout);
            return _store;
        }
    }

    internal void CloseRendezvous()
    {
        lock (_lock)
        {
            _store?.Dispose();
            _store = null;
        }
    }

    /// <summary>The job and step of the replica kept between two worlds of a job, or null.</summary>
    internal (string JobId, long Step)? Retained
    {
        get
        {
            lock (_lock) return _retained is { } r ? (r.JobId, r.Session.StepCount) : null;
        }
    }

    /// <summary>Keeps a job's replica for its next world (on the dedicated thread, which owns the session). A replica
    /// kept earlier is dropped.</summary>
    internal void Retain(string jobId, TrainingSession session)
    {
        RetainedReplica? dropped;
        lock (_lock)
        {
            dropped = _retained;
            _retained = new RetainedReplica(jobId, session);
        }
        if (dropped is not null && !ReferenceEquals(dropped.Session, session)) dropped.Session.Dispose();
    }

    /// <summary>The replica kept for <paramref name="jobId"/>, handed over (on the dedicated thread); a replica of
    /// another job is dropped, so its memory is free for the run that asks.</summary>
    internal TrainingSession? TakeRetained(string jobId)
    {
        RetainedReplica? kept;
        lock (_lock)
        {
            kept = _retained;
            _retained = null;
        }
        if (kept is null) return null;
        if (kept.JobId == jobId) return kept.Session;
        kept.Session.Dispose();
        return null;
    }

    /// <summary>Drops the replica kept for <paramref name="jobId"/>, on the dedicated thread; true when there was one.</summary>
    internal Task<bool> ReleaseAsync(string jobId) => Queue.RunAsync(() =>
    {
        RetainedReplica? kept;
        lock (_lock)
        {
            if (_retained?.JobId != jobId) return false;
            kept = _retained;
            _retained = null;
        }
        kept.Session.Dispose();
        return true;
    });

    /// <summary>Queues <paramref name="run"/> on the dedicated thread, unless another run is active.</summary>
    internal void Start(WorkerRun run)
    {
        lock (_lock)
        {
            if (_run is { IsActive: true } current && current.WorldId != run.WorldId)
                throw new InvalidOperationException($"GPU {Gpu} is busy with job {current.JobId} (world {current.WorldId}, {current.State}): stop that job first");
            if (_run is { IsActive: true }) return; // the same world asked twice
            _run = run;
        }
        _ = Queue.RunAsync(run.Run);
    }

    public void Dispose()
    {
        _run?.Abort();
        _ = Queue.RunAsync(() =>
        {
            lock (_lock)
            {
                _retained?.Session.Dispose();
                _retained = null;
            }
        });
        Queue.Dispose();
        CloseRendezvous();
    }

    private sealed record RetainedReplica(string JobId, TrainingSession Session);
}
