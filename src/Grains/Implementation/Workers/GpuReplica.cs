namespace Distributed.Grains.Workers;

/// <summary>
/// The model replica one GPU holds. Created, changed and disposed on the GPU's dedicated thread only; other
/// threads read its identity and version (both safe to read from anywhere).
/// </summary>
/// <remarks>
/// Until the training loop lands (the cluster-job issue), the replica is a stand-in with an identity and a version
/// counter, which is what the failure tests need to tell "same replica, untouched" from "rebuilt".
/// </remarks>
public sealed class GpuReplica
{
    private long _version;

    internal GpuReplica(int gpu, int localDevice)
    {
        Gpu = gpu;
        LocalDevice = localDevice;
    }

    public int Gpu { get; }

    public int LocalDevice { get; }

    /// <summary>New for every replica: a silo restart makes a new one, a grain re-activation does not.</summary>
    public Guid Id { get; } = Guid.NewGuid();

    /// <summary>Units of work this replica has run.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>One unit of work (on the GPU thread).</summary>
    internal long Advance() => Interlocked.Increment(ref _version);
}
