using System.Globalization;
using System.Text.RegularExpressions;
using Distributed.Grains.Checkpoints;
using Distributed.Grains.Data;
using Distributed.Grains.Jobs;
using Distributed.TestSupport;
using Distributed.Trainer.Data;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
using Xunit.Abstractions;
using JobStorage = Distributed.Grains.Jobs.JobStorage;

namespace Distributed.Cluster.Tests.Chaos;

/// <summary>One failure and its recovery, as the job's timeline recorded it, measured from the moment it was injected.</summary>
public sealed record Recovery(string Fault, double? DetectionSeconds, double NextStepSeconds, long StepsLost);

/// <summary>One run of a scenario: its recoveries and the whole timeline.</summary>
public sealed record ChaosResult(ChaosScenario Scenario, int Seed, IReadOnlyList<Recovery> Recoveries, int Worlds, double Seconds, IReadOnlyList<string> Timeline);

/// <summary>
/// Runs one job through one scenario on the chaos cluster, then checks what issue 11 asks of every run: the job completes;
/// every sample of the steps trained is trained exactly once in the final model's lineage (from the per-step sample
/// log against an independent walk of the sample order); the loss curve matches an uninterrupted run of the same job
/// up to the replay point; every checkpoint a world restored was committed; no grain ever had two activations.
/// </summary>
internal sealed partial class ChaosRun(ChaosFixture fixture, ITestOutputHelper output)
{
    public const int Steps = 60;
    public const int MinWorkers = 2;
    public const int CheckpointEvery = 10;
    public const string Storage = "blob://checkpoints/chaos";

    // The uninterrupted run of the job (one in-process rank): its losses, and the sample space it trained in.
    private static readonly Lazy<Task<(double[] Losses, long Samples, int Batch)>> Uninterrupted = new(UninterruptedAsync);

    private readonly List<(string Fault, DateTimeOffset At)> _faults = [];

    private LocalCluster Cluster => fixture.Cluster;

    private IGrainFactory Grains => Cluster.Grains;

    public async Task<ChaosResult> RunAsync(ChaosScenario scenario, int seed)
    {
        var random = new Random(seed);
        var id = $"chaos-{scenario.ToString().ToLowerInvariant()}-{seed}-{Guid.NewGuid().ToString("N")[..6]}";
        var job = Grains.GetGrain<IJobGrain>(id);
        var started = DateTimeOffset.UtcNow;
        await job.SubmitAsync(JobClusterFixture.Spec(JobClusterFixture.TinyJob(Steps), MinWorkers, ChaosFixture.Workers, Storage, CheckpointEvery));
        await JobClusterFixture.WaitForStepAsync(Grains, id, random.Next(4, 15), TimeSpan.FromMinutes(3), $"{scenario}: training before the fault");
        switch (scenario)
        {
            case ChaosScenario.WorkerKill:
                await KillWorkerAsync(id, random, "kill -9 of a worker's silo");
                await TrainsAgainAsync(id, 1, "after the kill");
                await fixture.RestoreAsync();
                await WorldOfAsync(id, ChaosFixture.Workers, "the restarted worker taken back in");
                break;
            case ChaosScenario.CoordinatorKill:
                var coordinator = (await job.GetStatusAsync()).Coordinator;
                var silo = Cluster.Silos.Single(s => s.Name == coordinator);
                Fault($"kill -9 of the coordinator's silo {silo.Name}");
                silo.Kill();
                await EventAfterAsync(id, JobEventKinds.CoordinatorMoved, _faults[^1].At, "the job grain re-activated elsewhere");
                await fixture.RestoreAsync();
                break;
            case ChaosScenario.CheckpointKill:
                var uploading = await Eventually.WaitAsync("checkpoint upload", "a checkpoint begun and not yet committed", async () =>
                {
                    var list = await Grains.GetGrain<ICheckpointGrain>(id).ListAsync();
                    var open = list.FirstOrDefault(c => !c.Committed && !c.Abandoned);
                    return (open is not null, open, string.Join(", ", list.Select(c => $"{c.Name} committed={c.Committed}")));
                }, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(50));
                await Task.Delay(random.Next(0, 500)); // seeded: somewhere in the upload
                await KillWorkerAsync(id, random, $"kill -9 of a worker's silo during the upload of {uploading!.Name}");
                await TrainsAgainAsync(id, 1, "after the kill");
                await fixture.RestoreAsync();
                break;
            case ChaosScenario.WorkerPause:
                var gpu = random.Next(ChaosFixture.Workers);
                var paused = fixture.SiloOfGpu(gpu);
                await Task.Delay(random.Next(0, 400));
                Fault($"SIGSTOP of GPU {gpu}'s silo {paused.Name}");
                paused.Pause();
                try
                {
                    await TrainsAgainAsync(id, 1, "after the pause");
                }
                finally
                {
                    paused.Resume();
                }
                // Declared dead while frozen, it stops itself on waking, without serving anything.
                Assert.True(await paused.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"{paused.Name} woke up declared dead but did not stop itself");
                await fixture.RestoreAsync();
                break;
            case ChaosScenario.StorageOutage:
                Fault("Azurite stopped for 10 s");
                var down = DateTimeOffset.UtcNow;
                await Cluster.Storage.StopAsync();
                var rest = TimeSpan.FromSeconds(10) - (DateTimeOffset.UtcNow - down);
                if (rest > TimeSpan.Zero) await Task.Delay(rest);
                await Cluster.Storage.RestartAsync();
                break;
            case ChaosScenario.ThreeKills:
                await KillWorkerAsync(id, random, "first kill");
                await TrainsAgainAsync(id, 1, "after the first kill");
                await KillWorkerAsync(id, random, "second kill: down to the minimum world");
                await TrainsAgainAsync(id, 2, "after the second kill");
                await KillWorkerAsync(id, random, "third kill: below the minimum");
                await EventAfterAsync(id, JobEventKinds.Released, _faults[^1].At, "the job gives up its survivor and waits for workers");
                await fixture.RestoreAsync();
                break;
        }
        var end = await JobClusterFixture.WaitForEndAsync(Grains, id, TimeSpan.FromMinutes(5), $"{scenario}: the job after the fault");
        var seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
        var timeline = end.Events.Select(e => $"{e.Time:HH:mm:ss.fff} {e.Kind}: {e.Detail}").ToList();
        foreach (var line in timeline) output.WriteLine(line);
        Assert.True(end.State == JobState.Completed, $"{end.State}: {end.Error}");
        Assert.Equal(Steps, end.Step);

        var history = await job.GetHistoryAsync(0, 0);
        await AuditSamplesAsync(id);
        var replayPoint = await AssertLossesAsync(scenario, history);
        await AssertRestoredCheckpointsCommittedAsync(id, end);
        var activations = ActivationLog.Read(Cluster).Where(a => a.Until > started).ToList();
        var mine = activations.Where(a => a.Grain.EndsWith("/" + id, StringComparison.Ordinal)).ToList();
        // The job, data shard and checkpoint grains of this job (and the worker grains) said when they ran: at least the
        // job grain's first activation must be there, or the trace itself is broken.
        Assert.True(mine.Select(a => a.Grain).Distinct().Count() == 3,
            $"the silos traced activations of {string.Join(", ", mine.Select(a => a.Grain).Distinct())}; expected the job, data shard and checkpoint grains of {id}");
        var overlaps = ActivationLog.Overlaps(activations, started);
        Assert.True(overlaps.Count == 0, $"grains with two activations running at once:\n{string.Join("\n", overlaps)}");

        var recoveries = Recoveries(scenario, end, history);
        foreach (var r in recoveries)
            output.WriteLine($"{r.Fault}: detected {Format(r.DetectionSeconds)} s, next step {r.NextStepSeconds:F2} s, {r.StepsLost} step(s) lost");
        output.WriteLine($"{scenario} seed {seed}: {seconds:F0} s, {end.Events.Count(e => e.Kind == JobEventKinds.WorldFormed)} worlds, losses equal to the uninterrupted run up to step {replayPoint}; {activations.Count} activations traced, {mine.Count} of the job's grains");
        return new ChaosResult(scenario, seed, recoveries, end.Events.Count(e => e.Kind == JobEventKinds.WorldFormed), seconds, timeline);
    }

    private void Fault(string what)
    {
        _faults.Add((what, DateTimeOffset.UtcNow));
        output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} FAULT {what}");
    }

    private async Task KillWorkerAsync(string id, Random random, string what)
    {
        var status = await Grains.GetGrain<IJobGrain>(id).GetStatusAsync();
        var member = status.World[random.Next(status.World.Count)];
        var silo = fixture.SiloOfGpu(member.Gpu);
        await Task.Delay(random.Next(0, 400)); // seeded: somewhere in a step
        Fault($"{what}: GPU {member.Gpu} (rank {member.Rank}) on {silo.Name}");
        silo.Kill();
    }

    // Waits for the n-th "trains again" after the first fault (a world formed after a failure completed a step).
    private Task TrainsAgainAsync(string id, int n, string phase) =>
        Eventually.WaitAsync(phase, $"{n} world(s) training again after a failure", async () =>
        {
            var s = await Grains.GetGrain<IJobGrain>(id).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(5));
            var again = s.Events.Count(e => e.Kind == JobEventKinds.Started && e.Detail.Contains("trains again", StringComparison.Ordinal) && e.Time >= _faults[0].At);
            return (again >= n || s.IsFinal, true, $"{s.State} at step {s.Step}; {s.Events[^1].Kind}: {s.Events[^1].Detail}");
        }, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(100));

    private Task WorldOfAsync(string id, int size, string phase) =>
        Eventually.WaitAsync(phase, $"a world of {size} (or the job's end)", async () =>
        {
            var s = await Grains.GetGrain<IJobGrain>(id).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(5));
            return ((s.World.Count == size && s.State == JobState.Running) || s.IsFinal, true, $"{s.State}, world of {s.World.Count}");
        }, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(100));

    private Task EventAfterAsync(string id, string kind, DateTimeOffset after, string phase) =>
        Eventually.WaitAsync(phase, $"a {kind} event", async () =>
        {
            var s = await Grains.GetGrain<IJobGrain>(id).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(5));
            return (s.Events.Any(e => e.Kind == kind && e.Time >= after) || s.IsFinal, true, $"{s.State}; {s.Events[^1].Kind}: {s.Events[^1].Detail}");
        }, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(100));

    // --- checks

    // Every step 1..Steps was trained by the world that owns it (the newest world that recorded it: a replayed step's
    // earlier training was discarded with its world), each rank exactly the slice an independent walk of the sample
    // order gives it, so every sample of the steps is in the final lineage exactly once.
    private async Task AuditSamplesAsync(string id)
    {
        var log = await Grains.GetGrain<IDataShardGrain>(id).GetLogAsync(0, 0);
        var (_, count, batch) = await Uninterrupted.Value;
        var cursor = new DataCursor("", 0, 0, 0);
        var trained = new HashSet<(int Epoch, long Position)>();
        for (long step = 1; step <= Steps; step++)
        {
            var records = log.Where(e => e.Step == step).ToList();
            Assert.True(records.Count > 0, $"step {step} is in no world's sample log: it was skipped");
            var owner = records.Max(e => WorldNumber(e.WorldId));
            var owned = records.Where(e => WorldNumber(e.WorldId) == owner).ToList();
            var size = owned[0].WorldSize;
            Assert.All(owned, e => Assert.Equal(size, e.WorldSize));
            Assert.Equal(owned.Count, owned.Select(e => e.Rank).Distinct().Count());
            foreach (var e in owned)
            {
                Assert.Equal(cursor.Epoch, e.Epoch);
                var expected = RankSlice.StepPositions(cursor, e.Rank, size, batch, count);
                Assert.True(expected.SequenceEqual(e.Positions),
                    $"step {step}, world {e.WorldId} rank {e.Rank}/{size}: trained [{string.Join(", ", e.Positions)}], the sample order gives [{string.Join(", ", expected)}]");
            }
            // A recorded step completed its all-reduce, which every rank of the world fed: all slices were trained.
            for (var rank = 0; rank < size; rank++)
            {
                foreach (var p in RankSlice.StepPositions(cursor, rank, size, batch, count))
                    Assert.True(trained.Add((cursor.Epoch, p)), $"sample {p} of epoch {cursor.Epoch} trained twice (step {step})");
            }
            cursor = RankSlice.Advance(cursor, 1, batch, count);
        }
        Assert.Equal((long)Steps * batch, trained.Count);
        var committed = await Grains.GetGrain<IDataShardGrain>(id).GetCursorAsync();
        Assert.Equal(Steps, committed.Step);
        Assert.Equal((cursor.Epoch, cursor.Consumed), (committed.Epoch, committed.Consumed));
    }

    private static int WorldNumber(string worldId) => int.Parse(worldId[(worldId.LastIndexOf("-w", StringComparison.Ordinal) + 2)..], CultureInfo.InvariantCulture);

    // The loss of every step up to the first failure's replay point equals the uninterrupted run's (same job and seed,
    // one in-process rank) to 1e-5; later steps, trained by other world sizes from a survivor's replica or a checkpoint,
    // to 1e-2 (the same samples and arithmetic summed in another order, which drifts by ~1e-3 over 50 steps; a wrong
    // sample, moment or step count shows as several percent).
    private async Task<long> AssertLossesAsync(ChaosScenario scenario, IReadOnlyList<StepPoint> history)
    {
        var (reference, _, _) = await Uninterrupted.Value;
        if (scenario is ChaosScenario.CoordinatorKill or ChaosScenario.StorageOutage)
        {
            // Step reports are one-way: those sent while the coordinator re-activated (or could not write) are lost, and so are their points.
            Assert.True(history.Select(p => p.Step).SequenceEqual(history.Select(p => p.Step).Distinct().Order()), "the history's steps are not increasing");
            Assert.Equal(Steps, history[^1].Step);
        }
        else
        {
            Assert.Equal(Enumerable.Range(1, Steps).Select(s => (long)s), history.Select(p => p.Step));
        }
        var firstFault = _faults.Count > 0 ? _faults[0].At : DateTimeOffset.MaxValue;
        var replayPoint = history.Where(p => p.Time < firstFault).Select(p => p.Step).DefaultIfEmpty(0).Max();
        var worst = 0.0;
        foreach (var p in history)
        {
            var expected = reference[p.Step - 1];
            var error = Math.Abs(p.Loss - expected) / Math.Abs(expected);
            if (p.Step <= replayPoint)
                Assert.True(error <= 1e-5, $"step {p.Step} (before the failure): loss {p.Loss}, uninterrupted {expected}");
            else
                worst = Math.Max(worst, error);
        }
        output.WriteLine($"after step {replayPoint}: largest relative loss difference to the uninterrupted run {worst:E2}");
        Assert.True(worst <= 1e-2, $"after the replay point the losses drift from the uninterrupted run by up to {worst:E2}");
        return replayPoint;
    }

    private async Task AssertRestoredCheckpointsCommittedAsync(string id, JobStatus end)
    {
        var restored = end.Events.Where(e => e.Kind == JobEventKinds.WorldFormed)
            .Select(e => RestoringRegex().Match(e.Detail)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        // The workers' own word: every checkpoint any rank loaded.
        var loaded = LoadedRegex().Matches(Cluster.Output).Where(m => m.Groups[1].Value == id).Select(m => m.Groups[2].Value).Distinct().ToList();
        var store = CheckpointStores.Open(JobStorage.Location(Storage, id));
        // Retention may have deleted a restored checkpoint since; one still present must carry its commit marker.
        var present = await store.ListAsync();
        foreach (var name in restored.Concat(loaded).Distinct().Where(present.Contains))
            Assert.True(await CheckpointManifest.ReadAsync(store, name) is not null, $"checkpoint {name} was loaded but is not committed");
        output.WriteLine($"restored: [{string.Join(", ", restored)}]; loaded by workers: [{string.Join(", ", loaded)}]");
    }

    [GeneratedRegex(@"restoring checkpoint (step-\d+)")]
    private static partial Regex RestoringRegex();

    [GeneratedRegex(@"Job (\S+) rank \d+: loaded checkpoint (step-\d+)")]
    private static partial Regex LoadedRegex();

    [GeneratedRegex(@"(\d+) step\(s\) lost")]
    private static partial Regex LostRegex();

    // --- measurements

    private List<Recovery> Recoveries(ChaosScenario scenario, JobStatus end, IReadOnlyList<StepPoint> history)
    {
        var result = new List<Recovery>();
        foreach (var (fault, at) in _faults)
        {
            var slack = TimeSpan.FromMilliseconds(50);
            if (scenario is ChaosScenario.CoordinatorKill or ChaosScenario.StorageOutage)
            {
                // Nothing to recover in the world: the first step completed after the fault, and no world change.
                Assert.Single(end.Events, e => e.Kind == JobEventKinds.WorldFormed);
                var moved = end.Events.FirstOrDefault(e => e.Kind == JobEventKinds.CoordinatorMoved && e.Time >= at - slack);
                var next = history.First(p => p.Time > at);
                result.Add(new Recovery(fault, moved is null ? null : (moved.Time - at).TotalSeconds, (next.Time - at).TotalSeconds, 0));
                continue;
            }
            var detected = end.Events.FirstOrDefault(e => e.Kind == JobEventKinds.Detected && e.Time >= at - slack);
            Assert.True(detected is not null, $"{fault}: no detection on the timeline");
            var again = end.Events.FirstOrDefault(e => e.Kind == JobEventKinds.Started && e.Time > detected.Time && e.Detail.Contains("trains again", StringComparison.Ordinal));
            Assert.True(again is not null, $"{fault}: the job never trained again after the detection");
            var lost = long.Parse(LostRegex().Match(again.Detail).Groups[1].Value, CultureInfo.InvariantCulture);
            result.Add(new Recovery(fault, (detected.Time - at).TotalSeconds, (again.Time - at).TotalSeconds, lost));
        }
        return result;
    }

    private static string Format(double? seconds) => seconds is { } s ? s.ToString("F2", CultureInfo.InvariantCulture) : "-";

    private static async Task<(double[] Losses, long Samples, int Batch)> UninterruptedAsync()
    {
        var job = JobClusterFixture.TinyJob(Steps);
        using var session = await TrainingSession.CreateAsync(job, WorldInfo.Single);
        double[] losses = [.. Enumerable.Range(0, Steps).Select(_ => session.Step().Loss)];
        return (losses, session.Objective.Train.Count, job.Batch);
    }
}
