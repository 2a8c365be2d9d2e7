namespace Distributed.Grains.Placement;

/// <summary>
/// A worker grain for a GPU was called but no live silo owns that GPU (or more than one claims it). Thrown by the
/// placement director at once instead of placing the worker on a host that does not have the GPU.
/// </summary>
[GenerateSerializer, Alias("distributed.no-gpu-owner")]
public sealed class NoGpuOwnerException : OrleansException
{
    public NoGpuOwnerException(int gpu, string message) : base(message) => Gpu = gpu;

    /// <summary>The GPU's global index (the worker grain's key).</summary>
    [Id(0)]
    public int Gpu { get; }

    /// <summary>No live silo lists <paramref name="gpu"/> in its GPUs.</summary>
    public static NoGpuOwnerException NoOwner(int gpu, IEnumerable<string> liveSilos) => new(gpu,
        $"No live silo owns GPU {gpu} (live silos: {Describe(liveSilos)}). Start a silo on the host with that GPU with " +
        $"`distributed silo --gpus {gpu}` (or restart the one that died), then call again.");

    /// <summary>Two live silos list <paramref name="gpu"/>: a configuration mistake that would put two replicas on one GPU.</summary>
    public static NoGpuOwnerException Conflict(int gpu, IEnumerable<string> owners) => new(gpu,
        $"GPU {gpu} is claimed by more than one live silo ({Describe(owners)}): give each GPU index to one silo only (--gpus).");

    private static string Describe(IEnumerable<string> silos) => string.Join(", ", silos) is { Length: > 0 } s ? s : "none";
}
