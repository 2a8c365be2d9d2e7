namespace Distributed.Grains.Placement;

/// <summary>Place a coordinating grain (a job) on a silo without GPUs when there is one, else on any silo.</summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("distributed.coordinator-placement")]
public sealed class CoordinatorPlacementStrategy : PlacementStrategy;
