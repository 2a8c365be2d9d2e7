namespace Distributed.Grains.Diagnostics;

/// <summary>
/// A persisted counter for checking a deployment end to end: placement, activation, grain storage and failover.
/// `distributed probe` and the cluster tests use it; any string key makes a separate probe.
/// </summary>
[Alias("distributed.probe")]
public interface IProbeGrain : IGrainWithStringKey
{
    /// <summary>Adds one to the counter and writes it to grain storage before answering.</summary>
    [Alias("increment")]
    Task<ProbeReply> IncrementAsync();

    /// <summary>The counter as this activation holds it (no storage access).</summary>
    [Alias("read")]
    Task<ProbeReply> ReadAsync();
}
