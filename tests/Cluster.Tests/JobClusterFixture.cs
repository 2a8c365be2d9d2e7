using Distributed.Grains.Jobs;
using Distributed.Grains.Workers;
using Distributed.TestSupport;
using Distributed.Trainer.Training;

namespace Distributed.Cluster.Tests;

/// <summary>
/// A cluster for job tests: Azurite and three silo processes, s1 with worker 0, s2 with worker 1 and s3 without GPUs
/// (where job grains go: coordinators are placed off GPU hosts), and a folder for the jobs' checkpoints.
/// </summary>
public sealed class JobClusterFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    public string Storage { get; } = Directory.CreateTempSubdirectory("jobs-").FullName;

    public async Task InitializeAsync() => Cluster = await StartAsync();

    public static Task<LocalCluster> StartAsync() => LocalCluster.StartAsync(["0", "1", ""]);

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
        Directory.Delete(Storage, recursive: true);
    }

    /// <summary>A tiny AutoCompressor (the main job's shape, smaller) on the packaged corpus.</summary>
    public static JobFile TinyJob(int steps) => ClusterTestJobs.File(steps);

    public static JobSpec Spec(JobFile job, int min, int max, string storage, int checkpointEvery = 0) =>
        ClusterTestJobs.Spec(job, min, max, storage, checkpointEvery);

    public static string NewId(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Waits until the job is in a final state; the failure names the phase and the last status seen.</summary>
    public static Task<JobStatus> WaitForEndAsync(IGrainFactory grains, string id, TimeSpan timeout, string phase) =>
        Eventually.WaitAsync(phase, $"job {id} completed, failed or cancelled", async () =>
        {
            var s = await grains.GetGrain<IJobGrain>(id).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(5));
            return (s.IsFinal, s, $"{s.State} at step {s.Step}/{s.TotalSteps}; {s.Events.LastOrDefault()?.Detail}");
        }, timeout, TimeSpan.FromMilliseconds(250));

    public static Task<JobStatus> WaitForStepAsync(IGrainFactory grains, string id, long step, TimeSpan timeout, string phase) =>
        Eventually.WaitAsync(phase, $"job {id} at step {step} or later", async () =>
        {
            var s = await grains.GetGrain<IJobGrain>(id).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(5));
            if (s.IsFinal) throw new InvalidOperationException($"the job ended early: {s.State} at step {s.Step} ({s.Error})");
            return (s.Step >= step, s, $"{s.State} at step {s.Step}");
        }, timeout, TimeSpan.FromMilliseconds(250));

    /// <summary>Waits until every worker of <paramref name="gpus"/> is idle (its run ended).</summary>
    public static Task WaitForIdleWorkersAsync(IGrainFactory grains, IEnumerable<int> gpus, TimeSpan timeout, string phase) =>
        Eventually.WaitAsync(phase, "every worker idle", async () =>
        {
            var states = await Task.WhenAll(gpus.Select(g => grains.GetGrain<IWorkerGrain>(g).GetStatusAsync()));
            return (states.All(s => s.State == WorkerState.Idle), true, string.Join(", ", states.Select(s => $"GPU {s.Gpu} {s.State} at step {s.Step}")));
        }, timeout, TimeSpan.FromMilliseconds(250));
}
