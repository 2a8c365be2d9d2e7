namespace Distributed.Actors;

/// <summary>
/// Stable wire name of a grain interface. Grain ids, directory keys and persisted state are keyed by it,
/// so renaming or moving the interface does not orphan existing grains.
/// </summary>
[AttributeUsage(AttributeTargets.Interface)]
public sealed class AliasAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
