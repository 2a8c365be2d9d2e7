using Distributed.Trainer.Models;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distributed.Trainer.Tests.Training;

// Checkpoints are committed by a marker written last; nothing without it, or not matching it, is ever loaded.
public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(TrainingSnapshot Snapshot, CheckpointWriter Writer)> SnapshotAsync(int steps, int keep = 3)
    {
        using var session = await TinyJobs.SessionAsync(TinyJobs.Job("icae"));
        for (var i = 0; i < steps; i++) session.Step();
        // A copy: the writer gives a session snapshot's buffers back, and this one is written several times after its session is gone.
        using var snapshot = session.Snapshot();
        return (snapshot.Copy(), new CheckpointWriter(new LocalCheckpointStore(_dir), keep, NullLogger<CheckpointWriter>.Instance));
    }

    [Fact]
    public async Task A_checkpoint_without_its_commit_marker_is_refused_naming_it_and_the_last_committed_one()
    {
        var (snapshot, writer) = await SnapshotAsync(1);
        var committed = await writer.WriteAsync(snapshot);
        var partial = await writer.WriteAsync(snapshot with { Step = 2 });
        File.Delete(Path.Combine(partial, CheckpointLayout.CommitMarker)); // as if the run died before the marker

        var e = await Assert.ThrowsAsync<JobException>(() => CheckpointReader.ResolveAsync(partial));
        Assert.Contains(partial, e.Message);
        Assert.Contains("no COMMITTED marker", e.Message);
        Assert.Contains($"--resume {committed}", e.Message);
        // A run directory resumes from its newest committed checkpoint, never the partial one.
        var (store, name) = await CheckpointReader.ResolveAsync(_dir);
        Assert.Equal(committed, store.Describe(name));
        await Assert.ThrowsAsync<JobException>(() => CheckpointReader.LoadAsync(store, Path.GetFileName(partial)));
    }

    [Fact]
    public async Task A_damaged_file_is_refused_and_a_committed_checkpoint_round_trips_exactly()
    {
        var (snapshot, writer) = await SnapshotAsync(2);
        var path = await writer.WriteAsync(snapshot);
        var (store, name) = await CheckpointReader.ResolveAsync(path);
        var loaded = await CheckpointReader.LoadAsync(store, name);
        Assert.Equal(snapshot.Step, loaded.Step);
        Assert.Equal(snapshot.Cursor, loaded.Cursor);
        Assert.Equal(snapshot.Job.ToJson(), loaded.Job.ToJson());
        foreach (var (expected, actual) in new[] { (snapshot.Model, loaded.Model), (snapshot.Objective, loaded.Objective), (snapshot.Optimizer, loaded.Optimizer) })
        {
            Assert.Equal(expected.Select(t => t.Name).Order(), actual.Select(t => t.Name).Order());
            var byName = actual.ToDictionary(t => t.Name);
            Assert.All(expected, t => Assert.Equal(t.Bytes.ToArray(), byName[t.Name].Bytes.ToArray()));
        }
        // The model part is a Hugging Face folder: the base model loads with the HF names, LoRA stays in objective.safetensors.
        using (var model = HfCheckpoint.Load(path)) Assert.Equal(256, model.VocabSize);

        var optimizer = CheckpointLayout.ShardName(CheckpointLayout.OptimizerShardPrefix, 0, 1);
        var file = Path.Combine(path, optimizer);
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[^1] ^= 0x55;
        await File.WriteAllBytesAsync(file, bytes);
        var e = await Assert.ThrowsAsync<JobException>(() => CheckpointReader.LoadAsync(store, name));
        Assert.Contains("damaged", e.Message);
        Assert.Contains(optimizer, e.Message);
    }

    [Fact]
    public async Task Retention_keeps_the_newest_committed_checkpoints_and_clears_crash_leftovers()
    {
        var (snapshot, writer) = await SnapshotAsync(1, keep: 2);
        var leftover = Path.Combine(_dir, CheckpointLayout.NameOf(1));
        Directory.CreateDirectory(leftover);
        await File.WriteAllTextAsync(Path.Combine(leftover, CheckpointLayout.TrainerState), "{}"); // a write cut short
        foreach (var step in new[] { 2, 3, 4 }) await writer.WriteAsync(snapshot with { Step = step });
        Assert.Equal(["step-00000003", "step-00000004"], Directory.GetDirectories(_dir).Select(d => Path.GetFileName(d)!).Order().ToArray());
        // Saving a step again replaces it whole.
        await writer.WriteAsync(snapshot with { Step = 4 });
        Assert.Equal(4, (await CheckpointReader.LoadAsync(writer.Store, CheckpointLayout.NameOf(4))).Step);
    }
}
