namespace Distributed.Grains.Workers;

public sealed class GpuHostOptions
{
    /// <summary>The global GPU indices this silo owns, in local device order (the i-th entry is local device i).</summary>
    public IReadOnlyList<int> Gpus { get; set; } = [];
}
