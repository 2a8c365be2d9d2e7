namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// Where checkpoints live: named checkpoints, each a set of named files. Kept small so a storage service is a thin
/// adapter: <see cref="LocalCheckpointStore"/> (a local folder) and <see cref="BlobCheckpointStore"/> (Azure Blob
/// storage) have the same semantics; <see cref="CheckpointStores.Open"/> picks one from a location.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>The store's root as a user would type it.</summary>
    string Location { get; }

    /// <summary>A checkpoint's location as a user would pass it to `train --resume`.</summary>
    string Describe(string checkpoint);

    /// <summary>Writes (or replaces) one file of a checkpoint so that readers see all of it or nothing, even if the writer dies.</summary>
    Task WriteAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates one file of a checkpoint only if it does not exist (the manifest's commit): true when this call created
    /// it, false when it was already there, in which case it is left as it was. Of concurrent writers exactly one wins.
    /// </summary>
    Task<bool> TryCreateAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default);

    /// <summary>A local path holding the file's bytes (the file itself, or a downloaded copy), for memory-mapped reads.</summary>
    Task<string> FetchAsync(string checkpoint, string file, CancellationToken cancellationToken = default);

    /// <summary>Drops the local copies <see cref="FetchAsync"/> made of a checkpoint's files (a local store makes none).</summary>
    Task ReleaseAsync(string checkpoint, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string checkpoint, string file, CancellationToken cancellationToken = default);

    /// <summary>The checkpoints present, committed or not, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes a checkpoint with all its files (nothing when it is not there).</summary>
    Task DeleteAsync(string checkpoint, CancellationToken cancellationToken = default);
}
