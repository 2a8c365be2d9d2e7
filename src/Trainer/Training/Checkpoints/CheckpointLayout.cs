using System.Globalization;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// The files of a checkpoint, one format for a single-process run and a cluster job of any world size. The model is
/// a Hugging Face sharded directory (config.json, model-0000i-of-0000K.safetensors, model.safetensors.index.json),
/// so HF tools load a checkpoint as it is; the optimizer's moments are sharded the same way
/// (optimizer-0000i-of-0000K.safetensors); the objective's own parameters and the trainer state sit beside them.
/// The shards are spread across the ranks that write them (<see cref="CheckpointParts"/>). <see cref="CommitMarker"/>
/// is the manifest: it lists every other file with its size, SHA-256 and writer rank, and is created last with a
/// write that never replaces one (the commit point): a checkpoint without it was not completely written and is
/// never loaded.
/// </summary>
public static class CheckpointLayout
{
    public const string Config = "config.json";

    /// <summary>The HF single-file model of format 1 checkpoints (still read).</summary>
    public const string Model = "model.safetensors";

    public const string ModelIndex = "model.safetensors.index.json";
    public const string ModelShardPrefix = "model";
    public const string Objective = "objective.safetensors";

    /// <summary>The single-file optimizer state of format 1 checkpoints (still read).</summary>
    public const string Optimizer = "optimizer.safetensors";

    public const string OptimizerShardPrefix = "optimizer";
    public const string TrainerState = "trainer_state.json";
    public const string CommitMarker = "COMMITTED";

    /// <summary>A run keeps its checkpoints under its output directory in this folder.</summary>
    public const string Folder = "checkpoints";

    /// <summary>2: sharded model and optimizer files written by several ranks, the manifest records each file's rank.</summary>
    public const int FormatVersion = 2;

    /// <summary>The oldest format this build reads (1: single model.safetensors and optimizer.safetensors).</summary>
    public const int OldestReadableVersion = 1;

    private const string Prefix = "step-";

    public static string NameOf(long step) => Prefix + step.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>The step of a checkpoint name, or null for other names.</summary>
    public static long? StepOf(string name) =>
        name.StartsWith(Prefix, StringComparison.Ordinal) && long.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step)
            ? step
            : null;

    /// <summary>The name of shard <paramref name="index"/> (0-based) of <paramref name="count"/>, as transformers names them.</summary>
    public static string ShardName(string prefix, int index, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}-{index + 1:D5}-of-{count:D5}.safetensors");

    /// <summary>Whether <paramref name="file"/> is a shard named by <see cref="ShardName"/> with this prefix.</summary>
    public static bool IsShard(string file, string prefix) =>
        file.StartsWith(prefix + "-", StringComparison.Ordinal) && file.EndsWith(".safetensors", StringComparison.Ordinal)
        && file.Length == prefix.Length + "-00001-of-00001.safetensors".Length && file.Contains("-of-", StringComparison.Ordinal);
}
