namespace Distributed.Actors;

/// <summary>Places a new activation on a live silo chosen at random.</summary>
public sealed class RandomPlacementAttribute : PlacementAttribute
{
    internal override PlacementStrategy Strategy => PlacementStrategy.Random;
}
