using Distributed.Actors.Membership;

namespace Distributed.Actors.Messaging;

/// <summary>Embedded mode has one silo, so a call never needs to leave the process.</summary>
public sealed class NoTransport : ISiloTransport
{
    public Task<InvokeResponse> SendAsync(SiloInfo target, InvokeRequest request, CancellationToken cancellationToken) =>
        throw new SiloUnavailableException($"Silo {target.SiloId} is not this process, and embedded mode has no transport.");
}
