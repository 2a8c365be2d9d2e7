using System.Collections.Concurrent;
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
        if (path.StartsWith(CheckpointStores.BlobScheme, StringComparison.Ordinal))
            return await ResolveBlobAsync(path.TrimEnd('/'), cancellationToken).ConfigureAwait(false);
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

    // blob://CONTAINER/PREFIX/step-N is that checkpoint (LoadAsync refuses it when uncommitted); blob://CONTAINER/PREFIX the newest committed one there.
    private static async Task<(ICheckpointStore Store, string Name)> ResolveBlobAsync(string location, CancellationToken cancellationToken)
    {
        var slash = location.LastIndexOf('/');
        var last = location[(slash + 1)..];
        if (slash > CheckpointStores.BlobScheme.Length && CheckpointLayout.StepOf(last) is not null)
            return (CheckpointStores.Open(location[..slash]), last);
        var store = CheckpointStores.Open(location);
        var newest = await LastCommittedAsync(store, cancellationToken).ConfigureAwait(false)
            ?? throw new JobException($"--resume {location}: no committed checkpoint there (checkpoints are step-N prefixes with a {CheckpointLayout.CommitMarker} manifest)");
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

    /// <summary>
    /// Loads a committed checkpoint into host memory, whatever world wrote it, checking each file against the
    /// manifest (size and SHA-256). An uncommitted checkpoint is refused, naming the last committed one.
    /// </summary>
    public static async Task<TrainingSnapshot> LoadAsync(ICheckpointStore store, string name, CancellationToken cancellationToken = default)
    {
        var where = store.Describe(name);
        var manifest = await CheckpointManifest.ReadAsync(store, name, cancellationToken).ConfigureAwait(false);
        if (manifest is null)
        {
            var exists = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Contains(name);
            var last = await LastCommittedAsync(store, cancellationToken).ConfigureAwait(false);
            throw new JobException(
                (exists
                    ? $"{where} is not a committed checkpoint (no {CheckpointLayout.CommitMarker} marker): it was not completely written (its writer stopped or died while saving it) and is never loaded; "
                    : $"{where}: no such checkpoint; ")
                + (last is null ? $"there is no committed checkpoint in {store.Location}" : $"the last committed checkpoint is {store.Describe(last)}"));
        }
        try
        {
            return await LoadAsync(store, name, manifest, where, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await store.ReleaseAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<TrainingSnapshot> LoadAsync(ICheckpointStore store, string name, CheckpointManifest manifest, string where, CancellationToken cancellationToken)
    {
        // Files are fetched and checked in parallel: a restore waits on it, and one thread hashes ~2 GB/s while a
        // model's checkpoint is gigabytes over several files (and a blob store's downloads are each latency-bound).
        var paths = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 2, 8), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(manifest.Files, parallel, async (file, ct) =>
        {
            string path;
            try
            {
                path = await store.FetchAsync(name, file.File, ct).ConfigureAwait(false);
            }
            catch (FileNotFoundException)
            {
                throw new JobException($"checkpoint {where} is damaged: {file.File}, which its manifest lists, is missing; resume from another checkpoint");
            }
            var length = new FileInfo(path).Length;
            if (length != file.Bytes)
                throw new JobException($"checkpoint {where} is damaged: {file.File} is {length} bytes, its commit marker says {file.Bytes}; resume from another checkpoint");
            await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
            {
                var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));
                if (sha != file.Sha256)
                    throw new JobException($"checkpoint {where} is damaged: {file.File} does not have the SHA-256 its commit marker records (sha mismatch); resume from another checkpoint");
            }
            paths[file.File] = path;
        }).ConfigureAwait(false);
        string PathOf(string file) => paths.TryGetValue(file, out var p) ? p : throw new JobException($"checkpoint {where}: its commit marker lists no {file}");
        using var state = JsonDocument.Parse(await File.ReadAllBytesAsync(PathOf(CheckpointLayout.TrainerState), cancellationToken).ConfigureAwait(false));
        var root = state.RootElement;
        var version = root.GetProperty("format_version").GetInt32();
        if (version is < CheckpointLayout.OldestReadableVersion or > CheckpointLayout.FormatVersion)
            throw new JobException($"checkpoint {where} has format version {version}; this build reads versions {CheckpointLayout.OldestReadableVersion} to {CheckpointLayout.FormatVersion}");
        var job = JobFile.Parse(root.GetProperty("job").GetRawText(), $"{where}/{CheckpointLayout.TrainerState}");
        var cursor = DataCursor.FromJson(root.GetProperty("cursor").GetRawText());
        // The tensor files are copied into memory in parallel too, each file's tensors in their order.
        IEnumerable<string> FilesOf(string single, string shardPrefix) =>
            (paths.ContainsKey(single) ? [single] : Enumerable.Empty<string>())
            .Concat(paths.Keys.Where(f => CheckpointLayout.IsShard(f, shardPrefix)).Order(StringComparer.Ordinal));
        var modelFiles = FilesOf(CheckpointLayout.Model, CheckpointLayout.ModelShardPrefix).ToList();
        var optimizerFiles = FilesOf(CheckpointLayout.Optimizer, CheckpointLayout.OptimizerShardPrefix).ToList();
        var objectiveFiles = paths.ContainsKey(CheckpointLayout.Objective) ? [CheckpointLayout.Objective] : new List<string>();
        var tensorFiles = modelFiles.Concat(objectiveFiles).Concat(optimizerFiles).ToList();
        var read = new List<HostTensor>[tensorFiles.Count];
        await Parallel.ForAsync(0, tensorFiles.Count, parallel, (i, _) =>
        {
            using var source = SafetensorsFile.Open(PathOf(tensorFiles[i]));
            read[i] = HostTensor.ReadAll(source);
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);
        List<HostTensor> Gather(List<string> files) => [.. files.SelectMany(f => read[tensorFiles.IndexOf(f)])];
        var model = Gather(modelFiles);
        if (paths.ContainsKey(CheckpointLayout.ModelIndex))
        {
            // The index is what other tools follow: it must name exactly the tensors of the listed shards.
            using var index = ShardedSafetensors.Open(PathOf(CheckpointLayout.ModelIndex));
            var unlisted = index.WeightMap.Values.Distinct().Where(f => !paths.ContainsKey(f)).ToList();
            if (unlisted.Count > 0 || !index.Names.Order(StringComparer.Ordinal).SequenceEqual(model.Select(t => t.Name).Order(StringComparer.Ordinal)))
                throw new JobException($"checkpoint {where} is damaged: {CheckpointLayout.ModelIndex} does not match the model shards its manifest lists; resume from another checkpoint");
        }
        return new TrainingSnapshot(job, root.GetProperty("step").GetInt64(), cursor, root.GetProperty("model_type").GetString()!,
            await File.ReadAllBytesAsync(PathOf(CheckpointLayout.Config), cancellationToken).ConfigureAwait(false),
            model, Gather(objectiveFiles), Gather(optimizerFiles));
    }

    /// <summary>A folder that holds checkpoint files or is named like one (step-N) is a checkpoint, committed or not.</summary>
    private static bool LooksLikeCheckpoint(string folder) =>
        CheckpointLayout.StepOf(System.IO.Path.GetFileName(folder)) is not null
        || File.Exists(System.IO.Path.Combine(folder, CheckpointLayout.TrainerState))
        || File.Exists(System.IO.Path.Combine(folder, CheckpointLayout.CommitMarker));
}
