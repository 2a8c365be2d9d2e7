using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Distributed.Trainer.Data;

/// <summary>
/// An <see cref="IShardStore"/> over an Azure Blob container, under an optional name prefix. A write goes to a
/// local temporary file first and is then uploaded; the upload commits as one blob, so readers see the old
/// object or the whole new one, never part of it.
/// </summary>
public sealed class BlobShardStore(BlobContainerClient container, string prefix = "") : IShardStore
{
    private readonly string _prefix = prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";

    public BlobContainerClient Container { get; } = container;

    public async Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Container.GetBlobClient(_prefix + name).OpenReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new FileNotFoundException($"blob '{_prefix + name}' is not in container '{Container.Name}' ({Container.Uri})", _prefix + name, e);
        }
    }

    public async Task WriteAtomicAsync(string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"dst-shard-{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                await write(stream, cancellationToken).ConfigureAwait(false);
            await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await Container.GetBlobClient(_prefix + name).UploadAsync(temp, overwrite: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix = "", CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        if (!await Container.ExistsAsync(cancellationToken).ConfigureAwait(false)) return names;
        await foreach (var blob in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, _prefix + prefix, cancellationToken).ConfigureAwait(false))
            names.Add(blob.Name[_prefix.Length..]);
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
