using Distributed.Trainer.Collectives;

namespace Distributed.Grains.Workers;

/// <summary>One GPU this silo owns: its work queue (dedicated thread), the replica that lives on it, and the training run on it.</summary>
public sealed class GpuSlot : IDisposable
{
    private readonly Lock _lock = new();
    private volatile WorkerRun? _run;
    private TcpStore? _store;

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
        Queue.Dispose();
        CloseRendezvous();
    }
}
