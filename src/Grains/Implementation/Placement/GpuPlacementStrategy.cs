namespace Distributed.Grains.Placement;

/// <summary>Place a grain whose integer key is a global GPU index on the one live silo that owns that GPU.</summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("distributed.gpu-placement")]
public sealed class GpuPlacementStrategy : PlacementStrategy;
