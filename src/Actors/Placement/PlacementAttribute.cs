namespace Distributed.Actors;

/// <summary>Chooses the placement strategy of a grain class; grains without one use <see cref="HashPlacementAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface, Inherited = true)]
public abstract class PlacementAttribute : Attribute
{
    internal abstract PlacementStrategy Strategy { get; }
}
