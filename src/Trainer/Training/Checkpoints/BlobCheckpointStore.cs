using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// Checkpoints in an Azure Blob container under a name prefix: checkpoint C's file F is the blob PREFIX/C/F. A file
/// is uploaded as staged blocks and becomes visible only when its block list is committed at the end, so a writer
/// that dies mid-upload leaves no blob at all (Azure drops uncommitted blocks). The manifest is created with
/// If-None-Match: *, which fails rather than replace an existing one. Downloads for reading go to a local folder
/// that <see cref="ReleaseAsync"/> and <see cref="Dispose"/> clear.
/// </summary>
public sealed class BlobCheckpointStore : ICheckpointStore, IDisposable
{
    /// <summary>Bytes per staged block: big enough for throughput, small enough to hold a few per writer in memory.</summary>
    public const int DefaultBlockBytes = 8 << 20;

    private readonly string _prefix;
    private readonly int _blockBytes;
    private readonly string _cache = Path.Combine(Path.GetTempPath(), $"distributed-checkpoint-{Guid.NewGuid():N}");
    private volatile bool _containerChecked;

    public BlobCheckpointStore(BlobContainerClient container, string prefix = "", int blockBytes = DefaultBlockBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockBytes);
        Container = container;
        _prefix = prefix.Trim('/').Length == 0 ? "" : prefix.Trim('/') + "/";
        _blockBytes = blockBytes;
    }

    public BlobContainerClient Container { get; }

    public string Location => $"{CheckpointStores.BlobScheme}{Container.Name}/{_prefix.TrimEnd('/')}".TrimEnd('/');

    public string Describe(string checkpoint) => $"{Location}/{checkpoint}";

    public async Task WriteAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var blob = Container.GetBlockBlobClient(Key(checkpoint, file));
        await using var upload = new BlockUploadStream(blob, _blockBytes, cancellationToken);
        await write(upload, cancellationToken).ConfigureAwait(false);
        await upload.CommitAsync(conditions: null).ConfigureAwait(false);
    }

    public async Task<bool> TryCreateAsync(string checkpoint, string file, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var blob = Container.GetBlockBlobClient(Key(checkpoint, file));
        await using var upload = new BlockUploadStream(blob, _blockBytes, cancellationToken);
        await write(upload, cancellationToken).ConfigureAwait(false);
        try
        {
            // If-None-Match: * on the block-list commit: the service refuses it when the blob exists.
            await upload.CommitAsync(new BlobRequestConditions { IfNoneMatch = ETag.All }).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    public async Task<string> FetchAsync(string checkpoint, string file, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(_cache, checkpoint, file);
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".download";
        try
        {
            await Container.GetBlobClient(Key(checkpoint, file)).DownloadToAsync(temp, cancellationToken).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new FileNotFoundException($"{Describe(checkpoint)}/{file}: missing", file, e);
        }
        finally
        {
            File.Delete(temp);
        }
        return path;
    }

    public Task ReleaseAsync(string checkpoint, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(_cache, checkpoint);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        return Task.CompletedTask;
    }

    public async Task<bool> ExistsAsync(string checkpoint, string file, CancellationToken cancellationToken = default) =>
        (await Container.GetBlobClient(Key(checkpoint, file)).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;

    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        if (!await Container.ExistsAsync(cancellationToken).ConfigureAwait(false)) return names;
        await foreach (var item in Container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", _prefix, cancellationToken).ConfigureAwait(false))
        {
            if (item.IsPrefix) names.Add(item.Prefix[_prefix.Length..].TrimEnd('/'));
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public async Task DeleteAsync(string checkpoint, CancellationToken cancellationToken = default)
    {
        if (!await Container.ExistsAsync(cancellationToken).ConfigureAwait(false)) return;
        var blobs = new List<string>();
        await foreach (var blob in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Key(checkpoint, ""), cancellationToken).ConfigureAwait(false))
            blobs.Add(blob.Name);
        foreach (var name in blobs)
            await Container.DeleteBlobIfExistsAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        await ReleaseAsync(checkpoint, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(_cache)) Directory.Delete(_cache, recursive: true);
        }
        catch (IOException)
        {
            // A download folder left in the temp folder is harmless.
        }
    }

    private string Key(string checkpoint, string file) => $"{_prefix}{checkpoint}/{file}";

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerChecked) return;
        await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _containerChecked = true;
    }
}
