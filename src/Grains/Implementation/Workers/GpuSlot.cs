namespace Distributed.Grains.Workers;

/// <summary>One GPU this silo owns: its work queue (dedicated thread) and the replica that lives on it.</summary>
public sealed class GpuSlot : IDisposable
{
    internal GpuSlot(int gpu, int localDevice)
    {
        Gpu = gpu;
        LocalDevice = localDevice;
        Queue = new GpuWorkQueue($"gpu-{gpu}");
        // The replica is made on its own thread: on a GPU that is where its CUDA context and tensors are bound.
        Replica = Queue.RunAsync(() => new GpuReplica(gpu, localDevice)).GetAwaiter().GetResult();
    }

    /// <summary>The GPU's global index (the worker grain's key).</summary>
    public int Gpu { get; }

    /// <summary>The device ordinal on this host: the GPU's position in the silo's GPU list.</summary>
    public int LocalDevice { get; }

    public GpuWorkQueue Queue { get; }

    public GpuReplica Replica { get; }

    public void Dispose() => Queue.Dispose();
}
