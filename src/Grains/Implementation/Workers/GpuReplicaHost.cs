using Distributed.Grains.Placement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Distributed.Grains.Workers;

/// <summary>
/// The silo-local owner of this silo's GPU replicas: one <see cref="GpuSlot"/> (dedicated thread + replica) per
/// owned GPU, alive as long as the silo process. <see cref="WorkerGrain"/> activations only attach to a slot, so
/// a worker grain that is deactivated (idle collection, or the grain directory dropping it because another silo
/// died) re-attaches to the same replica on its next activation.
/// </summary>
public sealed partial class GpuReplicaHost : IDisposable
{
    private readonly Dictionary<int, GpuSlot> _slots = [];
    private readonly ILogger<GpuReplicaHost> _log;

    public GpuReplicaHost(IOptions<GpuHostOptions> options, IOptions<TrainingWorkerOptions> training, ILogger<GpuReplicaHost> log)
    {
        _log = log;
        var gpus = options.Value.Gpus;
        var threads = CpuThreadsOf(training.Value);
        for (var local = 0; local < gpus.Count; local++)
        {
            var slot = new GpuSlot(gpus[local], local, Math.Max(1, threads / gpus.Count));
            _slots.Add(slot.Gpu, slot);
            LogSlotStarted(_log, slot.Gpu, local, slot.Replica.Id, slot.Queue.ThreadId);
        }
    }

    /// <summary>The global GPU indices this silo owns.</summary>
    public IReadOnlyCollection<int> Gpus => _slots.Keys;

    /// <summary>The slot of <paramref name="gpu"/>, or <see cref="NoGpuOwnerException"/> if this silo does not own it.</summary>
    public GpuSlot Attach(int gpu) => _slots.TryGetValue(gpu, out var slot)
        ? slot
        : throw new NoGpuOwnerException(gpu, $"GPU {gpu} is not owned by this silo (it owns {SiloGpus.Format(_slots.Keys)}): " +
                                             "the worker was placed from stale silo metadata; call again.");

    // The silo's CPU threads for training: the option, else DISTRIBUTED_THREADS, else the physical cores.
    private static int CpuThreadsOf(TrainingWorkerOptions options)
    {
        if (options.CpuThreads is { } n) return n;
        var variable = Environment.GetEnvironmentVariable(TrainingWorkerOptions.ThreadsVariable);
        return int.TryParse(variable, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var e) && e >= 1
            ? e
            : Distributed.Trainer.Torch.CpuTopology.PhysicalCores();
    }

    public void Dispose()
    {
        foreach (var slot in _slots.Values) slot.Dispose();
        _slots.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "GPU {Gpu} (local device {LocalDevice}): replica {ReplicaId} on thread {ThreadId}")]
    private static partial void LogSlotStarted(ILogger logger, int gpu, int localDevice, Guid replicaId, int threadId);
}
