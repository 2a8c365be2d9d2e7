using System.Diagnostics;
using Distributed.Grains.Diagnostics;
using Distributed.TestSupport;
using Xunit.Abstractions;

namespace Distributed.Cluster.Tests;

public sealed class PauseTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_frozen_silo_is_declared_dead_its_grain_moves_and_on_waking_it_stops_itself_without_serving_it()
    {
        await using var cluster = await LocalCluster.StartAsync(["", "", ""]);
        var probe = cluster.Grains.GetGrain<IProbeGrain>("paused");
        await probe.IncrementAsync();
        var before = await probe.IncrementAsync();
        var frozen = cluster.SiloWithProcess(before.ProcessId);

        var clock = Stopwatch.StartNew();
        frozen.Pause();
        try
        {
            await cluster.WaitForDeadAsync(frozen, TimeSpan.FromSeconds(30), $"{frozen.Name} frozen (SIGSTOP)");
            var declared = clock.Elapsed;
            // Reads first (no side effect if an attempt is abandoned), then one write on the new activation.
            var moved = await Eventually.WaitAsync("probe after the death declaration", "a read served by a live silo", async () =>
            {
                var r = await probe.ReadAsync().WaitAsync(TimeSpan.FromMilliseconds(500));
                return (r.ProcessId != frozen.ProcessId, r, $"served by pid {r.ProcessId}");
            }, TimeSpan.FromSeconds(30), interval: TimeSpan.Zero);
            Assert.Equal(before.Count, moved.Count);
            var after = await probe.IncrementAsync();
            Assert.Equal(before.Count + 1, after.Count);
            Assert.NotEqual(frozen.ProcessId, after.ProcessId);

            var outputBefore = frozen.OutputText.Length;
            frozen.Resume();
            Assert.True(await frozen.WaitForExitAsync(TimeSpan.FromSeconds(30)),
                $"{frozen.Name} woke up after being declared dead but did not stop itself within 30 s:\n{frozen.OutputText}");
            output.WriteLine($"SIGSTOP -> declared dead in {declared.TotalSeconds:F2} s; the woken silo exited by itself");

            // It served nothing on waking: no activation, and storage still holds the survivor's write.
            Assert.DoesNotContain("Probe paused activated", frozen.OutputText[outputBefore..]);
            var blob = await Blobs.SingleStateBlobAsync(cluster, "paused");
            Assert.Equal(after.ETag, blob.ETag);
            Assert.Contains($"\"Count\":{after.Count}", blob.Json);
            Assert.Equal(after.Count, (await probe.ReadAsync()).Count);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{cluster.Output}");
        }
        finally
        {
            frozen.Resume();
        }
    }
}
