namespace Distributed.Actors.Membership;

/// <summary>This silo's registration in the cluster and its view of the others.</summary>
public interface IMembershipService
{
    /// <summary>This silo (its endpoint is known once the silo started).</summary>
    SiloInfo Local { get; }

    MembershipSnapshot Current { get; }

    /// <summary>The current snapshot, then every later one, until cancelled.</summary>
    IAsyncEnumerable<MembershipSnapshot> WatchAsync(CancellationToken cancellationToken);

    Task JoinAsync(SiloInfo local, CancellationToken cancellationToken);

    Task LeaveAsync(CancellationToken cancellationToken);
}
