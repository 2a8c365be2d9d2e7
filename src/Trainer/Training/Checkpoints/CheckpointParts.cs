using System.Text.Json;
using Distributed.Trainer.Checkpoint;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// Which rank writes which file of a checkpoint (<see cref="CheckpointLayout"/>), for a world of any size. Every rank
/// holds the same replica, so each computes the same split from its own snapshot without talking to the others:
/// the model's weights and the optimizer's moments are each cut, in parameter order, into shards of about equal
/// bytes, as many as the world has ranks or more, so that none is much over <see cref="TargetShardBytes"/>; shard i
/// goes to rank i mod the world size. Rank 0 also writes the small files (config.json, the index, the objective's
/// own parameters, trainer_state.json).
/// </summary>
public static class CheckpointParts
{
    /// <summary>Every file of the checkpoint of <paramref name="snapshot"/> written by a world of <paramref name="worldSize"/>.</summary>
    public static IReadOnlyList<CheckpointPart> Of(TrainingSnapshot snapshot, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(worldSize);
        snapshot.WaitCopied();
        var parts = new List<CheckpointPart>
        {
            new(CheckpointLayout.Config, 0, s => s.Write(snapshot.ModelConfig)),
            new(CheckpointLayout.TrainerState, 0, s => WriteState(s, snapshot)),
        };
        if (snapshot.Objective.Count > 0)
            parts.Add(new(CheckpointLayout.Objective, 0, s => Safetensors(snapshot.Objective, hf: false).WriteTo(s)));
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        var modelShards = Split(snapshot.Model, ShardCount(snapshot.Model, worldSize));
        for (var i = 0; i < modelShards.Count; i++)
        {
            var (file, shard) = (CheckpointLayout.ShardName(CheckpointLayout.ModelShardPrefix, i, modelShards.Count), modelShards[i]);
            foreach (var t in shard) weightMap[t.Name] = file;
            parts.Add(new(file, i % worldSize, s => Safetensors(shard, hf: true).WriteTo(s)));
        }
        var totalSize = snapshot.Model.Sum(t => (long)t.Bytes.Length);
        parts.Add(new(CheckpointLayout.ModelIndex, 0, s => SafetensorsWriter.WriteIndex(s, weightMap, totalSize)));
        var optimizerShards = Split(snapshot.Optimizer, ShardCount(snapshot.Optimizer, worldSize));
        for (var i = 0; i < optimizerShards.Count; i++)
        {
            var shard = optimizerShards[i];
            parts.Add(new(CheckpointLayout.ShardName(CheckpointLayout.OptimizerShardPrefix, i, optimizerShards.Count), i % worldSize,
                s => Safetensors(shard, hf: false).WriteTo(s)));
        }
        return parts;
    }

    /// <summary>
    /// Writes rank <paramref name="rank"/>'s files of checkpoint <paramref name="name"/> (each atomically and only if
    /// absent, hashed while it is written) and returns their manifest entries in part order. Nothing is committed: the
    /// manifest is written once every rank's files are in (<see cref="CheckpointManifest.TryCommitAsync"/>).
    /// The files are written concurrently, at most <see cref="MaxParallelParts"/> at a time, and each file's SHA-256
    /// is computed beside its write rather than in its path: one thread cannot hash and write a multi-gigabyte shard
    /// at the disk's speed.
    /// </summary>
    /// With <paramref name="replaceOwnParts"/>, the rank's files replace any already there: for a rank that writes its
    /// part again after a failed attempt of its own (files of other writers are still never replaced without it).
    public static async Task<IReadOnlyList<CheckpointEntry>> WriteAsync(ICheckpointStore store, string name, TrainingSnapshot snapshot, int worldSize, int rank,
        CancellationToken cancellationToken = default, bool replaceOwnParts = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        var parts = Of(snapshot, worldSize).Where(p => p.Rank == rank).ToList();
        var entries = new CheckpointEntry[parts.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxParallelParts, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, parts.Count), options,
            async (i, ct) => entries[i] = await WritePartAsync(store, name, parts[i], rank, replaceOwnParts, ct).ConfigureAwait(false)).ConfigureAwait(false);
        return entries;
    }

    /// <summary>
    /// The size a shard stays near. Files are the unit of parallel work: a rank writes (and hashes) several at a time,
    /// and a restore fetches and checks them in parallel, so a 5 GB file in one piece would take one thread's hashing
    /// speed (about 2 GB/s). Hugging Face's loaders take shards of any size.
    /// </summary>
    public const long TargetShardBytes = 1L << 30;

    private static int ShardCount(IReadOnlyList<HostTensor> tensors, int worldSize) => ShardCount(tensors.Sum(t => (long)t.Bytes.Length), worldSize);

    /// <summary>How many shards <paramref name="totalBytes"/> are cut into: a multiple of the world size, so every rank writes the same share.</summary>
    internal static int ShardCount(long totalBytes, int worldSize)
    {
        var perRank = (totalBytes + (worldSize * TargetShardBytes) - 1) / (worldSize * TargetShardBytes);
        return worldSize * (int)Math.Max(1, perRank);
    }

    /// <summary>How many files one rank writes at a time (each on two threads: its write and its hash).</summary>
    public static int MaxParallelParts { get; } = Math.Clamp(Environment.ProcessorCount / 4, 2, 8);

    private static async Task<CheckpointEntry> WritePartAsync(ICheckpointStore store, string name, CheckpointPart part, int rank, bool replace,
        CancellationToken cancellationToken)
    {
        // A part's bytes are a pure function of the snapshot, which nothing changes while it is written (it holds its
        // buffers), so hashing a second rendering of them beside the write gives the written file's SHA-256.
        var hash = Task.Run(() =>
        {
            using var hashing = new CountingStream(Stream.Null, hash: true);
            part.Write(hashing);
            return (hashing.Written, Sha256: hashing.Sha256());
        }, cancellationToken);
        long written = -1;
        Task Render(Stream stream, CancellationToken ct)
        {
            using var counting = new CountingStream(stream);
            part.Write(counting);
            written = counting.Written;
            return Task.CompletedTask;
        }
        async Task<bool> Write()
        {
            if (!replace) return await store.TryCreateAsync(name, part.File, Render, cancellationToken).ConfigureAwait(false);
            await store.WriteAsync(name, part.File, Render, cancellationToken).ConfigureAwait(false);
            return true;
        }
        var write = Write();
        await Task.WhenAll(write, hash).ConfigureAwait(false);
        // Never over another writer's file: it may belong to a committed checkpoint.
        if (!write.Result)
            throw new JobException(
                $"{store.Describe(name)}/{part.File} already exists: another writer wrote this checkpoint (a second job activation, an abandoned " +
                $"attempt's writer, or another run on the same location); rank {rank}'s part is not written and this attempt cannot commit");
        var (bytes, sha256) = hash.Result;
        if (bytes != written)
            throw new InvalidOperationException($"{store.Describe(name)}/{part.File}: {written} bytes written but {bytes} hashed: the snapshot changed while it was written");
        return new CheckpointEntry(part.File, bytes, sha256, rank);
    }

    /// <summary>
    /// Cuts the tensors, in order, into at most <paramref name="count"/> contiguous groups of about equal bytes: a
    /// tensor goes to the group its middle byte falls in. Empty groups (a tensor larger than a share) are dropped.
    /// </summary>
    internal static List<List<HostTensor>> Split(IReadOnlyList<HostTensor> tensors, int count)
    {
        var total = tensors.Sum(t => (long)t.Bytes.Length);
        var groups = Enumerable.Range(0, count).Select(_ => new List<HostTensor>()).ToList();
        long before = 0;
        foreach (var t in tensors)
        {
            var middle = before + (t.Bytes.Length / 2);
            var group = total == 0 ? 0 : (int)Math.Min(count - 1, (decimal)middle * count / total);
            groups[group].Add(t);
            before += t.Bytes.Length;
        }
        groups.RemoveAll(g => g.Count == 0);
        return groups;
    }

    private static SafetensorsWriter Safetensors(IReadOnlyList<HostTensor> tensors, bool hf)
    {
        var writer = new SafetensorsWriter();
        if (hf) writer.Metadata["format"] = "pt";
        foreach (var t in tensors) t.AddTo(writer);
        return writer;
    }

    private static void WriteState(Stream stream, TrainingSnapshot snapshot)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("format_version", CheckpointLayout.FormatVersion);
        json.WriteNumber("step", snapshot.Step);
        json.WriteString("model_type", snapshot.ModelType);
        json.WritePropertyName("cursor");
        json.WriteRawValue(snapshot.Cursor.ToJson());
        json.WritePropertyName("job");
        json.WriteRawValue(snapshot.Job.ToJson());
        json.WriteEndObject();
    }
}
