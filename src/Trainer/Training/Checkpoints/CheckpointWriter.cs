using Microsoft.Extensions.Logging;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// Writes snapshots as checkpoints of a single-process run (a world of one, <see cref="CheckpointParts"/>): each into
/// a new checkpoint (step-N; a leftover of that name from a crash is removed first), every file written atomically
/// and checksummed on its way out, the manifest last (<see cref="CheckpointManifest"/>). Then
/// retention: committed checkpoints beyond the newest keep_checkpoints are deleted, and so are uncommitted ones
/// older than the newest commit (left by a crash; this writer is their only author).
/// </summary>
public sealed partial class CheckpointWriter(ICheckpointStore store, int keep, ILogger<CheckpointWriter> log)
{
    public ICheckpointStore Store => store;

    /// <summary>
    /// Writes the snapshot and returns where it is (what `train --resume` takes). It takes the snapshot over: once
    /// its files are written (or the write failed) the snapshot is disposed, giving the session its buffers back.
    /// </summary>
    public async Task<string> WriteAsync(TrainingSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        try
        {
            return await WriteFilesAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            snapshot.Dispose();
        }
    }

    private async Task<string> WriteFilesAsync(TrainingSnapshot snapshot, CancellationToken cancellationToken)
    {
        var name = CheckpointLayout.NameOf(snapshot.Step);
        if ((await store.ListAsync(cancellationToken).ConfigureAwait(false)).Contains(name))
            await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        // One process is a world of one: the same files as a cluster's checkpoint, all written by rank 0.
        var files = await CheckpointParts.WriteAsync(store, name, snapshot, worldSize: 1, rank: 0, cancellationToken).ConfigureAwait(false);
        snapshot.Dispose(); // its bytes are on storage: the session may take the next snapshot while this one commits
        // The commit point: only now is the checkpoint loadable.
        var manifest = new CheckpointManifest(snapshot.Step, 1, files);
        var location = store.Describe(name);
        if (!await manifest.TryCommitAsync(store, name, cancellationToken).ConfigureAwait(false))
            throw new JobException($"checkpoint {location} was committed by another writer while this run wrote it: two runs write to one output folder; give each its own --output");
        LogCommitted(snapshot.Step, location, manifest.Bytes);
        await ApplyRetentionAsync(snapshot.Step, cancellationToken).ConfigureAwait(false);
        return location;
    }

    private async Task ApplyRetentionAsync(long committedStep, CancellationToken cancellationToken)
    {
        var committed = new List<(string Name, long Step)>();
        foreach (var name in await store.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (CheckpointLayout.StepOf(name) is not { } step) continue;
            if (await store.ExistsAsync(name, CheckpointLayout.CommitMarker, cancellationToken).ConfigureAwait(false)) committed.Add((name, step));
            else if (step < committedStep)
            {
                LogDeleted(name, "never committed");
                await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (var (name, _) in committed.OrderByDescending(c => c.Step).Skip(keep))
        {
            LogDeleted(name, $"keep_checkpoints is {keep}");
            await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Checkpoint of step {Step} committed: {Location} ({Bytes:N0} bytes)")]
    private partial void LogCommitted(long step, string location, long bytes);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Deleted checkpoint {Checkpoint} ({Reason})")]
    private partial void LogDeleted(string checkpoint, string reason);
}
