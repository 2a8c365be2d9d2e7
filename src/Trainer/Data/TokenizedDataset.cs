namespace Distributed.Trainer.Data;

/// <summary>
/// A tokenized dataset opened from its manifest, with documents addressed by a global index (shards in manifest
/// order). Every shard is loaded and checked (size, SHA-256, layout) when the dataset is opened, so a corrupt
/// shard stops the job before training rather than in the middle of an epoch.
/// </summary>
public sealed class TokenizedDataset
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

    public static async Task<TokenizedDataset> OpenAsync(
        IShardStore store, string manifestName = DatasetManifest.DefaultName, CancellationToken cancellationToken = default)
    {
        var manifest = await DatasetManifest.LoadAsync(store, manifestName, cancellationToken).ConfigureAwait(false);
        // Shards load and hash in parallel; order is the manifest's.
        var shards = await Task.WhenAll(manifest.Shards.Select(s => TokenShard.LoadAsync(store, s, cancellationToken))).ConfigureAwait(false);
        return new TokenizedDataset(manifest, shards);
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
