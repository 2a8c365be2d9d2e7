using System.Globalization;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// The files of a checkpoint. The model is a Hugging Face directory (config.json + model.safetensors), so HF tools
/// load a checkpoint as it is; the objective's own parameters, the optimizer's moments and the trainer state sit
/// beside it. <see cref="CommitMarker"/> is written last and lists every other file with its size and SHA-256: a
/// checkpoint without it was not completely written and is never loaded.
/// </summary>
public static class CheckpointLayout
{
    public const string Config = "config.json";
    public const string Model = "model.safetensors";
    public const string Objective = "objective.safetensors";
    public const string Optimizer = "optimizer.safetensors";
    public const string TrainerState = "trainer_state.json";
    public const string CommitMarker = "COMMITTED";

    /// <summary>A run keeps its checkpoints under its output directory in this folder.</summary>
    public const string Folder = "checkpoints";

    public const int FormatVersion = 1;

    private const string Prefix = "step-";

    public static string NameOf(long step) => Prefix + step.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>The step of a checkpoint name, or null for other names.</summary>
    public static long? StepOf(string name) =>
        name.StartsWith(Prefix, StringComparison.Ordinal) && long.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step)
            ? step
            : null;
}
