namespace Distributed.Actors.Membership;

/// <summary>This silo's registration in the cluster and its view of the others.</summary>
public interface IMembershipService
{
    /// <summary>This silo (its endpoint is known once the silo started).</summary>
    SiloInfo Local { get; }

    MembershipSnapshot Current { get; }

    /// <summary>
    /// False while this silo cannot confirm that its registration (and so its directory entries) still exists: its
    /// activations must not run calls then, or a grain that re-activated elsewhere would briefly run twice.
    /// </summary>
    bool HoldsLease { get; }

    /// <summary>The current snapshot, then every later one, until cancelled.</summary>
    IAsyncEnumerable<MembershipSnapshot> WatchAsync(CancellationToken cancellationToken);

    Task JoinAsync(SiloInfo local, CancellationToken cancellationToken);

    Task LeaveAsync(CancellationToken cancellationToken);
}
