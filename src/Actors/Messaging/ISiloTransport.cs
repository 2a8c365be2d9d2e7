using Distributed.Actors.Membership;

namespace Distributed.Actors.Messaging;

/// <summary>Sends a grain call to another silo.</summary>
public interface ISiloTransport
{
    /// <summary>Throws <see cref="SiloUnavailableException"/> when the silo cannot be reached (the call was not delivered).</summary>
    Task<InvokeResponse> SendAsync(SiloInfo target, InvokeRequest request, CancellationToken cancellationToken);
}
