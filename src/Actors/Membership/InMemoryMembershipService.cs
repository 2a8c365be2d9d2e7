namespace Distributed.Actors.Membership;

/// <summary>Membership backed by an <see cref="InMemoryMembershipTable"/> shared by the silos of one process.</summary>
public sealed class InMemoryMembershipService(InMemoryMembershipTable table) : IMembershipService
{
    private SiloInfo? _local;

    public SiloInfo Local => _local ?? throw new InvalidOperationException("The silo has not joined yet.");

    public MembershipSnapshot Current => table.Updates.Current;

    public bool HoldsLease => true;

    public IAsyncEnumerable<MembershipSnapshot> WatchAsync(CancellationToken cancellationToken) => table.Updates.WatchAsync(cancellationToken);

    public Task JoinAsync(SiloInfo local, CancellationToken cancellationToken)
    {
        _local = local;
        table.Add(local);
        return Task.CompletedTask;
    }

    public Task LeaveAsync(CancellationToken cancellationToken)
    {
        if (_local is not null)
        {
            table.Remove(_local.SiloId);
        }
        return Task.CompletedTask;
    }
}
