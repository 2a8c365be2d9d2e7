using Distributed.Trainer.Data;

namespace Distributed.Trainer.Tests.Data;

/// <summary>Datasets written through the real shard format, with document d holding tokens d*1000 + i.</summary>
internal static class TestDatasets
{
    public static int Token(long document, int i) => (int)((document * 1000) + i) % 60_000;

    public static async Task<TokenizedDataset> CreateAsync(string directory, IReadOnlyList<int> documentLengths, int documentsPerShard = 3)
    {
        var store = new LocalDirectoryShardStore(directory);
        var shards = new List<ShardInfo>();
        for (var first = 0; first < documentLengths.Count; first += documentsPerShard)
        {
            var builder = new ShardBuilder(tokenWidth: 2);
            for (var d = first; d < Math.Min(first + documentsPerShard, documentLengths.Count); d++)
            {
                builder.Add(Enumerable.Range(0, documentLengths[d]).Select(i => Token(d, i)).ToArray());
            }
            shards.Add(await builder.WriteAsync(store, $"shards/{shards.Count}.bin", CancellationToken.None));
        }
        var manifest = new DatasetManifest { Name = "test", Tokenizer = "synthetic", VocabularySize = 60_000, TokenWidth = 2, Shards = shards };
        var json = manifest.ToJsonBytes();
        await store.WriteAtomicAsync(DatasetManifest.DefaultName, (s, ct) => s.WriteAsync(json, ct).AsTask());
        return await TokenizedDataset.OpenAsync(store);
    }
}
