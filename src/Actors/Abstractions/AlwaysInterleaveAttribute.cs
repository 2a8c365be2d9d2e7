namespace Distributed.Actors;

/// <summary>This interface method runs without waiting for the activation's turn, and does not block other calls.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;
