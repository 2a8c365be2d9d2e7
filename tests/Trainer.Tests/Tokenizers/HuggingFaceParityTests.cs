using System.Text.Json;
using System.Text.Json.Nodes;
using Distributed.Trainer.Data;
using Distributed.Trainer.Tokenizers;

namespace Distributed.Trainer.Tests.Tokenizers;

/// <summary>
/// Our tokenizer.json reader against Hugging Face's own implementation (npm `tokenizers` 0.23.2, the Rust library),
/// both loading the same file: identical ids on every document of the English corpus (Debian's fortunes) and on
/// the multilingual samples, with and without the post-processor's special tokens.
/// </summary>
public class HuggingFaceParityTests
{
    private static readonly Lazy<string[]> Texts = new(() => [.. RealTextCorpus.ReadDocuments(), .. SampleTexts.All]);

    [Theory]
    [InlineData("gpt2", false)]
    [InlineData("gpt2", true)]
    [InlineData("llama", false)]
    [InlineData("llama", true)]
    public void ConvertedTokenizerJsonGivesHuggingFacesIds(string name, bool addSpecialTokens)
    {
        var path = Path.Combine(NodeReference.ConvertedDir, name, "tokenizer.json");
        AssertSameIds(path, TokenizerLoader.FromHuggingFaceJson(path), Texts.Value, addSpecialTokens);
    }

    [Fact]
    public void SplitThenByteLevelLayoutGivesHuggingFacesIds()
    {
        // The Llama-3 layout: a Split pre-tokenizer with the regex, then ByteLevel without its own.
        using var dir = new Data.TempDirectory();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(NodeReference.ConvertedDir, "gpt2", "tokenizer.json")))!;
        json["pre_tokenizer"] = JsonNode.Parse(JsonSerializer.Serialize(new
        {
            type = "Sequence",
            pretokenizers = new object[]
            {
                new { type = "Split", pattern = new { Regex = PreTokenizer.Gpt2Pattern }, behavior = "Isolated", invert = false },
                new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = false },
            },
        }));
        var path = dir.File("tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        AssertSameIds(path, TokenizerLoader.FromHuggingFaceJson(path), Texts.Value, addSpecialTokens: true);
    }

    [Fact]
    public void SentencePieceMergesAcrossWordsGiveHuggingFacesIds()
    {
        // A vocabulary with "a▁": merges cross the start of a word, so the text is merged whole, not per word.
        using var dir = new Data.TempDirectory();
        var path = dir.File("tokenizer.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            version = "1.0",
            truncation = (object?)null,
            padding = (object?)null,
            added_tokens = new[] { new { id = 0, content = "<unk>", single_word = false, lstrip = false, rstrip = false, normalized = false, special = true } },
            normalizer = new { type = "Sequence", normalizers = new object[] { new { type = "Prepend", prepend = "\u2581" }, new { type = "Replace", pattern = new { String = " " }, content = "\u2581" } } },
            pre_tokenizer = (object?)null,
            post_processor = (object?)null,
            decoder = (object?)null,
            model = new
            {
                type = "BPE",
                byte_fallback = false,
                fuse_unk = true,
                unk_token = "<unk>",
                vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["\u2581"] = 1, ["a"] = 2, ["a\u2581"] = 3, ["\u2581a"] = 4, ["b"] = 5, ["\u2581b"] = 6 },
                merges = new[] { "a \u2581", "\u2581 a", "\u2581 b" },
            },
        }));
        string[] texts = ["a a", "aé", "a  a b", " a", "ba a", "ab\u00e9a a a"];
        AssertSameIds(path, TokenizerLoader.FromHuggingFaceJson(path), texts, addSpecialTokens: true);
    }

    private static void AssertSameIds(string tokenizerJson, BpeTokenizer ours, IReadOnlyList<string> texts, bool addSpecialTokens)
    {
        var expected = NodeReference.EncodeWithHuggingFace(tokenizerJson, texts, addSpecialTokens);
        Assert.Equal(texts.Count, expected.Length);
        var differing = 0;
        string? first = null;
        for (var i = 0; i < texts.Count; i++)
        {
            var actual = ours.Encode(texts[i], addSpecialTokens);
            if (expected[i].AsSpan().SequenceEqual(actual)) continue;
            differing++;
            first ??= $"text {i} \"{texts[i]}\":\n expected [{string.Join(',', expected[i])}]\n actual   [{string.Join(',', actual)}]";
        }
        Assert.True(differing == 0, $"{differing} of {texts.Count} texts differ from Hugging Face's tokenizers; the first: {first}");
    }
}
