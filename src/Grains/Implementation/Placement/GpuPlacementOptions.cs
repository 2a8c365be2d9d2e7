namespace Distributed.Grains.Placement;

public sealed class GpuPlacementOptions
{
    /// <summary>
    /// How long placement waits for the metadata of silos it has not heard from yet. Orleans fetches a silo's
    /// metadata by RPC after the silo joins, so a silo that joined a moment ago looks unknown for a few hundred ms;
    /// silos whose metadata is known and that do not own the GPU never cause a wait.
    /// </summary>
    public TimeSpan UnknownSiloWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often placement looks again while it waits.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}
