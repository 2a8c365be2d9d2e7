using System.Diagnostics;
using Distributed.Grains.Jobs;
using Distributed.Grains.Workers;
using Distributed.TestSupport;
using Xunit.Abstractions;

namespace Distributed.Cluster.Tests;

// The coordinator of a job is a grain: kill -9 of its silo must not stop the training. The workers keep stepping and
// reporting; the job grain re-activates on a surviving silo from its stored state and the job completes.
public sealed class JobFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_job_survives_the_kill_of_the_silo_hosting_its_job_grain()
    {
        var storage = Directory.CreateTempSubdirectory("jobs-").FullName;
        await using var cluster = await JobClusterFixture.StartAsync();
        try
        {
            var grains = cluster.Grains;
            var id = JobClusterFixture.NewId("failover");
            const int steps = 60;
            await grains.GetGrain<IJobGrain>(id).SubmitAsync(JobClusterFixture.Spec(JobClusterFixture.TinyJob(steps), 2, 2, storage));
            var before = await JobClusterFixture.WaitForStepAsync(grains, id, 5, TimeSpan.FromMinutes(2), "training before the kill");
            // Coordinators go to silos without GPUs: s3 here, so the kill takes no worker with it.
            Assert.Equal("s3", before.Coordinator);
            var coordinator = cluster.Silos.Single(s => s.Name == "s3");
            var workerStep = (await grains.GetGrain<IWorkerGrain>(0).GetStatusAsync()).Step;
            coordinator.Kill();
            var clock = Stopwatch.StartNew();

            // The workers train on while the coordinator is gone.
            await Eventually.WaitAsync("workers while the coordinator is down", $"worker 0 past step {workerStep + 3}", async () =>
            {
                var w = await grains.GetGrain<IWorkerGrain>(0).GetStatusAsync();
                return (w.Step >= workerStep + 3 || w.State == WorkerState.Idle, w, $"{w.State} at step {w.Step}");
            }, TimeSpan.FromSeconds(60));
            await cluster.WaitForDeadAsync(coordinator, TimeSpan.FromSeconds(30), "coordinator silo killed");
            cluster.Remove(coordinator);

            var end = await JobClusterFixture.WaitForEndAsync(grains, id, TimeSpan.FromMinutes(3), "training after the kill");
            output.WriteLine($"completed {clock.Elapsed.TotalSeconds:F1} s after the kill; coordinator now {end.Coordinator}");
            foreach (var e in end.Events) output.WriteLine($"{e.Time:HH:mm:ss.fff} {e.Kind}: {e.Detail}");
            Assert.True(end.State == JobState.Completed, $"{end.State}: {end.Error}");
            Assert.Equal(steps, end.Step);
            Assert.NotEqual("s3", end.Coordinator);
            Assert.Contains(end.Events, e => e.Kind == JobEventKinds.CoordinatorMoved);
            // One world from start to end: the workers were never restarted.
            Assert.Single(end.Events, e => e.Kind == JobEventKinds.WorldFormed);
            Assert.EndsWith("-w1", end.WorldId, StringComparison.Ordinal);
            Assert.Equal(steps, end.Evaluations[^1].Step);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{cluster.Output}");
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }
}
