namespace Distributed.Actors;

/// <summary>Places a new activation on the live silo chosen by a stable hash of the grain id.</summary>
public sealed class HashPlacementAttribute : PlacementAttribute
{
    internal override PlacementStrategy Strategy => PlacementStrategy.Hash;
}
