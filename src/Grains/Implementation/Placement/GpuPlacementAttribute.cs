using Orleans.Placement;

namespace Distributed.Grains.Placement;

/// <summary>Marks a grain class (integer key = global GPU index) to be placed by <see cref="GpuPlacementDirector"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class GpuPlacementAttribute() : PlacementAttribute(new GpuPlacementStrategy());
