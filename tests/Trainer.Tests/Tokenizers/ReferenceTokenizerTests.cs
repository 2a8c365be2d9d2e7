using Distributed.Trainer.Tokenizers;

namespace Distributed.Trainer.Tests.Tokenizers;

/// <summary>Token-for-token equality with the npm reference tokenizers, and lossless round trips.</summary>
public class ReferenceTokenizerTests
{
    public static TheoryData<string> Texts() => [.. SampleTexts.All.Concat([RealEnglish()])];

    [Fact]
    public void Gpt2FromTokenizerJsonMatchesGpt3Encoder() =>
        AssertSameIds("gpt-3-encoder", NodeReference.Gpt2FromTokenizerJson, addSpecialTokens: false);

    [Fact]
    public void Gpt2FromVocabAndMergesMatchesGpt3Encoder() =>
        AssertSameIds("gpt-3-encoder", NodeReference.Gpt2FromVocabAndMerges, addSpecialTokens: false);

    [Fact]
    public void Gpt2MatchesJsTiktokenGpt2() =>
        AssertSameIds("js-tiktoken-gpt2", NodeReference.Gpt2FromVocabAndMerges, addSpecialTokens: false);

    [Fact]
    public void Llama2MatchesLlamaTokenizerJs() =>
        AssertSameIds("llama-tokenizer-js", NodeReference.Llama2, addSpecialTokens: true);

    [Fact]
    public void Cl100kMatchesJsTiktoken() =>
        AssertSameIds("js-tiktoken-cl100k", NodeReference.Cl100kBase, addSpecialTokens: false);

    [Theory]
    [MemberData(nameof(Texts))]
    public void DecodeOfEncodeIsTheText(string text)
    {
        foreach (var tokenizer in new[] { NodeReference.Gpt2FromTokenizerJson, NodeReference.Llama2, NodeReference.Cl100kBase })
        {
            var ids = tokenizer.Encode(text, addSpecialTokens: true);
            Assert.Equal(text, tokenizer.Decode(ids, skipSpecialTokens: true));
        }
    }

    [Fact]
    public void Llama2AddsBosAndUsesByteFallbackForUnknownCharacters()
    {
        var llama = NodeReference.Llama2;
        var ids = llama.Encode("🦙", addSpecialTokens: true);
        Assert.Equal(1, ids[0]);
        Assert.Equal(llama.BosId, ids[0]);
        // U+1F999 is not a Llama-2 token: its four UTF-8 bytes come out as <0xF0> <0x9F> <0xA6> <0x99> (ids 3 + byte).
        Assert.Equal([0xF0 + 3, 0x9F + 3, 0xA6 + 3, 0x99 + 3], ids[^4..]);
    }

    [Fact]
    public void SpecialTokensInTextAreMatchedAndCanBeSkippedOnDecode()
    {
        var gpt2 = NodeReference.Gpt2FromVocabAndMerges;
        var ids = gpt2.Encode("one<|endoftext|>two");
        Assert.Equal(gpt2.Encode("one").Concat([50256]).Concat(gpt2.Encode("two")), ids);
        Assert.Equal("onetwo", gpt2.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("one<|endoftext|>two", gpt2.Decode(ids));
    }

    [Fact]
    public void MissingReferencePackageFailsWithTheSetupHint()
    {
        var e = Assert.ThrowsAny<Exception>(() => NodeReference.PackageDir("no-such-reference-tokenizer"));
        Assert.Contains("run infra/setup.sh", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeBatchEqualsOneByOne()
    {
        var texts = Enumerable.Range(0, 200).Select(i => SampleTexts.All[i % SampleTexts.All.Length] + i).ToArray();
        var batch = NodeReference.Cl100kBase.EncodeBatch(texts, maxDegreeOfParallelism: 4);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(NodeReference.Cl100kBase.Encode(texts[i]), batch[i]);
        }
    }

    private static void AssertSameIds(string reference, BpeTokenizer tokenizer, bool addSpecialTokens)
    {
        var texts = SampleTexts.All.Append(RealEnglish()).ToArray();
        var expected = NodeReference.Encode(reference, texts);
        Assert.Equal(texts.Length, expected.Length);
        for (var i = 0; i < texts.Length; i++)
        {
            var actual = tokenizer.Encode(texts[i], addSpecialTokens);
            Assert.True(
                expected[i].SequenceEqual(actual),
                $"{reference} differs on text {i} \"{texts[i]}\":\n expected [{string.Join(',', expected[i])}]\n actual   [{string.Join(',', actual)}]");
        }
    }

    private static string RealEnglish()
    {
        var files = Trainer.Data.RealTextCorpus.Locate();
        var text = File.ReadAllText(files[0]);
        return text[..Math.Min(text.Length, 20_000)];
    }
}
