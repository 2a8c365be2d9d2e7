using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Distributed.Trainer.Models;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distributed.Trainer.Tests.Training;

// A session's snapshots go into host buffers allocated once and lent to one snapshot at a time; checkpoint files are
// written several at once, each hashed beside its write.
public sealed class SnapshotBufferTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("ckpt-buffers-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<byte[]> Weights(TrainingSession session) =>
        [.. HfCheckpoint.BaseParameters(session.Objective.Model).Select(x => HostTensor.Of(x.Name, x.Parameter.Data).Bytes.ToArray())];

    private static bool SameAddress(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b) =>
        Unsafe.AreSame(ref MemoryMarshal.GetReference(a.Span), ref MemoryMarshal.GetReference(b.Span));

    [Fact]
    public async Task A_snapshot_is_its_step_boundary_although_later_steps_ran_and_the_next_one_reuses_its_buffers()
    {
        using var session = await TinyJobs.SessionAsync(TinyJobs.Job("lm"));
        session.Step();
        var boundary = Weights(session);
        var first = session.Snapshot();
        session.Step();
        session.Step();
        var later = Weights(session);
        Assert.True(boundary.Zip(later).Any(p => !p.First.AsSpan().SequenceEqual(p.Second)), "the steps after the snapshot changed no weight: the check below could not fail");
        Assert.Equal(boundary.Count, first.Model.Count);
        for (var i = 0; i < boundary.Count; i++)
            Assert.True(first.Model[i].Bytes.Span.SequenceEqual(boundary[i]), $"snapshot tensor {first.Model[i].Name} is not the weights of step 1");
        Assert.Equal(1, first.Step);

        // While it is held, no other snapshot may write into its buffers.
        var e = Assert.Throws<InvalidOperationException>(session.Snapshot);
        Assert.Contains("dispose it", e.Message);
        var kept = first.Copy();
        first.Dispose();
        first.Dispose(); // idempotent

        using var second = session.Snapshot();
        Assert.Equal(3, second.Step);
        Assert.All(second.Model.Zip(first.Model), p => Assert.True(SameAddress(p.First.Bytes, p.Second.Bytes), $"{p.First.Name}: the second snapshot got new buffers"));
        Assert.All(second.Optimizer.Zip(first.Optimizer), p => Assert.True(SameAddress(p.First.Bytes, p.Second.Bytes), $"{p.First.Name}: the second snapshot got new buffers"));
        for (var i = 0; i < later.Count; i++)
            Assert.True(second.Model[i].Bytes.Span.SequenceEqual(later[i]), $"snapshot tensor {second.Model[i].Name} is not the weights of step 3");
        // The copy taken before the buffers were lent again still holds step 1.
        Assert.All(kept.Model.Zip(boundary), p => Assert.True(p.First.Bytes.Span.SequenceEqual(p.Second), $"{p.First.Name}: the copy changed"));
    }

    [Fact]
    public async Task The_buffers_stay_lent_while_the_writer_writes_and_come_back_when_it_is_done()
    {
        using var session = await TinyJobs.SessionAsync(TinyJobs.Job("lm"));
        session.Step();
        var boundary = Weights(session);
        var store = new GatedStore(new LocalCheckpointStore(_dir));
        var writer = new CheckpointWriter(store, 3, NullLogger<CheckpointWriter>.Instance);
        var snapshot = session.Snapshot();
        var expected = snapshot.Copy();
        var write = Task.Run(() => writer.WriteAsync(snapshot));
        await store.Started.Task.WaitAsync(Timeout);

        // In flight: training goes on, and the next snapshot is refused rather than overwriting the one being written.
        session.Step();
        var e = Assert.Throws<InvalidOperationException>(session.Snapshot);
        Assert.Contains("still holds its host buffers", e.Message);
        store.Open.SetResult();
        var location = await write.WaitAsync(Timeout);

        // The checkpoint holds step 1's weights, and the writer gave the buffers back.
        var loaded = await CheckpointReader.LoadAsync(store, Path.GetFileName(location));
        Assert.Equal(1, loaded.Step);
        for (var i = 0; i < boundary.Count; i++)
            Assert.True(expected.Model[i].Bytes.Span.SequenceEqual(boundary[i]), $"snapshot tensor {expected.Model[i].Name} is not the weights of step 1");
        var byName = loaded.Model.Concat(loaded.Optimizer).ToDictionary(t => t.Name);
        Assert.Equal(expected.Model.Count + expected.Optimizer.Count, byName.Count);
        Assert.All(expected.Model.Concat(expected.Optimizer), t => Assert.True(t.Bytes.Span.SequenceEqual(byName[t.Name].Bytes.Span), $"checkpoint tensor {t.Name} is not the snapshot's"));
        using var next = session.Snapshot();
        Assert.Equal(2, next.Step);
    }

    [Fact]
    public async Task A_snapshot_outlives_its_session_until_it_is_disposed_and_then_refuses_reads()
    {
        TrainingSnapshot snapshot;
        List<byte[]> boundary;
        using (var session = await TinyJobs.SessionAsync(TinyJobs.Job("lm")))
        {
            session.Step();
            boundary = Weights(session);
            snapshot = session.Snapshot();
        }
        for (var i = 0; i < boundary.Count; i++)
            Assert.True(snapshot.Model[i].Bytes.Span.SequenceEqual(boundary[i]), $"{snapshot.Model[i].Name} changed when its session was disposed");
        snapshot.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => snapshot.Model[0].Bytes.Span.ToArray());
        Assert.Contains("Copy()", e.Message);
    }

    [Fact]
    public async Task Files_written_at_once_are_byte_identical_to_one_by_one_renderings_and_their_hashes_are_the_files()
    {
        using var session = await TinyJobs.SessionAsync(TinyJobs.Job("icae"));
        session.Step();
        using var snapshot = session.Snapshot();
        var store = new LocalCheckpointStore(_dir);
        const int world = 2;
        var name = CheckpointLayout.NameOf(snapshot.Step);
        var byRank = await Task.WhenAll(Enumerable.Range(0, world).Select(r => CheckpointParts.WriteAsync(store, name, snapshot, world, r)));
        var written = byRank.SelectMany(x => x).ToList();

        // The reference: every part rendered alone, in order, on this thread.
        var parts = CheckpointParts.Of(snapshot, world);
        Assert.True(parts.Count(p => p.Rank == 0) > 1 && CheckpointParts.MaxParallelParts > 1, "rank 0 writes one file at a time: nothing was written at once");
        for (var r = 0; r < world; r++)
            Assert.Equal(parts.Where(p => p.Rank == r).Select(p => p.File), byRank[r].Select(e => e.File)); // entries in part order, whatever finished first
        foreach (var part in parts)
        {
            using var expected = new MemoryStream();
            part.Write(expected);
            var file = await File.ReadAllBytesAsync(Path.Combine(_dir, name, part.File));
            Assert.True(expected.ToArray().AsSpan().SequenceEqual(file), $"{part.File} differs from its one-by-one rendering");
            var entry = written.Single(w => w.File == part.File);
            Assert.Equal(file.LongLength, entry.Bytes);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), entry.Sha256);
        }
    }

    [Fact]
    public void Streams_and_events_name_the_missing_CUDA_on_a_CPU_build()
    {
        if (LibTorch.BuiltWithCuda) return; // a CUDA build has them: the GPU bench uses them (bench/CheckpointBench)
        var e = Assert.Throws<TorchException>(() => CudaStream.FromPool(0));
        Assert.Contains("no CUDA", e.Message);
        e = Assert.Throws<TorchException>(() => new CudaEvent());
        Assert.Contains("no CUDA", e.Message);
    }

    // A local store whose file writes wait until the test opens the gate: a checkpoint write held in flight.
    private sealed class GatedStore(ICheckpointStore inner) : ICheckpointStore
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Location => inner.Location;

        public string Describe(string checkpoint) => inner.Describe(checkpoint);

        public Task WriteAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(checkpoint, file, write, cancellationToken);

        public async Task<bool> TryCreateAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
        {
            Started.TrySetResult();
            await Open.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return await inner.TryCreateAsync(checkpoint, file, write, cancellationToken).ConfigureAwait(false);
        }

        public Task<string> FetchAsync(string checkpoint, string file, CancellationToken cancellationToken = default) => inner.FetchAsync(checkpoint, file, cancellationToken);

        public Task ReleaseAsync(string checkpoint, CancellationToken cancellationToken = default) => inner.ReleaseAsync(checkpoint, cancellationToken);

        public Task<bool> ExistsAsync(string checkpoint, string file, CancellationToken cancellationToken = default) => inner.ExistsAsync(checkpoint, file, cancellationToken);

        public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

        public Task DeleteAsync(string checkpoint, CancellationToken cancellationToken = default) => inner.DeleteAsync(checkpoint, cancellationToken);
    }
}
