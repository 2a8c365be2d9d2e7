using Distributed.Actors.Tests.Infrastructure;

namespace Distributed.Actors.Tests.Semantics;

/// <summary>One etcd and three silo processes shared by the non-destructive cluster tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(3, TimeSpan.FromSeconds(5));

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
