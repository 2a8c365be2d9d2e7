using System.Text.Json;
using Distributed.TestSupport;
using Distributed.Trainer.Data;
using Distributed.Trainer.Tests.Tokenizers;

namespace Distributed.Trainer.Tests.Data;

// The tokenize pipeline writing to and reading from blob storage (Azurite, started for the test).
public sealed class BlobShardStoreTests
{
    [Fact]
    public async Task Tokenized_shards_round_trip_through_blob_storage_via_the_local_cache_and_a_corrupted_one_is_refused()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var container = azurite.Container("datasets");
        var store = new BlobShardStore(container, "fortunes/v1");
        using var dir = new TempDirectory();
        var input = dir.File("docs.jsonl");
        var texts = RealTextCorpus.ReadDocuments().Take(120).ToArray();
        await File.WriteAllLinesAsync(input, texts.Select(t => JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = t })));
        var tokenizer = NodeReference.Gpt2FromVocabAndMerges;

        var manifest = await TokenizeJob.RunAsync(new TokenizeOptions
        {
            Inputs = [input],
            Tokenizer = tokenizer,
            TokenizerName = "gpt2",
            Output = store,
            ShardTokens = 2_000,
        });
        Assert.True(manifest.Shards.Count > 1);
        // Under the store's prefix in the container, and listed without it.
        Assert.Equal(
            [.. manifest.Shards.Select(s => s.Name).Append(DatasetManifest.DefaultName).Order(StringComparer.Ordinal)],
            await store.ListAsync());
        Assert.True(await container.GetBlobClient("fortunes/v1/" + DatasetManifest.DefaultName).ExistsAsync());
        // Shards are downloaded to the cache, verified on the way, and mapped from there.
        var cache = new ShardCache(Path.Combine(dir.Path, "cache"));
        using (var dataset = await TokenizedDataset.OpenAsync(store, cache))
        {
            for (var d = 0; d < texts.Length; d++)
                Assert.Equal([.. tokenizer.Encode(texts[d]), tokenizer.EosId!.Value], dataset.GetTokens(d));
        }
        Assert.All(manifest.Shards, s => Assert.True(cache.Contains(s), $"{s.Name} is not in the cache"));
        Assert.Equal(manifest.Shards.Count, Directory.GetFiles(cache.Directory).Length);

        // A shard overwritten behind the manifest's back is refused, never read.
        var shard = manifest.Shards[0].Name;
        await using (var original = await store.OpenReadAsync(shard))
        {
            var bytes = new MemoryStream();
            await original.CopyToAsync(bytes);
            var corrupted = bytes.ToArray();
            corrupted[^1] ^= 0x40;
            await store.WriteAtomicAsync(shard, (s, ct) => s.WriteAsync(corrupted, ct).AsTask());
        }
        // The cached copy is the one the manifest's hash vouches for: it is reused, and the bad blob is not read.
        using (var cached = await TokenizedDataset.OpenAsync(store, cache))
            Assert.Equal([.. tokenizer.Encode(texts[0]), tokenizer.EosId!.Value], cached.GetTokens(0));
        // A host without that copy downloads the blob, finds the mismatch and keeps nothing of it.
        var fresh = new ShardCache(Path.Combine(dir.Path, "fresh-cache"));
        var e = await Assert.ThrowsAsync<CorruptShardException>(() => TokenizedDataset.OpenAsync(store, fresh));
        Assert.Equal(shard, e.Shard);
        Assert.Contains("SHA-256", e.Message);
        Assert.False(fresh.Contains(manifest.Shards[0]));
        Assert.DoesNotContain(Directory.GetFiles(fresh.Directory), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync("nope.bin"));
        Assert.Contains("fortunes/v1/nope.bin", missing.Message);
    }

    [Fact]
    public void Locations_pick_the_store_and_say_what_is_missing()
    {
        using var dir = new TempDirectory();
        Assert.IsType<LocalDirectoryShardStore>(ShardStores.Open(dir.Path));
        var e = Assert.Throws<ArgumentException>(() => ShardStores.Open("blob:///prefix"));
        Assert.Contains("names no container", e.Message);
    }
}
