using System.Security.Cryptography;
using System.Text.Json;
using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Data;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// Finds and loads committed checkpoints. Only a checkpoint with its commit marker loads, and only when every file
/// the marker lists has the size and SHA-256 it records; anything else is refused with a message that names it and
/// the last committed checkpoint beside it.
/// </summary>
public static class CheckpointReader
{
    /// <summary>
    /// What `train --resume PATH` means: PATH is a checkpoint (step-N), or a run's output folder or its checkpoints
    /// folder, whose newest committed checkpoint is taken.
    /// </summary>
    public static async Task<(ICheckpointStore Store, string Name)> ResolveAsync(string path, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
            throw new JobException($"--resume {path}: no such folder; give a checkpoint (a run's {CheckpointLayout.Folder}/step-N) or a run's output folder");
        if (LooksLikeCheckpoint(full))
        {
            var parent = new LocalCheckpointStore(Path.GetDirectoryName(full)!);
            var name = Path.GetFileName(full);
            if (!File.Exists(Path.Combine(full, CheckpointLayout.CommitMarker)))
            {
                var last = await LastCommittedAsync(parent, cancellationToken).ConfigureAwait(false);
                throw new JobException(
                    $"{full} is not a committed checkpoint: it has no {CheckpointLayout.CommitMarker} marker, so it was not completely written " +
                    "(the run stopped while saving it) and is never loaded; " +
                    (last is null ? "there is no committed checkpoint beside it" : $"the last committed checkpoint is {parent.Describe(last)}: resume with --resume {parent.Describe(last)}"));
            }
            return (parent, name);
        }
        var folder = Directory.Exists(Path.Combine(full, CheckpointLayout.Folder)) ? Path.Combine(full, CheckpointLayout.Folder) : full;
        var store = new LocalCheckpointStore(folder);
        var newest = await LastCommittedAsync(store, cancellationToken).ConfigureAwait(false)
            ?? throw new JobException($"--resume {path}: no committed checkpoint in {folder} (checkpoints are step-N folders with a {CheckpointLayout.CommitMarker} marker)");
        return (store, newest);
    }

    /// <summary>The newest checkpoint of the store that has its commit marker, or null.</summary>
    public static async Task<string?> LastCommittedAsync(ICheckpointStore store, CancellationToken cancellationToken = default)
    {
        string? best = null;
        long bestStep = -1;
        foreach (var name in await store.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (CheckpointLayout.StepOf(name) is { } step && step > bestStep
                && await store.ExistsAsync(name, CheckpointLayout.CommitMarker, cancellationToken).ConfigureAwait(false))
            {
                (best, bestStep) = (name, step);
            }
        }
        return best;
    }

    /// <summary>Loads a committed checkpoint into host memory, checking each file against the marker.</summary>
    public static async Task<TrainingSnapshot> LoadAsync(ICheckpointStore store, string name, CancellationToken cancellationToken = default)
    {
        var where = store.Describe(name);
        if (!await store.ExistsAsync(name, CheckpointLayout.CommitMarker, cancellationToken).ConfigureAwait(false))
            throw new JobException($"{where} is not a committed checkpoint (no {CheckpointLayout.CommitMarker} marker): it is never loaded");
        using var marker = JsonDocument.Parse(await File.ReadAllBytesAsync(await store.FetchAsync(name, CheckpointLayout.CommitMarker, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false));
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in marker.RootElement.GetProperty("files").EnumerateObject())
        {
            var path = await store.FetchAsync(name, file.Name, cancellationToken).ConfigureAwait(false);
            var bytes = file.Value.GetProperty("bytes").GetInt64();
            var length = new FileInfo(path).Length;
            if (length != bytes)
                throw new JobException($"checkpoint {where} is damaged: {file.Name} is {length} bytes, its commit marker says {bytes}; resume from another checkpoint");
            await using (var stream = File.OpenRead(path))
            {
                var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
                if (sha != file.Value.GetProperty("sha256").GetString())
                    throw new JobException($"checkpoint {where} is damaged: {file.Name} does not have the SHA-256 its commit marker records; resume from another checkpoint");
            }
            paths[file.Name] = path;
        }
        string PathOf(string file) => paths.TryGetValue(file, out var p) ? p : throw new JobException($"checkpoint {where}: its commit marker lists no {file}");
        using var state = JsonDocument.Parse(await File.ReadAllBytesAsync(PathOf(CheckpointLayout.TrainerState), cancellationToken).ConfigureAwait(false));
        var root = state.RootElement;
        var version = root.GetProperty("format_version").GetInt32();
        if (version != CheckpointLayout.FormatVersion)
            throw new JobException($"checkpoint {where} has format version {version}; this build reads version {CheckpointLayout.FormatVersion}");
        var job = JobFile.Parse(root.GetProperty("job").GetRawText(), $"{where}/{CheckpointLayout.TrainerState}");
        var cursor = DataCursor.FromJson(root.GetProperty("cursor").GetRawText());
        List<HostTensor> Read(string file)
        {
            if (!paths.ContainsKey(file)) return [];
            using var source = SafetensorsFile.Open(PathOf(file));
            return HostTensor.ReadAll(source);
        }
        return new TrainingSnapshot(job, root.GetProperty("step").GetInt64(), cursor, root.GetProperty("model_type").GetString()!,
            await File.ReadAllBytesAsync(PathOf(CheckpointLayout.Config), cancellationToken).ConfigureAwait(false),
            Read(CheckpointLayout.Model), Read(CheckpointLayout.Objective), Read(CheckpointLayout.Optimizer));
    }

    /// <summary>A folder that holds checkpoint files or is named like one (step-N) is a checkpoint, committed or not.</summary>
    private static bool LooksLikeCheckpoint(string folder) =>
        CheckpointLayout.StepOf(System.IO.Path.GetFileName(folder)) is not null
        || File.Exists(System.IO.Path.Combine(folder, CheckpointLayout.TrainerState))
        || File.Exists(System.IO.Path.Combine(folder, CheckpointLayout.CommitMarker));
}
