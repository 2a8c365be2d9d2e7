using System.Collections.Concurrent;
using Distributed.Actors.GrainDirectory;
using Distributed.Actors.Membership;
using Distributed.Actors.Messaging;

namespace Distributed.Actors.Hosting;

/// <summary>
/// Several silos in one process sharing in-memory membership and directory, calling each other in-process with the
/// same serialized messages as over HTTP/2: a multi-silo cluster for tests without processes or etcd.
/// </summary>
public sealed class InMemoryCluster
{
    private readonly ConcurrentDictionary<string, CallRouter> _silos = new();

    public InMemoryCluster() => Directory = new InMemoryGrainDirectory(Membership);

    public InMemoryMembershipTable Membership { get; } = new();

    public InMemoryGrainDirectory Directory { get; }

    internal void Attach(string siloId, CallRouter router) => _silos[siloId] = router;

    internal void Detach(string siloId) => _silos.TryRemove(siloId, out _);

    internal CallRouter? Find(string siloId) => _silos.TryGetValue(siloId, out var router) ? router : null;
}
