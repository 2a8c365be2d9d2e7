using Distributed.Actors.Hosting;
using Distributed.Actors.TestHost;

namespace Distributed.Actors.Tests.Infrastructure;

/// <summary>etcd, N silo processes and a client silo in this process that calls into the cluster.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private TestCluster(EtcdServer etcd, string clusterId, string stateDir, TimeSpan leaseTtl)
    {
        Etcd = etcd;
        ClusterId = clusterId;
        StateDir = stateDir;
        LeaseTtl = leaseTtl;
    }

    public EtcdServer Etcd { get; }

    public string ClusterId { get; }

    public string StateDir { get; }

    public TimeSpan LeaseTtl { get; }

    public List<SiloProcess> Silos { get; } = [];

    public SiloHost Client { get; private set; } = null!;

    public IGrainFactory Grains => Client.GrainFactory;

    public static async Task<TestCluster> StartAsync(int silos, TimeSpan leaseTtl)
    {
        var etcd = await EtcdServer.StartAsync();
        var cluster = new TestCluster(etcd, "t" + Guid.NewGuid().ToString("N")[..8], Directory.CreateTempSubdirectory("actors-state-").FullName, leaseTtl);
        try
        {
            var started = await Task.WhenAll(Enumerable.Range(1, silos).Select(i => SiloProcess.StartAsync($"s{i}", etcd.Endpoint, cluster.ClusterId, cluster.StateDir, leaseTtl)));
            cluster.Silos.AddRange(started);
            cluster.Client = SiloBuilder.Create("client").AsClient().UseEtcdClustering(etcd.Options(cluster.ClusterId, leaseTtl)).AddTestGrains().Build();
            await cluster.Client.StartAsync();
            await cluster.WaitForHostsAsync(silos, TimeSpan.FromSeconds(10));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the client's membership view lists exactly <paramref name="count"/> grain-hosting silos.</summary>
    public async Task WaitForHostsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var snapshot in Client.Membership.WatchAsync(cts.Token))
            {
                if (snapshot.Silos.Count(s => s.HostsGrains) == count)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            var current = Client.Membership.Current;
            throw new TimeoutException($"Expected {count} hosting silos within {timeout.TotalSeconds} s; membership v{current.Version} has: {string.Join(", ", current.Silos.Select(s => s.Name))}");
        }
    }

    public SiloProcess Silo(string name) => Silos.Single(s => s.Name == name);

    public async ValueTask DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }
        await Task.WhenAll(Silos.Select(s => s.StopAsync()));
        foreach (var silo in Silos)
        {
            silo.Dispose();
        }
        await Etcd.DisposeAsync();
        try
        {
            Directory.Delete(StateDir, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
