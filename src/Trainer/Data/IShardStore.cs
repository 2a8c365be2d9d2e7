namespace Distributed.Trainer.Data;

/// <summary>
/// Where shards and manifests live: a local directory now, blob storage later. Kept to three operations so a
/// blob implementation is a thin adapter. Names are relative, '/'-separated.
/// </summary>
public interface IShardStore
{
    /// <summary>Opens an existing object for reading; FileNotFoundException when it is not there.</summary>
    Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Writes an object so that readers see either nothing or all of it (temp + rename, or a blob commit).</summary>
    Task WriteAtomicAsync(string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default);

    /// <summary>Names of the objects that start with <paramref name="prefix"/>, sorted ordinally.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix = "", CancellationToken cancellationToken = default);
}
