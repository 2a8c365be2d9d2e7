using System.Diagnostics;
using Distributed.Checkpoints.TestHost;
using Distributed.Grains.Checkpoints;
using Distributed.TestSupport;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Distributed.Grains.Tests.Checkpoints;

// The checkpoint grain with the silo's RankCheckpointWriter: parts from every rank, the manifest written last as
// the commit, retention, abandon, a lost commit race, and a writer process killed -9 mid-upload to Azurite.
[Collection(ClusterCollection.Name)]
public sealed class CheckpointGrainTests(ClusterFixture fixture, ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ckpt-grain-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private RankCheckpointWriter Writer => ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost!.Services.GetRequiredService<RankCheckpointWriter>();

    private static string NewJob() => "job-" + Guid.NewGuid().ToString("N")[..8];

    private static void AssertSame(TrainingSnapshot expected, TrainingSnapshot actual)
    {
        Assert.Equal((expected.Step, expected.Cursor, expected.Job.ToJson()), (actual.Step, actual.Cursor, actual.Job.ToJson()));
        foreach (var (e, a) in new[] { (expected.Model, actual.Model), (expected.Objective, actual.Objective), (expected.Optimizer, actual.Optimizer) })
        {
            var byName = a.ToDictionary(t => t.Name);
            Assert.Equal(e.Count, a.Count);
            Assert.All(e, t => Assert.True(t.Bytes.Span.SequenceEqual(byName[t.Name].Bytes.Span), $"{t.Name} differs"));
        }
    }

    /// <summary>A whole checkpoint: Begin, then every rank's part through the writer, concurrently.</summary>
    private async Task<CheckpointInfo> CheckpointAsync(ICheckpointGrain grain, string job, string location, long step, int world,
        int keepLast = 2, int keepEvery = 0, int everySteps = 10)
    {
        var plan = await grain.BeginAsync(location, step, world, keepLast, keepEvery, everySteps, "w1");
        var snapshot = SyntheticSnapshot.Create(step);
        var infos = await Task.WhenAll(Enumerable.Range(0, world).Select(r => Writer.WriteAsync(job, plan, r, snapshot, CancellationToken.None)));
        return infos.Single(i => i.Committed);
    }

    [Fact]
    public async Task The_checkpoint_commits_when_the_last_rank_reports_and_loads_whatever_the_world()
    {
        var job = NewJob();
        var grain = fixture.Grains.GetGrain<ICheckpointGrain>(job);
        var plan = await grain.BeginAsync(_dir, 30, 3, 2, 0, 10, "w1");
        Assert.Equal(new CheckpointPlan("step-00000030", _dir, 30, 3), plan);
        Assert.Equal(plan, await grain.BeginAsync(_dir, 30, 3, 2, 0, 10, "w1")); // idempotent per step
        var snapshot = SyntheticSnapshot.Create(30);

        var first = await Writer.WriteAsync(job, plan, 2, snapshot, CancellationToken.None);
        var second = await Writer.WriteAsync(job, plan, 0, snapshot, CancellationToken.None);
        Assert.False(first.Committed || second.Committed);
        Assert.False(File.Exists(Path.Combine(_dir, plan.Name, CheckpointLayout.CommitMarker)), "the manifest was written before every part was in");
        Assert.Null(await grain.LatestCommittedAsync());
        var e = await Assert.ThrowsAsync<JobException>(() => CheckpointLoader.LoadAsync(_dir, plan.Name, CancellationToken.None));
        Assert.Contains("is not a committed checkpoint", e.Message);

        var last = await Writer.WriteAsync(job, plan, 1, snapshot, CancellationToken.None);
        Assert.True(last.Committed);
        Assert.Equal((30L, 3, Path.Combine(_dir, plan.Name)), (last.Step, last.WorldSize, last.Location));
        var manifest = (await CheckpointManifest.ReadAsync(new LocalCheckpointStore(_dir), plan.Name))!;
        Assert.Equal(last.Bytes, manifest.Bytes);
        Assert.Equal([0, 1, 2], manifest.Files.Select(f => f.Rank).Distinct().Order());
        Assert.Equal(last, await grain.LatestCommittedAsync());
        AssertSame(snapshot, await CheckpointLoader.LoadAsync(_dir, plan.Name, CancellationToken.None));
        Assert.Equal(plan.Name, await CheckpointLoader.LatestCommittedAsync(_dir, CancellationToken.None));

        // After the commit, Begin says so and a late report changes nothing.
        var again = await grain.BeginAsync(_dir, 30, 2, 2, 0, 10, "w1");
        Assert.True(again.Committed);
        Assert.Equal(last, await Writer.WriteAsync(job, again, 1, snapshot, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Writer.WriteAsync(job, plan, 3, snapshot, CancellationToken.None));
    }

    [Fact]
    public async Task A_step_trained_again_by_another_world_begins_its_checkpoint_afresh_over_the_dead_writers_files()
    {
        // World w1 began step 40 and one of its two ranks wrote its part before the world died; w2 (one rank, replaying
        // from an earlier checkpoint) reaches step 40 again.
        var job = NewJob();
        var grain = fixture.Grains.GetGrain<ICheckpointGrain>(job);
        var dead = await grain.BeginAsync(_dir, 40, 2, 2, 0, 10, "w1");
        var old = SyntheticSnapshot.Create(40);
        Assert.False((await Writer.WriteAsync(job, dead, 0, old, CancellationToken.None)).Committed);

        var replay = await grain.BeginAsync(_dir, 40, 2, 2, 0, 10, "w2");
        Assert.False(replay.Committed);
        Assert.Equal(replay, await grain.BeginAsync(_dir, 40, 2, 2, 0, 10, "w2")); // idempotent within the world
        var snapshot = SyntheticSnapshot.Create(40, scale: 2);
        var infos = await Task.WhenAll(Enumerable.Range(0, 2).Select(r => Writer.WriteAsync(job, replay, r, snapshot, CancellationToken.None)));
        Assert.True(infos.Single(i => i.Committed).Committed);
        AssertSame(snapshot, await CheckpointLoader.LoadAsync(_dir, replay.Name, CancellationToken.None));

        // A rank retrying its own part after a failed attempt of its own replaces its files; without saying so it is refused.
        var plan = await grain.BeginAsync(_dir, 50, 2, 2, 0, 10, "w2");
        var later = SyntheticSnapshot.Create(50);
        await Writer.WriteAsync(job, plan, 0, later, CancellationToken.None);
        await Assert.ThrowsAsync<JobException>(() => Writer.WriteAsync(job, plan, 0, later, CancellationToken.None));
        Assert.False((await Writer.WriteAsync(job, plan, 0, later, CancellationToken.None, replaceOwnParts: true)).Committed);
        Assert.True((await Writer.WriteAsync(job, plan, 1, later, CancellationToken.None)).Committed);
        AssertSame(later, await CheckpointLoader.LoadAsync(_dir, plan.Name, CancellationToken.None));
    }

    [Fact]
    public async Task Retention_keeps_the_last_n_and_every_mth_and_clears_incomplete_ones_only_after_a_newer_commit()
    {
        var job = NewJob();
        var grain = fixture.Grains.GetGrain<ICheckpointGrain>(job);
        Assert.Equal([10L, 20], CheckpointRetention.ToDelete([10, 20, 30, 40, 50, 60], 4, 0, 10).Order());
        Assert.Equal([10L, 30], CheckpointRetention.ToDelete([10, 20, 30, 40, 50, 60], 2, 2, 10).Order());
        foreach (var step in new long[] { 10, 20, 30, 40, 50, 60 })
            await CheckpointAsync(grain, job, _dir, step, world: 1, keepLast: 2, keepEvery: 2, everySteps: 10);
        // The last two (50, 60) and every second of every-10 (20, 40).
        string[] expected = ["step-00000020", "step-00000040", "step-00000050", "step-00000060"];
        Assert.Equal(expected, (await grain.ListAsync()).Select(c => c.Name));
        Assert.Equal(expected, Directory.GetDirectories(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // An incomplete checkpoint (one of two parts) stays while it is the newest...
        var plan = await grain.BeginAsync(_dir, 70, 2, 2, 2, 10, "w1");
        await Writer.WriteAsync(job, plan, 0, SyntheticSnapshot.Create(70), CancellationToken.None);
        Directory.CreateDirectory(Path.Combine(_dir, "step-00000065")); // a dead writer's leftover this grain never knew of
        Assert.True(Directory.Exists(Path.Combine(_dir, plan.Name)));
        Assert.Contains(await grain.ListAsync(), c => c is { Name: "step-00000070", Committed: false, Abandoned: false });
        // ...and goes once a newer one commits; so does the leftover, and retention moves on (50 goes, 60 and 80 stay).
        await CheckpointAsync(grain, job, _dir, 80, world: 1, keepLast: 2, keepEvery: 2, everySteps: 10);
        expected = ["step-00000020", "step-00000040", "step-00000060", "step-00000080"];
        Assert.Equal(expected, (await grain.ListAsync()).Select(c => c.Name));
        Assert.Equal(expected, Directory.GetDirectories(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(80, (await grain.LatestCommittedAsync())!.Step);
    }

    [Fact]
    public async Task Abandon_deletes_an_incomplete_checkpoint_and_a_lost_commit_race_leaves_the_winners_manifest()
    {
        var job = NewJob();
        var grain = fixture.Grains.GetGrain<ICheckpointGrain>(job);
        var plan = await grain.BeginAsync(_dir, 5, 2, 2, 0, 5, "w1");
        await Writer.WriteAsync(job, plan, 1, SyntheticSnapshot.Create(5), CancellationToken.None);
        await grain.AbandonAsync(plan.Name, "rank 0 died");
        Assert.False(Directory.Exists(Path.Combine(_dir, plan.Name)));
        Assert.Contains(await grain.ListAsync(), c => c is { Name: "step-00000005", Abandoned: true, Committed: false });
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Writer.WriteAsync(job, plan, 0, SyntheticSnapshot.Create(5), CancellationToken.None));
        Assert.Contains("abandoned (rank 0 died)", e.Message);
        // The late writer's files are there, but without a manifest they are never loaded.
        var load = await Assert.ThrowsAsync<JobException>(() => CheckpointLoader.LoadAsync(_dir, plan.Name, CancellationToken.None));
        Assert.Contains($"{Path.Combine(_dir, plan.Name)} is not a committed checkpoint", load.Message);

        // Another committer (a second activation) writes step 10's manifest between the last part and the grain's commit.
        plan = await grain.BeginAsync(_dir, 10, 1, 2, 0, 5, "w1");
        var store = new LocalCheckpointStore(_dir);
        var snapshot = SyntheticSnapshot.Create(10);
        var files = await CheckpointParts.WriteAsync(store, plan.Name, snapshot, 1, 0);
        var theirs = new CheckpointManifest(10, 1, files);
        Assert.True(await theirs.TryCommitAsync(store, plan.Name));
        var marker = Path.Combine(_dir, plan.Name, CheckpointLayout.CommitMarker);
        var stamp = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(marker, stamp);
        var before = await File.ReadAllBytesAsync(marker);
        var info = await grain.PartWrittenAsync(plan.Name, 0, [.. files.Select(f => new CheckpointFile(f.File, f.Bytes, f.Sha256))], 0.1);
        Assert.True(info.Committed);
        Assert.Equal(theirs.Bytes, info.Bytes);
        Assert.Equal(before, await File.ReadAllBytesAsync(marker));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(marker)); // the same file, not a replacement
        AssertSame(snapshot, await CheckpointLoader.LoadAsync(_dir, plan.Name, CancellationToken.None));

        // A writer holding a stale plan never writes over the committed checkpoint's files.
        var conflict = await Assert.ThrowsAsync<JobException>(() => Writer.WriteAsync(job, plan, 0, snapshot, CancellationToken.None));
        Assert.Contains("already exists: another writer wrote this checkpoint", conflict.Message);
        AssertSame(snapshot, await CheckpointLoader.LoadAsync(_dir, plan.Name, CancellationToken.None));
    }

    [Fact]
    public async Task Parts_that_are_not_in_storage_or_lack_rank_0s_files_are_abandoned_not_committed()
    {
        var job = NewJob();
        var grain = fixture.Grains.GetGrain<ICheckpointGrain>(job);
        var plan = await grain.BeginAsync(_dir, 1, 1, 2, 0, 1, "w1");
        var info = await grain.PartWrittenAsync(plan.Name, 0, [new CheckpointFile("model-00001-of-00001.safetensors", 10, new string('0', 64))], 0.1);
        Assert.True(info is { Committed: false, Abandoned: true }, $"a report of files that are not there gave {info}");
        Assert.Null(await grain.LatestCommittedAsync());

        // Rank 0's files written, but reported without trainer_state.json: it could never load.
        plan = await grain.BeginAsync(_dir, 2, 1, 2, 0, 1, "w1");
        var files = await CheckpointParts.WriteAsync(new LocalCheckpointStore(_dir), plan.Name, SyntheticSnapshot.Create(2), 1, 0);
        info = await grain.PartWrittenAsync(plan.Name, 0,
            [.. files.Where(f => f.File != CheckpointLayout.TrainerState).Select(f => new CheckpointFile(f.File, f.Bytes, f.Sha256))], 0.1);
        Assert.True(info is { Committed: false, Abandoned: true }, $"a report without trainer_state.json gave {info}");
        Assert.False(Directory.Exists(Path.Combine(_dir, plan.Name)));
    }

    [Fact]
    public async Task A_writer_killed_mid_upload_leaves_a_checkpoint_that_is_never_loaded_and_a_later_one_commits()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        const string variable = "AZURE_STORAGE_CONNECTION_STRING";
        var saved = Environment.GetEnvironmentVariable(variable);
        Environment.SetEnvironmentVariable(variable, azurite.ConnectionString); // the in-process silos open blob:// with it
        try
        {
            var job = NewJob();
            var (container, prefix) = ("checkpoints", $"jobs/{job}");
            var location = $"blob://{container}/{prefix}";
            var grain = fixture.Grains.GetGrain<ICheckpointGrain>(job);
            var committed = await CheckpointAsync(grain, job, location, 5, world: 1);
            Assert.Equal($"{location}/step-00000005", committed.Location);

            // Step 10 by a world of 2: rank 0's part is in; rank 1 is a process of its own, killed -9 mid-upload.
            var plan = await grain.BeginAsync(location, 10, 2, 2, 0, 5, "w1");
            await Writer.WriteAsync(job, plan, 0, SyntheticSnapshot.Create(10), CancellationToken.None);
            var host = Path.Combine(AppContext.BaseDirectory, "Distributed.Checkpoints.TestHost.dll");
            var clock = Stopwatch.StartNew();
            using (var writer = ExternalProcess.Start("rank-1-writer", "dotnet",
                [host, "write-part", container, prefix, plan.Name, "2", "1", "10", "1", "4096", "200"],
                environment: new Dictionary<string, string> { [variable] = azurite.ConnectionString }))
            {
                var line = await writer.WaitForLineAsync("STAGED ", TimeSpan.FromSeconds(60));
                writer.Kill();
                output.WriteLine($"killed the rank 1 writer after {clock.Elapsed.TotalSeconds:F1} s at: {line}");
                Assert.DoesNotContain("DONE", writer.OutputText);
                var file = line.Split(' ')[1];
                // Its staged blocks were never committed: no blob, not even a partial one.
                Assert.False(await azurite.Container(container).GetBlobClient($"{prefix}/{plan.Name}/{file}").ExistsAsync());
            }
            var listed = await grain.ListAsync();
            Assert.Contains(listed, c => c is { Name: "step-00000010", Committed: false });
            Assert.False(await azurite.Container(container).GetBlobClient($"{prefix}/{plan.Name}/{CheckpointLayout.CommitMarker}").ExistsAsync());
            Assert.Equal(5, (await grain.LatestCommittedAsync())!.Step);
            Assert.Equal("step-00000005", await CheckpointLoader.LatestCommittedAsync(location, CancellationToken.None));
            var e = await Assert.ThrowsAsync<JobException>(() => CheckpointLoader.LoadAsync(location, plan.Name, CancellationToken.None));
            Assert.Contains($"{location}/step-00000010 is not a committed checkpoint", e.Message);
            Assert.Contains($"the last committed checkpoint is {location}/step-00000005", e.Message);

            // The job goes on with the survivor: step 20 by a world of 1 commits, and the dead step 10 is cleared.
            var later = await CheckpointAsync(grain, job, location, 20, world: 1);
            Assert.Equal(20, (await grain.LatestCommittedAsync())!.Step);
            AssertSame(SyntheticSnapshot.Create(20), await CheckpointLoader.LoadAsync(location, later.Name, CancellationToken.None));
            using var store = (BlobCheckpointStore)CheckpointStores.Open(location);
            Assert.Equal(["step-00000005", "step-00000020"], await store.ListAsync());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, saved);
        }
    }
}
