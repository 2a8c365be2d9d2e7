using Distributed.Trainer.Training.Checkpoints;

namespace Distributed.Grains.Checkpoints;

/// <summary>
/// Loads a job's committed checkpoint into host memory, whatever world wrote it (every rank restores the same
/// replica). An uncommitted checkpoint (no manifest: its writers died or were abandoned) is refused with a message
/// naming the last committed one; a file that does not match the manifest is refused as damaged.
/// </summary>
public static class CheckpointLoader
{
    /// <param name="location">The job's checkpoint location: a folder, or blob://CONTAINER/PREFIX.</param>
    /// <param name="name">The checkpoint (step-N), as <see cref="CheckpointInfo.Name"/> gives it.</param>
    public static async Task<TrainingSnapshot> LoadAsync(string location, string name, CancellationToken ct)
    {
        var store = CheckpointStores.Open(location);
        try
        {
            return await CheckpointReader.LoadAsync(store, name, ct).ConfigureAwait(false);
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    /// <summary>The newest committed checkpoint in storage at <paramref name="location"/> (the manifest decides, not any grain's state), or null.</summary>
    public static async Task<string?> LatestCommittedAsync(string location, CancellationToken ct)
    {
        var store = CheckpointStores.Open(location);
        try
        {
            return await CheckpointReader.LastCommittedAsync(store, ct).ConfigureAwait(false);
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }
}
