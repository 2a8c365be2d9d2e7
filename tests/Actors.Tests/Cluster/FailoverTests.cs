using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Distributed.Actors.State;
using Distributed.Actors.TestHost.Grains;
using Distributed.Actors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Distributed.Actors.Tests.Cluster;

/// <summary>Silo crashes and an etcd outage, each on its own cluster of three silo processes.</summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_grain_of_a_killed_silo_reactivates_on_a_survivor_with_its_persisted_state()
    {
        await using var cluster = await TestCluster.StartAsync(3, LeaseTtl);
        var key = Guid.NewGuid().ToString("N");
        var counter = cluster.Grains.GetGrain<ICounterGrain>(key);
        for (var i = 0; i < 5; i++)
        {
            await counter.IncrementAsync();
        }
        var before = await counter.WhereAsync();
        var victim = cluster.Silo(before.SiloName);
        // The victim is also busy writing 1 MB state versions to the file store when it dies.
        var writer = cluster.Grains.GetGrain<IStateWriterGrain>($"{victim.Name}/writer");
        await writer.WriteManyAsync(3, 1 << 20);
        var writing = writer.WriteManyAsync(1_000_000, 1 << 20);
        await Task.Delay(300);

        var clock = Stopwatch.StartNew();
        victim.Kill();
        var value = await counter.IncrementAsync();
        var recovery = clock.Elapsed;
        var after = await counter.WhereAsync();

        output.WriteLine($"kill -9 of {victim.Name} to first successful call: {recovery.TotalMilliseconds:F0} ms (lease TTL {LeaseTtl.TotalSeconds} s)");
        Console.WriteLine($"actors failover: kill -9 to first successful call {recovery.TotalMilliseconds:F0} ms");
        Assert.Equal(6, value);
        Assert.NotEqual(before.SiloName, after.SiloName);
        Assert.NotEqual(before.ActivationId, after.ActivationId);
        Assert.True(recovery <= TimeSpan.FromSeconds(10), $"recovery took {recovery.TotalSeconds:F1} s, the goal is <= 10 s");
        await cluster.WaitForHostsAsync(2, TimeSpan.FromSeconds(10));

        // The write in flight died with the silo; what it left on disk is a whole version, never a torn one.
        await Assert.ThrowsAnyAsync<Exception>(() => writing);
        var files = new FileGrainStorage(cluster.StateDir, new JsonSerializerOptions(JsonSerializerDefaults.Web), TimeProvider.System);
        var stored = await files.ReadAsync<WriterState>(new GrainId("test.writer", $"{victim.Name}/writer"), "payload", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.True(stored.State.Version >= 3, $"stored version {stored.State.Version}");
        Assert.Equal(1 << 20, stored.State.Payload.Length);
        var expected = (char)('a' + (stored.State.Version % 26));
        Assert.True(stored.State.Payload.All(c => c == expected), "the payload mixes two versions");
        output.WriteLine($"state file after kill -9 mid-write: version {stored.State.Version}, whole");
    }

    [Fact]
    public async Task Silos_ride_out_an_etcd_restart_without_losing_grains()
    {
        await using var cluster = await TestCluster.StartAsync(3, LeaseTtl);
        var keys = Enumerable.Range(0, 6).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        var before = new Dictionary<string, ActivationStamp>();
        foreach (var key in keys)
        {
            await cluster.Grains.GetGrain<ICounterGrain>(key).IncrementAsync();
            before[key] = await cluster.Grains.GetGrain<ICounterGrain>(key).WhereAsync();
        }

        cluster.Etcd.Kill();
        // Grains the client already resolved keep answering while etcd is down.
        Assert.Equal(before[keys[0]].ActivationId, (await cluster.Grains.GetGrain<ICounterGrain>(keys[0]).WhereAsync()).ActivationId);
        // A grain nobody resolved yet needs the directory: its first call waits for etcd instead of failing.
        var fresh = cluster.Grains.GetGrain<ICounterGrain>(Guid.NewGuid().ToString("N")).IncrementAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(fresh.IsCompleted);
        await cluster.Etcd.RestartAsync();
        Assert.Equal(1, await fresh);

        await cluster.WaitForHostsAsync(3, TimeSpan.FromSeconds(15));
        foreach (var key in keys)
        {
            var counter = cluster.Grains.GetGrain<ICounterGrain>(key);
            Assert.Equal(2, await counter.IncrementAsync());
            var after = await counter.WhereAsync();
            Assert.Equal(before[key].ActivationId, after.ActivationId);
        }
        var listed = await cluster.Client.Directory.ListAsync(CancellationToken.None);
        Assert.All(keys, key => Assert.Single(listed, a => a.GrainId.Key == key));
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited));
    }

    [Fact]
    public async Task A_frozen_silo_that_lost_its_lease_gives_up_grains_that_moved_and_never_serves_them_twice()
    {
        await using var cluster = await TestCluster.StartAsync(3, LeaseTtl);
        var keys = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        var stamps = new Dictionary<string, ActivationStamp>();
        foreach (var key in keys)
        {
            await cluster.Grains.GetGrain<ICounterGrain>(key).IncrementAsync();
            stamps[key] = await cluster.Grains.GetGrain<ICounterGrain>(key).WhereAsync();
        }
        var victim = cluster.Silo(stamps[keys[0]].SiloName);
        var moved = keys.Where(k => stamps[k].SiloName == victim.Name).ToArray();

        victim.Pause();
        try
        {
            await cluster.WaitForHostsAsync(2, TimeSpan.FromSeconds(15));
            // The frozen silo's lease expired: its grains re-activate on the others, from their persisted state.
            foreach (var key in moved)
            {
                Assert.Equal(2, await cluster.Grains.GetGrain<ICounterGrain>(key).IncrementAsync());
            }
        }
        finally
        {
            victim.Resume();
        }

        // It comes back under a new lease, finds those grains taken, and drops its own activations of them.
        await cluster.WaitForHostsAsync(3, TimeSpan.FromSeconds(15));
        var probe = cluster.Grains.GetGrain<IProbeGrain>($"{victim.Name}/probe");
        foreach (var key in moved)
        {
            var fromVictim = await probe.CounterWhereAsync(key);
            var fromClient = await cluster.Grains.GetGrain<ICounterGrain>(key).WhereAsync();
            Assert.Equal(fromClient.ActivationId, fromVictim.ActivationId);
            Assert.NotEqual(victim.Name, fromClient.SiloName);
            Assert.Equal(2, fromClient.Value);
        }
        await WaitForSingleActivationsAsync(cluster, keys);
        Assert.Contains("lost its directory entry", victim.OutputText, StringComparison.Ordinal);
    }

    private static async Task WaitForSingleActivationsAsync(TestCluster cluster, string[] keys)
    {
        using var http = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var listed = new List<Distributed.Actors.Runtime.ActivationInfo>();
            foreach (var silo in cluster.Silos)
            {
                listed.AddRange(await http.GetFromJsonAsync<List<Distributed.Actors.Runtime.ActivationInfo>>(new Uri(new Uri(silo.Endpoint), "/rpc/activations")) ?? []);
            }
            var counts = keys.Select(k => listed.Count(a => a.GrainId.Key == k)).ToArray();
            if (counts.All(c => c == 1))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"activations per grain after the frozen silo came back: {string.Join(",", counts)}");
            await Task.Delay(100);
        }
    }
}
