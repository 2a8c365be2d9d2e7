namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// Where checkpoints live: named checkpoints, each a set of named files. Kept small so a blob-storage
/// implementation is a thin adapter; <see cref="LocalCheckpointStore"/> is the local-directory one.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>The store's root as a user would type it.</summary>
    string Location { get; }

    /// <summary>A checkpoint's location as a user would pass it to `train --resume`.</summary>
    string Describe(string checkpoint);

    /// <summary>Writes one file of a checkpoint so that readers see all of it or nothing.</summary>
    Task WriteAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default);

    /// <summary>A local path holding the file's bytes (the file itself, or a downloaded copy), for memory-mapped reads.</summary>
    Task<string> FetchAsync(string checkpoint, string file, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string checkpoint, string file, CancellationToken cancellationToken = default);

    /// <summary>The checkpoints present, committed or not, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default);

    Task DeleteAsync(string checkpoint, CancellationToken cancellationToken = default);
}
