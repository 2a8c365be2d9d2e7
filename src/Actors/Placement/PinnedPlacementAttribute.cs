namespace Distributed.Actors;

/// <summary>
/// For grains that own local hardware (a GPU): the key is "{siloName}/{rest}" and the grain only ever activates on the
/// live silo of that name; calls fail with <see cref="PlacementException"/> while that silo is down.
/// </summary>
public sealed class PinnedPlacementAttribute : PlacementAttribute
{
    internal override PlacementStrategy Strategy => PlacementStrategy.Pinned;
}
