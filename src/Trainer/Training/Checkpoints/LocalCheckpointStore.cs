using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Data;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// Checkpoints as sub-folders of a local folder. Each file is written to a temporary name, flushed and renamed; the
/// manifest is created by a hard link, which never replaces an existing one.
/// </summary>
public sealed class LocalCheckpointStore(string root) : ICheckpointStore
{
    public string Location { get; } = Path.GetFullPath(root);

    public string Describe(string checkpoint) => Path.Combine(Location, checkpoint);

    public Task WriteAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
        new LocalDirectoryShardStore(Describe(checkpoint)).WriteAtomicAsync(file, write, cancellationToken);

    public Task<bool> TryCreateAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
        AtomicFile.TryCreateAsync(Path.Combine(Describe(checkpoint), file), write, cancellationToken);

    public Task<string> FetchAsync(string checkpoint, string file, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Describe(checkpoint), file);
        return File.Exists(path) ? Task.FromResult(path) : Task.FromException<string>(new FileNotFoundException($"{path}: missing", path));
    }

    public Task ReleaseAsync(string checkpoint, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<bool> ExistsAsync(string checkpoint, string file, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(Path.Combine(Describe(checkpoint), file)));

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> names = Directory.Exists(Location)
            ? [.. Directory.EnumerateDirectories(Location).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)]
            : [];
        return Task.FromResult(names);
    }

    public Task DeleteAsync(string checkpoint, CancellationToken cancellationToken = default)
    {
        var dir = Describe(checkpoint);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        return Task.CompletedTask;
    }
}
