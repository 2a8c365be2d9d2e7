namespace Distributed.Actors;

/// <summary>This interface method does not change the grain: read-only calls interleave with each other, never with writers.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;
