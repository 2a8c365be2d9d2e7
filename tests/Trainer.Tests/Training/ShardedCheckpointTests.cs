using System.Text;
using System.Text.Json;
using Distributed.TestSupport;
using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Models;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;

namespace Distributed.Trainer.Tests.Training;

/// <summary>One Azurite for the blob cases of a test class.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await AzuriteServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A blob checkpoint store in a container of its own.</summary>
    public BlobCheckpointStore Store(int blockBytes = BlobCheckpointStore.DefaultBlockBytes) =>
        new(Server.Container("ckpt-" + Guid.NewGuid().ToString("N")[..12]), "jobs/test", blockBytes);
}

// Checkpoints written by several ranks into the local file system and Azure Blob storage (Azurite): the same
// files, the manifest as the commit, and a load that does not depend on the world that wrote it.
public sealed class ShardedCheckpointTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ckpt-sharded-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ICheckpointStore Store(string kind) => kind == "blob" ? azurite.Store(blockBytes: 64 << 10) : new LocalCheckpointStore(_dir);

    private static async Task<TrainingSnapshot> SnapshotAsync(int steps)
    {
        using var session = await TinyJobs.SessionAsync(TinyJobs.Job("icae"));
        for (var i = 0; i < steps; i++) session.Step();
        // A copy: it outlives its session, and the checkpoint writer gives a session snapshot's buffers back.
        using var snapshot = session.Snapshot();
        return snapshot.Copy();
    }

    [Theory]
    [InlineData(0L, 1, 1)]
    [InlineData(10L << 20, 3, 3)] // small: one shard per rank
    [InlineData(1L << 30, 1, 1)] // exactly the target
    [InlineData((1L << 30) + 1, 1, 2)]
    [InlineData(5L << 30, 1, 5)] // OPT-1.3B's moments in bf16 (4.85 GB) are cut in five
    [InlineData(5L << 30, 2, 6)] // a multiple of the world: 2.5 GiB per rank is three shards each
    [InlineData(5L << 30, 8, 8)]
    public void Large_state_is_cut_into_shards_near_the_target_size_and_a_multiple_of_the_world(long bytes, int world, int shards)
    {
        Assert.Equal(shards, CheckpointParts.ShardCount(bytes, world));
        Assert.True(bytes / shards <= CheckpointParts.TargetShardBytes, "a shard over the target");
    }

    /// <summary>Every rank writes its parts at once, then the manifest commits them (what the checkpoint grain does).</summary>
    private static async Task<CheckpointManifest> WriteWorldAsync(ICheckpointStore store, TrainingSnapshot snapshot, int world)
    {
        var name = CheckpointLayout.NameOf(snapshot.Step);
        var parts = await Task.WhenAll(Enumerable.Range(0, world).Select(r => Task.Run(() => CheckpointParts.WriteAsync(store, name, snapshot, world, r))));
        var manifest = new CheckpointManifest(snapshot.Step, world, [.. parts.SelectMany(p => p)]);
        Assert.True(await manifest.TryCommitAsync(store, name));
        return manifest;
    }

    private static void AssertSame(TrainingSnapshot expected, TrainingSnapshot actual, string what)
    {
        Assert.Equal(expected.Step, actual.Step);
        Assert.Equal(expected.Cursor, actual.Cursor);
        Assert.Equal(expected.ModelType, actual.ModelType);
        Assert.Equal(expected.ModelConfig, actual.ModelConfig);
        Assert.Equal(expected.Job.ToJson(), actual.Job.ToJson());
        foreach (var (part, e, a) in new[] { ("model", expected.Model, actual.Model), ("objective", expected.Objective, actual.Objective), ("optimizer", expected.Optimizer, actual.Optimizer) })
        {
            Assert.True(e.Count > 0, $"{what}: the snapshot has no {part} tensors to compare");
            Assert.Equal(e.Select(t => t.Name).Order(StringComparer.Ordinal), a.Select(t => t.Name).Order(StringComparer.Ordinal));
            var byName = a.ToDictionary(t => t.Name);
            foreach (var t in e)
            {
                Assert.Equal(t.DType, byName[t.Name].DType);
                Assert.Equal(t.Shape, byName[t.Name].Shape);
                Assert.True(t.Bytes.Span.SequenceEqual(byName[t.Name].Bytes.Span), $"{what}: {part} tensor {t.Name} differs");
            }
        }
    }

    [Theory]
    [InlineData("local")]
    [InlineData("blob")]
    public async Task A_checkpoint_written_by_two_ranks_restores_bit_for_bit_at_world_sizes_one_and_three(string kind)
    {
        var snapshot = await SnapshotAsync(2);
        var store = Store(kind);
        var manifest = await WriteWorldAsync(store, snapshot, world: 2);
        // Both ranks wrote a share: a weight shard and an optimizer shard each; rank 0 also the small files.
        Assert.Equal(
            ["model-00002-of-00002.safetensors", "optimizer-00002-of-00002.safetensors"],
            manifest.Files.Where(f => f.Rank == 1).Select(f => f.File).Order(StringComparer.Ordinal));
        Assert.Contains(manifest.Files, f => f.Rank == 0 && f.File == CheckpointLayout.ShardName("model", 0, 2));
        var (resolved, name) = kind == "blob"
            ? (store, (await CheckpointReader.LastCommittedAsync(store))!)
            : await CheckpointReader.ResolveAsync(_dir);
        var loaded = await CheckpointReader.LoadAsync(resolved, name);
        AssertSame(snapshot, loaded, "loaded");

        // World 1 continues exactly as the session that took the snapshot would.
        using (var original = await TinyJobs.SessionAsync(TinyJobs.Job("icae"), resume: snapshot))
        using (var one = await TinyJobs.SessionAsync(TinyJobs.Job("icae"), resume: loaded))
        {
            AssertSame(snapshot, one.Snapshot(), "restored at world 1");
            Assert.Equal(original.Step().Loss, one.Step().Loss);
        }
        // Every rank of a world of three takes the same replica.
        var world = new InProcessWorld(3);
        for (var rank = 0; rank < 3; rank++)
        {
            using var session = await TinyJobs.SessionAsync(TinyJobs.Job("icae"), new WorldInfo(rank, 3), world.Rank(rank), loaded);
            AssertSame(snapshot, session.Snapshot(), $"restored at rank {rank} of 3");
        }
    }

    [Fact]
    public async Task The_model_is_a_hugging_face_sharded_directory_under_the_hf_names()
    {
        var snapshot = await SnapshotAsync(1);
        var store = new LocalCheckpointStore(_dir);
        await WriteWorldAsync(store, snapshot, world: 3);
        var folder = store.Describe(CheckpointLayout.NameOf(1));
        Assert.False(File.Exists(Path.Combine(folder, CheckpointLayout.Model)));

        using var index = ShardedSafetensors.Open(Path.Combine(folder, CheckpointLayout.ModelIndex));
        Assert.Equal(snapshot.Model.Sum(t => (long)t.Bytes.Length), index.TotalSize);
        Assert.True(index.WeightMap.Values.Distinct().Count() > 1, "the weights are spread over several shards");
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(folder, CheckpointLayout.ModelIndex)));
        Assert.Equal(["metadata", "weight_map"], json.RootElement.EnumerateObject().Select(p => p.Name));
        foreach (var shard in index.WeightMap.Values.Distinct())
        {
            using var file = SafetensorsFile.Open(Path.Combine(folder, shard));
            Assert.Equal("pt", file.Metadata["format"]);
        }
        // The names are those of the HF name map for the model's base parameters, and HF loading gives the weights back.
        using var session = await TinyJobs.SessionAsync(TinyJobs.Job("icae"));
        var model = session.Objective.Model;
        var hfNames = HfCheckpoint.BaseParameters(model).Select(p => model.HfNames.ToHf(p.Name)).ToList();
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", hfNames);
        Assert.Equal(hfNames.Order(StringComparer.Ordinal), index.Names.Order(StringComparer.Ordinal));
        using var loaded = HfCheckpoint.Load(folder);
        var byName = snapshot.Model.ToDictionary(t => t.Name);
        foreach (var (name, p) in HfCheckpoint.BaseParameters(loaded))
        {
            var expected = byName[loaded.HfNames.ToHf(name)];
            Assert.True(HostTensor.Of(name, p.Data).Bytes.Span.SequenceEqual(expected.Bytes.Span), $"HF-loaded {name} differs");
        }
    }

    [Theory]
    [InlineData("local")]
    [InlineData("blob")]
    public async Task Of_concurrent_manifest_writers_exactly_one_wins_and_the_others_change_nothing(string kind)
    {
        var store = Store(kind);
        const string name = "step-00000007";
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            store.TryCreateAsync(name, CheckpointLayout.CommitMarker, async (s, ct) => await s.WriteAsync(Encoding.ASCII.GetBytes($"writer {i}"), ct)))));
        Assert.Equal(1, results.Count(won => won));
        var winner = Array.IndexOf(results, true);
        var path = await store.FetchAsync(name, CheckpointLayout.CommitMarker);
        Assert.Equal($"writer {winner}", await File.ReadAllTextAsync(path));
        await store.ReleaseAsync(name);
        Assert.False(await store.TryCreateAsync(name, CheckpointLayout.CommitMarker, async (s, ct) => await s.WriteAsync("late"u8.ToArray(), ct)));
        Assert.Equal($"writer {winner}", await File.ReadAllTextAsync(await store.FetchAsync(name, CheckpointLayout.CommitMarker)));
        if (kind == "local") Assert.Equal([CheckpointLayout.CommitMarker], Directory.GetFiles(store.Describe(name)).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("blob")]
    public async Task An_uncommitted_checkpoint_is_skipped_and_refused_by_name_and_a_corrupted_part_is_refused(string kind)
    {
        var snapshot = await SnapshotAsync(1);
        var store = Store(kind);
        await WriteWorldAsync(store, snapshot, world: 2);
        var later = snapshot with { Step = 2 };
        await CheckpointParts.WriteAsync(store, CheckpointLayout.NameOf(2), later, 2, rank: 0); // rank 1 never wrote its part
        Assert.Equal([CheckpointLayout.NameOf(1), CheckpointLayout.NameOf(2)], await store.ListAsync());
        Assert.Equal(CheckpointLayout.NameOf(1), await CheckpointReader.LastCommittedAsync(store));
        var e = await Assert.ThrowsAsync<JobException>(() => CheckpointReader.LoadAsync(store, CheckpointLayout.NameOf(2)));
        Assert.Contains($"{store.Describe(CheckpointLayout.NameOf(2))} is not a committed checkpoint", e.Message);
        Assert.Contains($"the last committed checkpoint is {store.Describe(CheckpointLayout.NameOf(1))}", e.Message);

        // One flipped byte in rank 1's weight shard.
        var shard = CheckpointLayout.ShardName("model", 1, 2);
        var bytes = await File.ReadAllBytesAsync(await store.FetchAsync(CheckpointLayout.NameOf(1), shard));
        await store.ReleaseAsync(CheckpointLayout.NameOf(1));
        bytes[^3] ^= 0x40;
        await store.WriteAsync(CheckpointLayout.NameOf(1), shard, async (s, ct) => await s.WriteAsync(bytes, ct));
        e = await Assert.ThrowsAsync<JobException>(() => CheckpointReader.LoadAsync(store, CheckpointLayout.NameOf(1)));
        Assert.Contains("is damaged", e.Message);
        Assert.Contains(shard, e.Message);
        Assert.Contains("SHA-256", e.Message);
    }

    [Fact]
    public async Task A_blob_upload_that_fails_midway_leaves_no_blob_and_deleting_removes_every_file()
    {
        var store = azurite.Store(blockBytes: 1024);
        await store.WriteAsync("step-00000001", "config.json", async (s, ct) => await s.WriteAsync("{}"u8.ToArray(), ct));
        var failure = await Assert.ThrowsAsync<IOException>(() => store.WriteAsync("step-00000001", "model-00001-of-00001.safetensors", async (s, ct) =>
        {
            await s.WriteAsync(new byte[5000], ct); // four blocks staged
            throw new IOException("the writer died");
        }));
        Assert.Equal("the writer died", failure.Message);
        Assert.False(await store.ExistsAsync("step-00000001", "model-00001-of-00001.safetensors"));
        // A large part goes up in blocks and comes back whole.
        var data = new byte[10_000];
        new Random(5).NextBytes(data);
        await store.WriteAsync("step-00000001", "optimizer-00001-of-00001.safetensors", async (s, ct) => await s.WriteAsync(data, ct));
        Assert.Equal(data, await File.ReadAllBytesAsync(await store.FetchAsync("step-00000001", "optimizer-00001-of-00001.safetensors")));
        Assert.Equal(["step-00000001"], await store.ListAsync());
        await store.DeleteAsync("step-00000001");
        Assert.Empty(await store.ListAsync());
        Assert.Empty(store.Container.GetBlobs());
    }

    [Fact]
    public async Task Blob_locations_open_from_the_connection_string_and_resume_takes_them()
    {
        const string variable = "AZURE_STORAGE_CONNECTION_STRING";
        var saved = Environment.GetEnvironmentVariable(variable);
        try
        {
            Environment.SetEnvironmentVariable(variable, null);
            var e = Assert.Throws<JobException>(() => CheckpointStores.Open("blob://ckpts/job-1"));
            Assert.Contains("set AZURE_STORAGE_CONNECTION_STRING", e.Message);
            Environment.SetEnvironmentVariable(variable, azurite.Server.ConnectionString);
            e = Assert.Throws<JobException>(() => CheckpointStores.Open("blob:///job-1"));
            Assert.Contains("names no container", e.Message);
            Assert.IsType<LocalCheckpointStore>(CheckpointStores.Open(_dir));

            var snapshot = await SnapshotAsync(1);
            var store = CheckpointStores.Open("blob://resume-test/runs/a");
            Assert.Equal("blob://resume-test/runs/a", store.Location);
            await new CheckpointWriter(store, 2, Microsoft.Extensions.Logging.Abstractions.NullLogger<CheckpointWriter>.Instance).WriteAsync(snapshot);
            var (byFolder, newest) = await CheckpointReader.ResolveAsync("blob://resume-test/runs/a");
            Assert.Equal("blob://resume-test/runs/a/step-00000001", byFolder.Describe(newest));
            var (byName, name) = await CheckpointReader.ResolveAsync("blob://resume-test/runs/a/step-00000001/");
            AssertSame(snapshot, await CheckpointReader.LoadAsync(byName, name), "resumed from blob");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, saved);
        }
    }
}
