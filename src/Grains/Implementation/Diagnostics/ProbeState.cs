namespace Distributed.Grains.Diagnostics;

/// <summary>The probe's persisted state. Stored as plain JSON (System.Text.Json): no type names.</summary>
[GenerateSerializer, Alias("distributed.probe-state")]
public sealed class ProbeState
{
    [Id(0)]
    public long Count { get; set; }

    /// <summary>The silo whose activation wrote the count.</summary>
    [Id(1)]
    public string? WrittenBy { get; set; }
}
