using Distributed.Grains.Placement;
using Distributed.Grains.Workers;

namespace Distributed.Grains.Tests.Workers;

[Collection(ClusterCollection.Name)]
public sealed class WorkerGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Each_worker_runs_on_its_gpus_silo_and_its_replica_outlives_the_grain()
    {
        var worker0 = fixture.Grains.GetGrain<IWorkerGrain>(0);
        var worker1 = fixture.Grains.GetGrain<IWorkerGrain>(1);
        var a = await worker0.TouchReplicaAsync();
        var b = await worker1.TouchReplicaAsync();
        Assert.Equal(("Primary", "Secondary_1"), (SiloName(a), SiloName(b)));
        Assert.NotEqual(a.ReplicaId, b.ReplicaId);

        // Deactivate the grain: the next activation re-attaches to the same replica and thread.
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        var again = await worker0.TouchReplicaAsync();
        Assert.Equal((a.ReplicaId, a.GpuThreadId, a.Version + 1), (again.ReplicaId, again.GpuThreadId, again.Version));
        Assert.NotEqual(a.ActivationId, again.ActivationId);
    }

    [Fact]
    public async Task A_worker_times_its_calls_to_another_gpus_worker()
    {
        var times = await fixture.Grains.GetGrain<IWorkerGrain>(0).TimePeerCallsAsync(1, 20);
        Assert.Equal(20, times.Length);
        Assert.All(times, t => Assert.InRange(t, 1, 30_000_000));
        await Assert.ThrowsAsync<NoGpuOwnerException>(() => fixture.Grains.GetGrain<IWorkerGrain>(0).TimePeerCallsAsync(9, 1));
    }

    [Fact]
    public async Task A_gpu_no_silo_owns_fails_at_once_naming_the_gpu_and_the_flag()
    {
        var e = await Assert.ThrowsAsync<NoGpuOwnerException>(() => fixture.Grains.GetGrain<IWorkerGrain>(5).PingAsync());
        Assert.Equal(5, e.Gpu);
        Assert.Contains("--gpus 5", e.Message);
    }

    // TestingHost silos are named "Primary", "Secondary_1"; the silo name in the reply is the Orleans one.
    private static string SiloName(ReplicaInfo info) => info.Silo;
}
