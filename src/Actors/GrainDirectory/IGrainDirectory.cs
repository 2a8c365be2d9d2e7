namespace Distributed.Actors.GrainDirectory;

/// <summary>The cluster-wide map from grain id to its one activation.</summary>
public interface IGrainDirectory
{
    Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken);

    /// <summary>
    /// Registers <paramref name="address"/> unless the grain already has an activation; returns the registered one,
    /// which is <paramref name="address"/> only when this call won.
    /// </summary>
    Task<GrainAddress> RegisterAsync(GrainAddress address, CancellationToken cancellationToken);

    /// <summary>Removes the entry only if it is still <paramref name="address"/>.</summary>
    Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken);

    /// <summary>Every registered activation in the cluster (for dashboards).</summary>
    Task<IReadOnlyList<GrainAddress>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Raised when an entry this silo registered was lost (its lease expired and another silo took the grain).</summary>
    event Action<GrainAddress>? RegistrationLost;
}
