using Distributed.Grains.Hosting;
using Distributed.Grains.Messaging;
using Distributed.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace Distributed.Grains.Tests;

/// <summary>
/// Two in-process silos and a client on loopback TCP (Orleans.TestingHost), wired as the product wires them
/// (<see cref="DistributedGrainsSiloBuilderExtensions.AddDistributedGrains"/>, the client's message-size guard),
/// with memory grain storage. The primary silo owns GPU 0, the secondary GPU 1.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        // TestingHost configures its in-process silos one after another (Primary first) and tells a configurator
        // nothing about which silo it configures: the order gives each its GPU.
        private static int _configured = -1;

        public void Configure(ISiloBuilder silo)
        {
            var gpu = Interlocked.Increment(ref _configured);
            silo.AddDistributedGrains([gpu]);
            silo.AddMemoryGrainStorage(GrainStorageNames.State);
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) => client.AddMessageSizeGuard();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
