using System.Collections.Immutable;

namespace Distributed.Actors.Membership;

/// <summary>An immutable view of the live silos; a higher version is a later view.</summary>
public sealed record MembershipSnapshot(long Version, ImmutableArray<SiloInfo> Silos)
{
    public static MembershipSnapshot Empty { get; } = new(0, []);

    public SiloInfo? Find(string siloId) => Silos.FirstOrDefault(s => s.SiloId == siloId);

    public bool IsLive(string siloId) => Find(siloId) is not null;
}
