namespace Distributed.Actors.Membership;

/// <summary>
/// A live silo. <paramref name="SiloId"/> is unique per process start; <paramref name="Name"/> is the logical name
/// (pinned placement uses it). Clients watch membership without hosting grains.
/// </summary>
public sealed record SiloInfo(string SiloId, string Name, string Endpoint, bool HostsGrains, DateTimeOffset StartedAt);
