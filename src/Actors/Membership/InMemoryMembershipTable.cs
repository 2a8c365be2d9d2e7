using System.Collections.Immutable;

namespace Distributed.Actors.Membership;

/// <summary>The membership of an in-process cluster (embedded mode, tests): silos join and leave by method call.</summary>
public sealed class InMemoryMembershipTable
{
    private readonly object _sync = new();
    private ImmutableArray<SiloInfo> _silos = [];
    private long _version;

    public SnapshotBroadcaster Updates { get; } = new();

    /// <summary>Raised with the silo id after a silo left, so the in-memory directory can drop its entries.</summary>
    public event Action<string>? SiloRemoved;

    public void Add(SiloInfo silo)
    {
        lock (_sync)
        {
            _silos = _silos.RemoveAll(s => s.SiloId == silo.SiloId).Add(silo);
            Updates.Publish(new MembershipSnapshot(++_version, _silos));
        }
    }

    public void Remove(string siloId)
    {
        lock (_sync)
        {
            _silos = _silos.RemoveAll(s => s.SiloId == siloId);
            Updates.Publish(new MembershipSnapshot(++_version, _silos));
        }
        SiloRemoved?.Invoke(siloId);
    }
}
