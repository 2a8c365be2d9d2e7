namespace Distributed.Actors;

/// <summary>No live silo can host the grain.</summary>
public sealed class PlacementException(string message) : Exception(message);
