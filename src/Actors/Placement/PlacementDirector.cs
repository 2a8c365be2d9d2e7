using System.Reflection;
using Distributed.Actors.Membership;

namespace Distributed.Actors.Placement;

/// <summary>Hash, random and pinned placement over the live silos that host grains.</summary>
public sealed class PlacementDirector(Random random) : IPlacementDirector
{
    public SiloInfo Place(GrainId grainId, Type grainClass, MembershipSnapshot membership)
    {
        var hosts = membership.Silos.Where(s => s.HostsGrains).OrderBy(s => s.SiloId, StringComparer.Ordinal).ToArray();
        if (hosts.Length == 0)
        {
            throw new PlacementException($"No live silo hosts grains (membership version {membership.Version}); cannot place {grainId}.");
        }
        var strategy = grainClass.GetCustomAttribute<PlacementAttribute>()?.Strategy ?? PlacementStrategy.Hash;
        switch (strategy)
        {
            case PlacementStrategy.Random:
                lock (random)
                {
                    return hosts[random.Next(hosts.Length)];
                }
            case PlacementStrategy.Pinned:
                var slash = grainId.Key.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0)
                {
                    throw new PlacementException($"Pinned grain {grainId} needs a key of the form '{{siloName}}/...'.");
                }
                var name = grainId.Key[..slash];
                return hosts.FirstOrDefault(s => s.Name == name)
                    ?? throw new PlacementException($"Pinned grain {grainId} needs silo '{name}', which is not live (live: {string.Join(", ", hosts.Select(h => h.Name))}).");
            default:
                return hosts[(int)(StableHash(grainId.ToString()) % (ulong)hosts.Length)];
        }
    }

    // FNV-1a: string.GetHashCode is randomized per process, and every silo must agree on the choice.
    private static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }
}
