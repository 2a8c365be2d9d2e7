namespace Distributed.Trainer.Data;

/// <summary>
/// A tokenized dataset opened from its manifest, with documents addressed by a global index (shards in manifest
/// order). Shards are memory-mapped, not loaded: a local directory's files in place, a remote store's (blob
/// storage) from a <see cref="ShardCache"/> they are downloaded to. Every shard's SHA-256 is checked once,
/// streaming, before the dataset is returned, so a corrupt shard stops the job before training rather than in
/// the middle of an epoch: a local file is hashed when it is opened (one sequential read), a remote one while it
/// is downloaded (a cached copy was hashed then, and is named by that hash). Dispose unmaps the shards.
/// </summary>
public sealed class TokenizedDataset : IDisposable
{
    private readonly TokenShard[] _shards;
    private readonly long[] _firstDocument;

    private TokenizedDataset(DatasetManifest manifest, TokenShard[] shards)
    {
        Manifest = manifest;
        _shards = shards;
        _firstDocument = new long[shards.Length + 1];
        for (var i = 0; i < shards.Length; i++)
        {
            _firstDocument[i + 1] = _firstDocument[i] + shards[i].DocumentCount;
        }
    }

    public DatasetManifest Manifest { get; }

    public long DocumentCount => _firstDocument[^1];

    /// <summary>Opens the dataset; shards of a remote store go through the default <see cref="ShardCache"/>.</summary>
    public static Task<TokenizedDataset> OpenAsync(
        IShardStore store, string manifestName = DatasetManifest.DefaultName, CancellationToken cancellationToken = default) =>
        OpenAsync(store, null, manifestName, cancellationToken);

    /// <summary>Opens the dataset; <paramref name="cache"/> (null: <see cref="ShardCache.DefaultDirectory"/>) holds a remote store's shards.</summary>
    public static async Task<TokenizedDataset> OpenAsync(
        IShardStore store, ShardCache? cache, string manifestName = DatasetManifest.DefaultName, CancellationToken cancellationToken = default)
    {
        var manifest = await DatasetManifest.LoadAsync(store, manifestName, cancellationToken).ConfigureAwait(false);
        var shards = new TokenShard?[manifest.Shards.Count];
        var local = store as LocalDirectoryShardStore;
        if (local is null) cache ??= new ShardCache(ShardCache.DefaultDirectory);
        try
        {
            // A few shards at a time: hashing is CPU-bound and downloads are bandwidth-bound, so more buys nothing.
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Min(4, Environment.ProcessorCount), CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, shards.Length), parallel, async (i, ct) =>
            {
                var info = manifest.Shards[i];
                if (local is not null)
                {
                    shards[i] = await OpenLocalAsync(local.LocalPath(info.Name), info, ct).ConfigureAwait(false);
                }
                else
                {
                    var path = await cache!.GetAsync(store, info, ct).ConfigureAwait(false);
                    shards[i] = await TokenShard.OpenAsync(path, info, verifyChecksum: false, ct).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        }
        catch
        {
            foreach (var shard in shards) shard?.Dispose();
            throw;
        }
        return new TokenizedDataset(manifest, shards!);
    }

    public int DocumentLength(long document)
    {
        var (shard, local) = Locate(document);
        return _shards[shard].DocumentLength(local);
    }

    public void CopyTokens(long document, int start, Span<int> destination)
    {
        var (shard, local) = Locate(document);
        _shards[shard].CopyTokens(local, start, destination);
    }

    public int[] GetTokens(long document) => GetTokens(document, 0, DocumentLength(document));

    public int[] GetTokens(long document, int start, int length)
    {
        var tokens = new int[length];
        CopyTokens(document, start, tokens);
        return tokens;
    }

    public void Dispose()
    {
        foreach (var shard in _shards) shard.Dispose();
    }

    private static async Task<TokenShard> OpenLocalAsync(string path, ShardInfo info, CancellationToken cancellationToken)
    {
        try
        {
            return await TokenShard.OpenAsync(path, info, verifyChecksum: true, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"shard {info.Name} of the manifest is missing: {path} does not exist; re-run the tokenize job for this dataset or restore the shard", path, e);
        }
    }

    private (int Shard, int Local) Locate(long document)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(document);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(document, DocumentCount);
        var i = Array.BinarySearch(_firstDocument, document);
        var shard = i >= 0 ? i : ~i - 1;
        // Empty shards share their first index with the next one; take the last shard starting there.
        while (shard + 1 < _shards.Length && _firstDocument[shard + 1] == document)
        {
            shard++;
        }
        return (shard, (int)(document - _firstDocument[shard]));
    }
}
