using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Distributed.Grains.Messaging;

public static class MessageSizeGuardExtensions
{
    /// <summary>Adds the <see cref="MessageSizeGuard"/> to a client, with the client's own MaxMessageBodySize.</summary>
    public static IClientBuilder AddMessageSizeGuard(this IClientBuilder client)
    {
        client.Services.AddOptions<MessageSizeGuardOptions>()
            .Configure<IOptions<ClientMessagingOptions>>((guard, messaging) => guard.MaxBodyBytes = messaging.Value.MaxMessageBodySize);
        client.AddOutgoingGrainCallFilter<MessageSizeGuard>();
        return client;
    }
}
