using System.Diagnostics;
using Distributed.Grains.Diagnostics;
using Distributed.TestSupport;
using Xunit.Abstractions;

namespace Distributed.Cluster.Tests;

public sealed class StorageOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task With_storage_down_active_grains_serve_reads_writes_fail_clearly_and_nothing_is_lost()
    {
        await using var cluster = await LocalCluster.StartAsync(["", "", ""]);
        try
        {
            var probes = Enumerable.Range(0, 4).Select(i => cluster.Grains.GetGrain<IProbeGrain>($"outage-{i}")).ToArray();
            foreach (var p in probes)
            {
                await p.IncrementAsync();
                await p.IncrementAsync();
            }

            await cluster.Storage.StopAsync();
            var down = Stopwatch.StartNew();
            foreach (var p in probes) Assert.Equal(2, (await p.ReadAsync()).Count);
            var clock = Stopwatch.StartNew();
            var failed = await Assert.ThrowsAnyAsync<Exception>(() => probes[0].IncrementAsync());
            output.WriteLine($"write with storage down failed in {clock.Elapsed.TotalSeconds:F1} s: {failed.GetType().Name}: {failed.Message.Split('\n')[0]}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the failing write took {clock.Elapsed}");
            Assert.Contains("Connection refused", failed.ToString());

            // Storage back after 10 s, on the same port and data.
            var rest = TimeSpan.FromSeconds(10) - down.Elapsed;
            if (rest > TimeSpan.Zero) await Task.Delay(rest);
            await cluster.Storage.RestartAsync();

            // The failed write was not kept: the probe re-reads storage and continues from 2.
            var resumed = await Eventually.WaitAsync("write after storage returned", "a successful write", async () =>
            {
                var r = await probes[0].IncrementAsync();
                return (true, r, "");
            }, TimeSpan.FromSeconds(30));
            Assert.Equal(3, resumed.Count);
            foreach (var p in probes.Skip(1)) Assert.Equal(3, (await p.IncrementAsync()).Count);
            Assert.Equal(3, cluster.Silos.Count(s => !s.HasExited));
            for (var i = 0; i < probes.Length; i++)
                Assert.Contains("\"Count\":3", (await Blobs.SingleStateBlobAsync(cluster, $"outage-{i}")).Json);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{cluster.Output}");
        }
    }
}
