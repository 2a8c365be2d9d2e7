using Distributed.Grains.Workers;
using Distributed.TestSupport;
using Xunit.Abstractions;

namespace Distributed.Cluster.Tests;

public sealed class WorkerReplicaTests(ITestOutputHelper output)
{
    private const int GpusPerSilo = 6;

    // The per-GPU replica lives in the silo's GpuReplicaHost, not in the grain: whatever the grain directory does to
    // worker activations when an unrelated silo dies, the replicas stay. Run with both directories for the record.
    [Theory]
    [InlineData("local")]
    [InlineData("distributed")]
    public async Task Killing_a_third_silo_leaves_every_gpu_replica_untouched(string directory)
    {
        // s1 owns GPUs 0-5, s2 owns 6-11, s3 owns none and is the one killed.
        string Gpus(int silo) => string.Join(',', Enumerable.Range(silo * GpusPerSilo, GpusPerSilo));
        await using var cluster = await LocalCluster.StartAsync([Gpus(0), Gpus(1), ""], ["--grain-directory", directory]);
        try
        {
            var workers = Enumerable.Range(0, 2 * GpusPerSilo).Select(g => cluster.Grains.GetGrain<IWorkerGrain>(g)).ToArray();
            // Some directory entries land on s3: grains it places (probes) and partitions of the ring it owns.
            var before = await Task.WhenAll(workers.Select(w => w.TouchReplicaAsync()));
            Assert.All(before, b => Assert.Equal(1, b.Version));

            var third = cluster.Silos[2];
            third.Kill();
            await cluster.WaitForDeadAsync(third, TimeSpan.FromSeconds(30), "third silo killed");

            var after = await Task.WhenAll(workers.Select(w => w.TouchReplicaAsync()));
            for (var g = 0; g < workers.Length; g++)
            {
                Assert.Equal(before[g].ReplicaId, after[g].ReplicaId);
                Assert.Equal(2, after[g].Version);
                Assert.Equal((before[g].ProcessId, before[g].GpuThreadId), (after[g].ProcessId, after[g].GpuThreadId));
            }
            var reactivated = Enumerable.Range(0, workers.Length).Count(g => before[g].ActivationId != after[g].ActivationId);
            output.WriteLine($"grain directory {directory}: {reactivated} of {workers.Length} worker grains re-activated after the third silo died; " +
                             "every replica kept its identity and state");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{cluster.Output}");
        }
    }
}
