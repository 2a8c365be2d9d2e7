namespace Distributed.Actors;

/// <summary>Every call of this grain class may interleave with the others (no turn gate).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ReentrantAttribute : Attribute;
