using Orleans.Placement;

namespace Distributed.Grains.Placement;

/// <summary>Marks a grain class to be placed by <see cref="CoordinatorPlacementDirector"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CoordinatorPlacementAttribute() : PlacementAttribute(new CoordinatorPlacementStrategy());
