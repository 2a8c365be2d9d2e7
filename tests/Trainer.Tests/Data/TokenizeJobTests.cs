using System.IO.Compression;
using System.Text;
using Distributed.Trainer.Data;
using Distributed.Trainer.Tests.Tokenizers;

namespace Distributed.Trainer.Tests.Data;

public class TokenizeJobTests
{
    private static readonly string[] CorpusSample = [.. RealTextCorpus.ReadDocuments().Take(400)];

    [Fact]
    public async Task RealCorpusBecomesShardsWhoseDocumentsAreTheTokenizedTexts()
    {
        using var dir = new TempDirectory();
        var input = dir.File("corpus.jsonl.gz");
        await WriteJsonlAsync(input, CorpusSample.Select(t => Json("text", t)), gzip: true);
        var tokenizer = NodeReference.Gpt2FromVocabAndMerges;
        var reports = new List<TokenizeProgress>();
        var store = new LocalDirectoryShardStore(dir.File("out"));

        var manifest = await TokenizeJob.RunAsync(
            new TokenizeOptions { Inputs = [input], Tokenizer = tokenizer, TokenizerName = "gpt2", Output = store, ShardTokens = 5_000, BatchDocuments = 64 },
            new SyncProgress(reports.Add));

        Assert.Equal(2, manifest.TokenWidth);
        Assert.True(manifest.Shards.Count > 3, $"expected several shards, got {manifest.Shards.Count}");
        Assert.Equal(CorpusSample.Length, manifest.DocumentCount);
        var dataset = await TokenizedDataset.OpenAsync(store);
        for (var d = 0; d < CorpusSample.Length; d++)
        {
            Assert.Equal([.. tokenizer.Encode(CorpusSample[d]), tokenizer.EosId!.Value], dataset.GetTokens(d));
        }
        Assert.Equal(manifest.TokenCount, reports[^1].Tokens);
        Assert.Equal(1, reports[^1].FilesDone);
        Assert.Equal(manifest.Shards.Count, reports[^1].Shards);
        Assert.Equal(
            [.. manifest.Shards.Select(s => s.Name).Append(DatasetManifest.DefaultName).Order(StringComparer.Ordinal)],
            await store.ListAsync());
    }

    [Fact]
    public async Task RealCorpusWritesOneJsonlLinePerFortune()
    {
        using var dir = new TempDirectory();
        var path = dir.File("fortunes.jsonl");
        var count = await RealTextCorpus.WriteJsonlAsync(path);
        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(RealTextCorpus.ReadDocuments().Count(), count);
        Assert.Equal(count, lines.Length);
        Assert.True(count > 10_000, $"expected the whole fortunes corpus, got {count} documents");
        Assert.Equal(CorpusSample[0], System.Text.Json.JsonDocument.Parse(lines[0]).RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task SameInputsGiveTheSameDatasetId()
    {
        using var dir = new TempDirectory();
        var input = dir.File("a.jsonl");
        await WriteJsonlAsync(input, CorpusSample.Take(50).Select(t => Json("body", t)), gzip: false);
        var ids = new List<string>();
        foreach (var run in new[] { "x", "y" })
        {
            var options = new TokenizeOptions
            {
                Inputs = [dir.Path],
                Tokenizer = NodeReference.Gpt2FromVocabAndMerges,
                TokenizerName = "gpt2",
                TextField = "body",
                Output = new LocalDirectoryShardStore(dir.File(run)),
                ShardTokens = 2_000,
                MaxDegreeOfParallelism = run == "x" ? 1 : 2,
            };
            ids.Add((await TokenizeJob.RunAsync(options)).Id);
        }
        Assert.Equal(ids[0], ids[1]);
    }

    [Fact]
    public async Task LargeVocabulariesUseUInt32Tokens()
    {
        using var dir = new TempDirectory();
        var input = dir.File("a.jsonl");
        await WriteJsonlAsync(input, CorpusSample.Take(20).Select(t => Json("text", t)), gzip: false);
        var tokenizer = NodeReference.Cl100kBase;
        var store = new LocalDirectoryShardStore(dir.File("out"));
        var manifest = await TokenizeJob.RunAsync(new TokenizeOptions { Inputs = [input], Tokenizer = tokenizer, TokenizerName = "cl100k", Output = store });
        Assert.Equal(4, manifest.TokenWidth);
        var dataset = await TokenizedDataset.OpenAsync(store);
        Assert.Equal([.. tokenizer.Encode(CorpusSample[3]), 100257], dataset.GetTokens(3));
    }

    public static TheoryData<string, BadInputKind, long> BadLines() => new()
    {
        { "{\"text\": \"unterminated", BadInputKind.MalformedJson, 2 },
        { "[1, 2]", BadInputKind.MalformedJson, 2 },
        { "{\"text\": \"ok\"} trailing", BadInputKind.MalformedJson, 2 },
        { "{\"meta\": {\"text\": \"nested\"}, \"text\": [\"a\"]}", BadInputKind.MissingTextField, 2 },
        { "{\"title\": \"no text\"}", BadInputKind.MissingTextField, 2 },
        { "{\"text\": 42}", BadInputKind.MissingTextField, 2 },
        { "{\"text\": \"   \"}", BadInputKind.EmptyDocument, 2 },
        { "{\"text\": \"bad \xFF byte\"}", BadInputKind.InvalidUtf8, 2 },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public async Task BadLinesFailNamingFileAndLineOrAreSkippedAndCounted(string badLine, BadInputKind kind, long line)
    {
        using var dir = new TempDirectory();
        var input = dir.File("bad.jsonl");
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes(Json("text", "good one") + "\n"));
        // One byte per character (the bad lines are ASCII), so "\xFF" stays a lone invalid UTF-8 byte.
        bytes.AddRange(badLine.Select(c => (byte)c));
        bytes.AddRange(Encoding.UTF8.GetBytes("\n" + Json("text", "good two") + "\n"));
        await File.WriteAllBytesAsync(input, [.. bytes]);

        var options = new TokenizeOptions
        {
            Inputs = [input],
            Tokenizer = NodeReference.Gpt2FromVocabAndMerges,
            TokenizerName = "gpt2",
            Output = new LocalDirectoryShardStore(dir.File("out")),
        };
        var e = await Assert.ThrowsAsync<DataFormatException>(() => TokenizeJob.RunAsync(options));
        Assert.Equal((input, line, kind), (e.File, e.Line, e.Kind));
        Assert.Contains($"{input}:{line}:", e.Message, StringComparison.Ordinal);

        var manifest = await TokenizeJob.RunAsync(options with { OnBadInput = BadInputPolicy.Skip });
        Assert.Equal(2, manifest.DocumentCount);
        Assert.Equal(new Dictionary<BadInputKind, long> { [kind] = 1 }, manifest.Skipped);
        Assert.Equal(manifest.Skipped, (await DatasetManifest.LoadAsync(options.Output)).Skipped);
    }

    [Fact]
    public async Task TruncatedGzipFailsOrSkipsTheRestOfTheFile()
    {
        using var dir = new TempDirectory();
        var full = dir.File("full.jsonl.gz");
        await WriteJsonlAsync(full, CorpusSample.Select(t => Json("text", t)), gzip: true);
        var truncated = dir.File("truncated.jsonl.gz");
        var bytes = await File.ReadAllBytesAsync(full);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
        var options = new TokenizeOptions
        {
            Inputs = [truncated],
            Tokenizer = NodeReference.Gpt2FromVocabAndMerges,
            TokenizerName = "gpt2",
            Output = new LocalDirectoryShardStore(dir.File("out")),
        };

        var e = await Assert.ThrowsAsync<DataFormatException>(() => TokenizeJob.RunAsync(options));
        Assert.Equal(truncated, e.File);
        Assert.Equal(BadInputKind.TruncatedFile, e.Kind);

        var manifest = await TokenizeJob.RunAsync(options with { OnBadInput = BadInputPolicy.Skip });
        Assert.InRange(manifest.DocumentCount, 1, CorpusSample.Length - 1);
        Assert.Equal(1, manifest.Skipped.Values.Sum());
    }

    [Fact]
    public async Task CorruptOrTruncatedShardIsNeverReadSilently()
    {
        using var dir = new TempDirectory();
        var dataset = await TestDatasets.CreateAsync(dir.Path, [10, 20, 30, 40]);
        var shard = dataset.Manifest.Shards[1];
        var path = Path.Combine(dir.Path, shard.Name);
        var original = await File.ReadAllBytesAsync(path);
        var store = new LocalDirectoryShardStore(dir.Path);

        var flipped = (byte[])original.Clone();
        flipped[^3] ^= 0x01;
        await File.WriteAllBytesAsync(path, flipped);
        var e = await Assert.ThrowsAsync<CorruptShardException>(() => TokenizedDataset.OpenAsync(store));
        Assert.Equal(shard.Name, e.Shard);
        Assert.Contains("SHA-256", e.Message, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(path, original[..^8]);
        e = await Assert.ThrowsAsync<CorruptShardException>(() => TokenizedDataset.OpenAsync(store));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(path, [.. original, 0, 0]);
        e = await Assert.ThrowsAsync<CorruptShardException>(() => TokenizedDataset.OpenAsync(store));
        Assert.Contains("longer", e.Message, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(path, original);
        var reopened = await TokenizedDataset.OpenAsync(store);
        Assert.Equal(4, reopened.DocumentCount);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => TestDatasets.Token(1, i)), reopened.GetTokens(1));
    }

    [Fact]
    public async Task StoreFailuresAreNotMistakenForBadInput()
    {
        using var dir = new TempDirectory();
        var input = dir.File("a.jsonl");
        await WriteJsonlAsync(input, CorpusSample.Take(100).Select(t => Json("text", t)), gzip: false);
        var options = new TokenizeOptions
        {
            Inputs = [input],
            Tokenizer = NodeReference.Gpt2FromVocabAndMerges,
            TokenizerName = "gpt2",
            Output = new FullDiskStore(),
            ShardTokens = 500,
            BatchDocuments = 8,
            OnBadInput = BadInputPolicy.Skip,
        };
        var e = await Assert.ThrowsAsync<IOException>(() => TokenizeJob.RunAsync(options));
        Assert.Equal("disk full", e.Message);
    }

    [Fact]
    public async Task CancelledJobWritesNoManifest()
    {
        using var dir = new TempDirectory();
        var input = dir.File("a.jsonl");
        await WriteJsonlAsync(input, CorpusSample.Select(t => Json("text", t)), gzip: false);
        var store = new LocalDirectoryShardStore(dir.File("out"));
        using var cts = new CancellationTokenSource();
        var options = new TokenizeOptions
        {
            Inputs = [input],
            Tokenizer = NodeReference.Gpt2FromVocabAndMerges,
            TokenizerName = "gpt2",
            Output = store,
            ShardTokens = 1_000,
            BatchDocuments = 16,
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TokenizeJob.RunAsync(
            options, new SyncProgress(p => { if (p.Shards == 2) { cts.Cancel(); } }), cts.Token));

        var names = await store.ListAsync();
        Assert.DoesNotContain(DatasetManifest.DefaultName, names);
        Assert.InRange(names.Count, 2, 3);
    }

    [Fact]
    public async Task FailedAtomicWriteLeavesNeitherObjectNorTempFile()
    {
        using var dir = new TempDirectory();
        var store = new LocalDirectoryShardStore(dir.Path);
        await store.WriteAtomicAsync("a/obj", (s, ct) => s.WriteAsync("old"u8.ToArray(), ct).AsTask());
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAtomicAsync("a/obj", async (s, ct) =>
        {
            await s.WriteAsync("partial"u8.ToArray(), ct);
            throw new InvalidOperationException("writer died");
        }));
        Assert.Equal(["a/obj"], await store.ListAsync());
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "a"), "*.tmp"));
        var stream = await store.OpenReadAsync("a/obj");
        await using (stream)
        {
            Assert.Equal("old", await new StreamReader(stream).ReadToEndAsync());
        }
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync("../escape"));
    }

    private static string Json(string field, string text) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { [field] = text });

    private static async Task WriteJsonlAsync(string path, IEnumerable<string> lines, bool gzip)
    {
        await using var file = File.Create(path);
        await using var stream = gzip ? new GZipStream(file, CompressionLevel.Fastest) : (Stream)file;
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        foreach (var line in lines)
        {
            await writer.WriteLineAsync(line);
        }
    }

    /// <summary>Fails the first write only, so a swallowed failure would let the job finish.</summary>
    private sealed class FullDiskStore : IShardStore
    {
        private int _writes;

        public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default) => throw new FileNotFoundException(name);

        public Task WriteAtomicAsync(string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _writes) == 1 ? throw new IOException("disk full") : write(Stream.Null, cancellationToken);

        public Task<IReadOnlyList<string>> ListAsync(string prefix = "", CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<string>>([]);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need every report before the job returns.</summary>
    private sealed class SyncProgress(Action<TokenizeProgress> report) : IProgress<TokenizeProgress>
    {
        public void Report(TokenizeProgress value) => report(value);
    }
}
