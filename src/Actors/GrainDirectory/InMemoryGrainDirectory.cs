using System.Collections.Concurrent;
using Distributed.Actors.Membership;

namespace Distributed.Actors.GrainDirectory;

/// <summary>
/// The directory of an in-process cluster. Entries of a silo vanish when it leaves the membership table, as etcd's
/// lease-bound entries do.
/// </summary>
public sealed class InMemoryGrainDirectory : IGrainDirectory
{
    private readonly ConcurrentDictionary<GrainId, GrainAddress> _entries = new();

    public InMemoryGrainDirectory(InMemoryMembershipTable membership) => membership.SiloRemoved += RemoveSilo;

    // In memory an entry only goes away with its silo, so a registration is never lost to another silo.
    public event Action<GrainAddress>? RegistrationLost
    {
        add { }
        remove { }
    }

    public Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.TryGetValue(grainId, out var address) ? address : null);

    public Task<GrainAddress> RegisterAsync(GrainAddress address, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.GetOrAdd(address.GrainId, address));

    public Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken)
    {
        _entries.TryRemove(KeyValuePair.Create(address.GrainId, address));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<GrainAddress>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<GrainAddress>>([.. _entries.Values]);

    /// <summary>Drops every entry of a silo that left.</summary>
    public void RemoveSilo(string siloId)
    {
        foreach (var entry in _entries)
        {
            if (entry.Value.SiloId == siloId)
            {
                _entries.TryRemove(entry);
            }
        }
    }
}
