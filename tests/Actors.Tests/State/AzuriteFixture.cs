using Distributed.Actors.Tests.Infrastructure;

namespace Distributed.Actors.Tests.State;

/// <summary>One Azurite for all blob storage tests.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await AzuriteServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
