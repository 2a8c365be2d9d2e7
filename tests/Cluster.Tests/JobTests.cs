using System.Diagnostics;
using System.Runtime.InteropServices;
using Distributed.Grains.Checkpoints;
using Distributed.Grains.Data;
using Distributed.Grains.Jobs;
using Distributed.Trainer.Training.Checkpoints;
using Xunit.Abstractions;
using JobStorage = Distributed.Grains.Jobs.JobStorage;

namespace Distributed.Cluster.Tests;

// Cluster jobs on real silo processes: data-parallel equivalence across world sizes, refusal of bad specs, cancel.
public sealed class JobTests(JobClusterFixture fixture, ITestOutputHelper output) : IClassFixture<JobClusterFixture>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    private IGrainFactory Grains => fixture.Cluster.Grains;

    [Fact]
    public async Task A_two_worker_job_takes_the_steps_of_a_one_worker_job_with_the_same_global_batch_and_seed()
    {
        const int steps = 8;
        var job = JobClusterFixture.TinyJob(steps);
        var clock = Stopwatch.StartNew();
        try
        {
            var (one, oneHistory) = await RunAsync(JobClusterFixture.Spec(job, 1, 1, fixture.Storage), "one");
            var (two, twoHistory) = await RunAsync(JobClusterFixture.Spec(job, 2, 2, fixture.Storage), "two");
            output.WriteLine($"both jobs in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Equal([0], one.World.Select(m => m.Gpu));
            Assert.Equal([0, 1], two.World.Select(m => m.Gpu));

            // The loss of every step, as the job grains recorded the workers' reports.
            Assert.Equal(Enumerable.Range(1, steps).Select(s => (long)s), oneHistory.Select(p => p.Step));
            Assert.Equal(Enumerable.Range(1, steps).Select(s => (long)s), twoHistory.Select(p => p.Step));
            for (var s = 0; s < steps; s++)
            {
                var (a, b) = (oneHistory[s].Loss, twoHistory[s].Loss);
                output.WriteLine($"step {s + 1}: 1 worker {a:F7}, 2 workers {b:F7}");
                Assert.True(Math.Abs(a - b) <= 1e-5 * Math.Abs(a), $"step {s + 1}: loss {b} with 2 workers, {a} with 1 (relative difference over 1e-5)");
                Assert.Equal(2, twoHistory[s].Ranks.Count);
                Assert.Equal(twoHistory[s].Ranks[0].Loss, twoHistory[s].Ranks[1].Loss);
            }

            // The same final weights: both jobs wrote their final model (HF layout) under the storage folder.
            var oneWeights = await FinalWeightsAsync(one.Id, steps);
            var twoWeights = await FinalWeightsAsync(two.Id, steps);
            Assert.Equal(oneWeights.Keys.Order(), twoWeights.Keys.Order());
            foreach (var (name, a) in oneWeights)
            {
                var b = twoWeights[name];
                var worst = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
                Assert.True(worst <= 2e-5, $"{name}: the final weights differ by up to {worst}");
            }

            // The same samples: in every step the two ranks' slices are disjoint and together are the single worker's.
            var oneLog = await Grains.GetGrain<IDataShardGrain>(one.Id).GetLogAsync(0, 0);
            var twoLog = await Grains.GetGrain<IDataShardGrain>(two.Id).GetLogAsync(0, 0);
            for (long s = 1; s <= steps; s++)
            {
                var single = oneLog.Single(e => e.Step == s).Positions.Order().ToArray();
                var shared = twoLog.Where(e => e.Step == s).ToList();
                Assert.Equal(2, shared.Count);
                Assert.Empty(shared[0].Positions.Intersect(shared[1].Positions));
                Assert.Equal(single, shared.SelectMany(e => e.Positions).Order().ToArray());
                Assert.Equal(job.Batch, single.Length);
            }
            var cursor = await Grains.GetGrain<IDataShardGrain>(two.Id).GetCursorAsync();
            Assert.Equal((steps, (long)steps * job.Batch), (cursor.Step, cursor.Consumed));

            // The final evaluation (per-segment loss with and without summaries) was reported, and is the same.
            var (e1, e2) = (one.Evaluations[^1], two.Evaluations[^1]);
            Assert.Equal(steps, e1.Step);
            Assert.Contains(e1.Metrics, m => m.Name == "segment_1_loss_with_summaries");
            Assert.True(Math.Abs(e1.Loss - e2.Loss) <= 1e-5 * e1.Loss, $"held-out loss {e2.Loss} with 2 workers, {e1.Loss} with 1");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{fixture.Cluster.Output}");
        }
    }

    [Fact]
    public async Task A_job_stopped_after_a_checkpoint_and_resumed_trains_the_samples_and_losses_of_an_uninterrupted_one()
    {
        const int steps = 24, every = 4;
        var spec = JobClusterFixture.Spec(JobClusterFixture.TinyJob(steps), 2, 2, fixture.Storage, checkpointEvery: every);
        try
        {
            var (straight, straightHistory) = await RunAsync(spec, "straight");
            // Checkpoints every 4 steps, the last one the final model.
            Assert.Equal(steps, (await Grains.GetGrain<ICheckpointGrain>(straight.Id).LatestCommittedAsync())?.Step);

            // The same job again, cancelled after its first checkpoint, then resumed from its newest committed one.
            var id = JobClusterFixture.NewId("resumed");
            await JobClusterFixture.WaitForIdleWorkersAsync(Grains, [0, 1], TimeSpan.FromSeconds(60), "before the job");
            var job = Grains.GetGrain<IJobGrain>(id);
            await job.SubmitAsync(spec);
            await Eventually(id, s => s.Checkpoints.Any(c => c.Committed) || s.IsFinal, "the first checkpoint committed");
            var cancelled = await job.CancelAsync();
            Assert.Equal(JobState.Cancelled, cancelled.State);
            await JobClusterFixture.WaitForIdleWorkersAsync(Grains, [0, 1], TimeSpan.FromSeconds(60), "workers stopping after the cancel");
            var stopped = await Eventually(id, s => s.Events.Any(e => e.Detail.StartsWith("every worker stopped", StringComparison.Ordinal)), "the stop reported");
            var latest = await Grains.GetGrain<ICheckpointGrain>(id).LatestCommittedAsync();
            Assert.NotNull(latest);
            Assert.True(stopped.Step < steps, $"the job ran to its end ({stopped.Step}) before the cancel took effect");
            output.WriteLine($"stopped at step {stopped.Step}; resuming from {latest.Name}");

            var resumed = await job.ResumeAsync();
            Assert.Equal(JobState.Forming, resumed.State);
            var end = await JobClusterFixture.WaitForEndAsync(Grains, id, JobTimeout, "training after the resume");
            Assert.True(end.State == JobState.Completed, $"{end.State}: {end.Error}");
            Assert.Contains(end.Events, e => e.Kind == JobEventKinds.Resumed && e.Step == latest.Step);

            // Every step's loss equals the uninterrupted job's: before the checkpoint from the first world, after it from the resumed one.
            var history = await job.GetHistoryAsync(0, 0);
            Assert.Equal(Enumerable.Range(1, steps).Select(s => (long)s), history.Select(p => p.Step));
            for (var s = 0; s < steps; s++)
            {
                var (a, b) = (straightHistory[s].Loss, history[s].Loss);
                Assert.True(Math.Abs(a - b) <= 1e-6 * Math.Abs(a), $"step {s + 1}: loss {b} after the resume, {a} uninterrupted");
            }
            Assert.True(history.Where(p => p.Step > latest.Step).All(p => p.Ranks[0].WorldId == end.WorldId), "steps after the checkpoint come from the resumed world");

            // The same samples: the resumed world trained exactly the uninterrupted job's positions from the checkpoint on.
            var straightLog = await Grains.GetGrain<IDataShardGrain>(straight.Id).GetLogAsync(0, 0);
            var resumedLog = (await Grains.GetGrain<IDataShardGrain>(id).GetLogAsync(0, 0)).Where(e => e.WorldId == end.WorldId).ToList();
            Assert.Equal(Enumerable.Range((int)latest.Step + 1, steps - (int)latest.Step).Select(s => (long)s), resumedLog.Select(e => e.Step).Distinct());
            foreach (var e in resumedLog)
                Assert.Equal(straightLog.Single(x => x.Step == e.Step && x.Rank == e.Rank).Positions, e.Positions);

            var (w1, w2) = (await FinalWeightsAsync(straight.Id, steps), await FinalWeightsAsync(id, steps));
            foreach (var (name, a) in w1) Assert.Equal(a, w2[name]);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{fixture.Cluster.Output}");
        }
    }

    [Fact]
    public async Task An_invalid_spec_is_refused_with_every_problem_and_no_job_is_made()
    {
        var job = JobClusterFixture.TinyJob(0) with { Lr = -1, SegmentMax = 4 };
        var id = JobClusterFixture.NewId("bad");
        var spec = new JobSpec(job.ToJson(), 0, -1, new CheckpointPolicy(-5, 0, 0), "", "bad");
        var e = await Assert.ThrowsAsync<JobSpecException>(() => Grains.GetGrain<IJobGrain>(id).SubmitAsync(spec));
        output.WriteLine(string.Join("\n", e.Problems));
        foreach (var expected in new[] { "--min 0", "--max -1", "--checkpoint-every -5", "--keep-last 0", "--storage is empty", "steps 0", "lr -1", "segment_max 4" })
            Assert.Contains(e.Problems, p => p.Contains(expected, StringComparison.Ordinal));
        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(() => Grains.GetGrain<IJobGrain>(id).GetStatusAsync());
        Assert.Contains("no job", missing.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).ListAsync(), j => j.Id == id);
    }

    [Fact]
    public async Task Cancel_stops_every_worker_at_a_step_boundary_and_frees_them()
    {
        var id = JobClusterFixture.NewId("cancel");
        try
        {
            await JobClusterFixture.WaitForIdleWorkersAsync(Grains, [0, 1], TimeSpan.FromSeconds(60), "before the job");
            await Grains.GetGrain<IJobGrain>(id).SubmitAsync(JobClusterFixture.Spec(JobClusterFixture.TinyJob(5000), 2, 2, fixture.Storage));
            await JobClusterFixture.WaitForStepAsync(Grains, id, 3, JobTimeout, "training before the cancel");
            var clock = Stopwatch.StartNew();
            var cancelled = await Grains.GetGrain<IJobGrain>(id).CancelAsync();
            Assert.Equal(JobState.Cancelled, cancelled.State);
            await JobClusterFixture.WaitForIdleWorkersAsync(Grains, [0, 1], TimeSpan.FromSeconds(60), "workers stopping after the cancel");
            output.WriteLine($"both workers stopped {clock.Elapsed.TotalSeconds:F2} s after the cancel");
            var status = await Eventually(id, s => s.Events.Any(e => e.Detail.StartsWith("every worker stopped", StringComparison.Ordinal)), "both workers reported their stop");
            Assert.Equal(JobState.Cancelled, status.State);
            Assert.InRange(status.Step, 3, 4999);
            // Both ranks stopped after the same step (they agree on the boundary), and nothing trained after.
            var log = await Grains.GetGrain<IDataShardGrain>(id).GetLogAsync(0, 0);
            Assert.Equal(log.Where(e => e.Rank == 0).Max(e => e.Step), log.Where(e => e.Rank == 1).Max(e => e.Step));
            var summary = (await Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).ListAsync()).Single(j => j.Id == id);
            Assert.Equal(JobState.Cancelled, summary.State);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{fixture.Cluster.Output}");
        }
    }

    private Task<JobStatus> Eventually(string id, Func<JobStatus, bool> condition, string phase) =>
        TestSupport.Eventually.WaitAsync(phase, "the condition", async () =>
        {
            var s = await Grains.GetGrain<IJobGrain>(id).GetStatusAsync();
            return (condition(s), s, $"{s.State} at step {s.Step}: {string.Join("; ", s.Events.TakeLast(3).Select(e => e.Detail))}");
        }, TimeSpan.FromSeconds(30));

    private async Task<(JobStatus Status, IReadOnlyList<StepPoint> History)> RunAsync(JobSpec spec, string name)
    {
        var id = JobClusterFixture.NewId(name);
        await JobClusterFixture.WaitForIdleWorkersAsync(Grains, [0, 1], TimeSpan.FromSeconds(60), $"{name}: before the job");
        var submitted = await Grains.GetGrain<IJobGrain>(id).SubmitAsync(spec);
        Assert.Equal(JobState.Forming, submitted.State);
        var status = await JobClusterFixture.WaitForEndAsync(Grains, id, JobTimeout, $"{name}: training");
        Assert.True(status.State == JobState.Completed, $"{name}: {status.State}: {status.Error}");
        Assert.Contains(status.Events, e => e.Kind == JobEventKinds.Completed);
        return (status, await Grains.GetGrain<IJobGrain>(id).GetHistoryAsync(0, 0));
    }

    private async Task<Dictionary<string, double[]>> FinalWeightsAsync(string id, int step)
    {
        var snapshot = await CheckpointLoader.LoadAsync(JobStorage.Location(fixture.Storage, id), CheckpointLayout.NameOf(step), CancellationToken.None);
        return snapshot.Model.Concat(snapshot.Objective)
            .ToDictionary(t => t.Name, t => MemoryMarshal.Cast<byte, float>(t.Bytes.Span).ToArray().Select(v => (double)v).ToArray());
    }
}
