namespace Distributed.Grains.Diagnostics;

/// <param name="Count">The counter, as last written to storage.</param>
/// <param name="ETag">The storage ETag of that write (null before the first write).</param>
/// <param name="Silo">The name of the silo the activation runs on.</param>
/// <param name="ProcessId">That silo's process id.</param>
/// <param name="ActivationId">The activation that answered: a new one after a failover or a deactivation.</param>
[GenerateSerializer, Immutable, Alias("distributed.probe-reply")]
public sealed record ProbeReply(
    [property: Id(0)] long Count,
    [property: Id(1)] string? ETag,
    [property: Id(2)] string Silo,
    [property: Id(3)] int ProcessId,
    [property: Id(4)] string ActivationId);
