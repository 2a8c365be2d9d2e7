namespace Distributed.Actors;

internal enum PlacementStrategy
{
    Hash,
    Random,
    Pinned,
}
