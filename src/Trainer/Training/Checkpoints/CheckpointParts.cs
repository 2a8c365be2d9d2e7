using System.Text.Json;
using Distributed.Trainer.Checkpoint;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// Which rank writes which file of a checkpoint (<see cref="CheckpointLayout"/>), for a world of any size. Every rank
/// holds the same replica, so each computes the same split from its own snapshot without talking to the others:
/// the model's weights and the optimizer's moments are each cut, in parameter order, into at most one shard per
/// rank of about equal bytes (shard i goes to rank i); rank 0 also writes the small files (config.json, the index,
/// the objective's own parameters, trainer_state.json).
/// </summary>
public static class CheckpointParts
{
    /// <summary>Every file of the checkpoint of <paramref name="snapshot"/> written by a world of <paramref name="worldSize"/>.</summary>
    public static IReadOnlyList<CheckpointPart> Of(TrainingSnapshot snapshot, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(worldSize);
        var parts = new List<CheckpointPart>
        {
            new(CheckpointLayout.Config, 0, s => s.Write(snapshot.ModelConfig)),
            new(CheckpointLayout.TrainerState, 0, s => WriteState(s, snapshot)),
        };
        if (snapshot.Objective.Count > 0)
            parts.Add(new(CheckpointLayout.Objective, 0, s => Safetensors(snapshot.Objective, hf: false).WriteTo(s)));
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        var modelShards = Split(snapshot.Model, worldSize);
        for (var i = 0; i < modelShards.Count; i++)
        {
            var (file, shard) = (CheckpointLayout.ShardName(CheckpointLayout.ModelShardPrefix, i, modelShards.Count), modelShards[i]);
            foreach (var t in shard) weightMap[t.Name] = file;
            parts.Add(new(file, i % worldSize, s => Safetensors(shard, hf: true).WriteTo(s)));
        }
        var totalSize = snapshot.Model.Sum(t => (long)t.Bytes.Length);
        parts.Add(new(CheckpointLayout.ModelIndex, 0, s => SafetensorsWriter.WriteIndex(s, weightMap, totalSize)));
        var optimizerShards = Split(snapshot.Optimizer, worldSize);
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
    /// absent, hashed on its way out) and returns their manifest entries. Nothing is committed: the manifest is written once every
    /// rank's files are in (<see cref="CheckpointManifest.TryCommitAsync"/>).
    /// </summary>
    public static async Task<IReadOnlyList<CheckpointEntry>> WriteAsync(ICheckpointStore store, string name, TrainingSnapshot snapshot, int worldSize, int rank,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        var entries = new List<CheckpointEntry>();
        foreach (var part in Of(snapshot, worldSize).Where(p => p.Rank == rank))
        {
            CheckpointEntry? entry = null;
            var created = await store.TryCreateAsync(name, part.File, (stream, ct) =>
            {
                using var hashing = new CountingStream(stream, hash: true);
                part.Write(hashing);
                entry = new CheckpointEntry(part.File, hashing.Written, hashing.Sha256(), rank);
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            // Never over another writer's file: it may belong to a committed checkpoint.
            if (!created)
                throw new JobException(
                    $"{store.Describe(name)}/{part.File} already exists: another writer wrote this checkpoint (a second job activation, an abandoned " +
                    $"attempt's writer, or another run on the same location); rank {rank}'s part is not written and this attempt cannot commit");
            entries.Add(entry!);
        }
        return entries;
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
