using Distributed.Actors.Hosting;
using Distributed.Actors.Membership;

namespace Distributed.Actors.Messaging;

/// <summary>Delivers a call to another silo of the same <see cref="InMemoryCluster"/>, as a message, without a socket.</summary>
public sealed class InProcessTransport(InMemoryCluster cluster) : ISiloTransport
{
    public async Task<InvokeResponse> SendAsync(SiloInfo target, InvokeRequest request, CancellationToken cancellationToken)
    {
        var router = cluster.Find(target.SiloId) ?? throw new SiloUnavailableException($"Silo {target.Name} ({target.SiloId}) is not running in this process.");
        // Yield first so the callee never runs inside the caller's stack, as with a real transport.
        await Task.Yield();
        return await router.HandleAsync(request, cancellationToken);
    }
}
