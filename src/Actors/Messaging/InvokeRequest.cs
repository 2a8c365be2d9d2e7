using System.Text.Json;

namespace Distributed.Actors.Messaging;

/// <summary>
/// A grain call on the wire. <paramref name="PlaceHere"/> tells the receiving silo that placement chose it, so it
/// activates the grain itself instead of placing again; <paramref name="Hops"/> bounds forwarding.
/// </summary>
public sealed record InvokeRequest(
    string GrainType,
    string Key,
    string Method,
    JsonElement[] Arguments,
    int TimeoutMs,
    bool PlaceHere,
    int Hops);
