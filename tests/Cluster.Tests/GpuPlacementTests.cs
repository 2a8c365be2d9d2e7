using System.Diagnostics;
using Distributed.Grains.Placement;
using Distributed.Grains.Workers;
using Distributed.TestSupport;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Distributed.Cluster.Tests;

public sealed class GpuPlacementTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_k_runs_on_the_silo_that_owns_gpu_k_and_fails_fast_once_that_silo_is_dead()
    {
        await using var cluster = await LocalCluster.StartAsync(["0", "1", "2"]);
        try
        {
            for (var gpu = 0; gpu < 3; gpu++)
            {
                var info = await cluster.Grains.GetGrain<IWorkerGrain>(gpu).PingAsync();
                Assert.Equal($"s{gpu + 1}", info.Silo);
                Assert.Equal(cluster.Silos[gpu].ProcessId, info.ProcessId);
                Assert.Equal((gpu, 0), (info.Gpu, info.LocalDevice));
            }
            // A GPU nobody owns fails at once, naming the GPU and the fix.
            var none = await Assert.ThrowsAsync<NoGpuOwnerException>(() => cluster.Grains.GetGrain<IWorkerGrain>(7).PingAsync());
            Assert.Equal(7, none.Gpu);
            Assert.Contains("--gpus 7", none.Message);

            var owner = cluster.Silos[2];
            owner.Kill();
            await cluster.WaitForDeadAsync(owner, TimeSpan.FromSeconds(30), "owner of GPU 2 killed");
            // The table says Dead before every silo has read it: a gateway that still routes to the dead silo's
            // activation answers SiloUnavailableException until its membership view catches up (one table refresh).
            // That window counts against the fail-fast budget below.
            var clock = Stopwatch.StartNew();
            NoGpuOwnerException? e = null;
            while (e is null)
            {
                try
                {
                    await cluster.Grains.GetGrain<IWorkerGrain>(2).PingAsync();
                    Assert.Fail("GPU 2's worker answered after its only owner died");
                }
                catch (NoGpuOwnerException noOwner)
                {
                    e = noOwner;
                }
                catch (SiloUnavailableException stale) when (clock.Elapsed < TimeSpan.FromSeconds(3))
                {
                    output.WriteLine($"{clock.Elapsed.TotalMilliseconds:F0} ms: still routed to the dead silo ({stale.Message})");
                }
            }
            output.WriteLine($"GPU 2's owner dead: the call failed in {clock.Elapsed.TotalMilliseconds:F0} ms with: {e.Message}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the fail-fast took {clock.Elapsed}");
            Assert.Contains("GPU 2", e.Message);
            Assert.Contains("--gpus 2", e.Message);

            // The GPUs of live silos are unaffected, and a new owner of GPU 2 takes it over.
            Assert.Equal("s1", (await cluster.Grains.GetGrain<IWorkerGrain>(0).PingAsync()).Silo);
            cluster.Remove(owner);
            var replacement = await cluster.StartSiloAsync("s3b", "2");
            var back = await cluster.Grains.GetGrain<IWorkerGrain>(2).PingAsync();
            Assert.Equal((replacement.Name, replacement.ProcessId), (back.Silo, back.ProcessId));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{cluster.Output}");
        }
    }
}
