using System.Text;
using Distributed.Trainer.Data;
using Distributed.Trainer.Objectives.AutoCompressor;
using Distributed.Trainer.Objectives.Icae;
using Distributed.Trainer.Tests.Tokenizers;

namespace Distributed.Trainer.Tests.Data;

public class SamplerTests
{
    private static readonly int[] Lengths = [100, 5000, 40_000, 700, 800, 900, 30_720, 2048, 2047];

    [Theory]
    [InlineData(LongDocumentMode.Split, false, new[] { 5000, 30_720, 9280, 30_720, 2048, 2047 })]
    [InlineData(LongDocumentMode.Truncate, false, new[] { 5000, 30_720, 30_720, 2048, 2047 })]
    [InlineData(LongDocumentMode.Split, true, new[] { 5000, 30_720, 9280, 30_720, 2048, 2047, 2500 })]
    public async Task AutoCompressorCatalogFollowsLengthTruncationAndPackingRules(LongDocumentMode mode, bool pack, int[] expectedLengths)
    {
        using var dir = new TempDirectory();
        var dataset = await TestDatasets.CreateAsync(dir.Path, Lengths);
        var options = new AutoCompressorOptions { MinTokens = 1000, LongDocuments = mode, PackShortDocuments = pack };
        var sampler = new AutoCompressorSampler(dataset, options, seed: 5);

        var samples = Enumerable.Range(0, (int)sampler.Count).Select(i => sampler.Get(i, epoch: 0)).ToList();

        Assert.Equal(expectedLengths, samples.Select(s => s.Tokens.Length));
        foreach (var s in samples)
        {
            var expected = s.Spans.SelectMany(span => Enumerable.Range(span.Start, span.Length).Select(i => TestDatasets.Token(span.Document, i)));
            Assert.Equal(expected, s.Tokens);
        }
        if (pack)
        {
            Assert.Equal([0L, 3L, 4L, 5L], samples[^1].Spans.Select(s => s.Document));
        }
    }

    [Fact]
    public async Task AutoCompressorSegmentsAreSeededAndFitTheRange()
    {
        using var dir = new TempDirectory();
        var dataset = await TestDatasets.CreateAsync(dir.Path, Lengths);
        var options = new AutoCompressorOptions { MinTokens = 1000, SegmentMinTokens = 1024, SegmentMaxTokens = 2048 };
        var sampler = new AutoCompressorSampler(dataset, options, seed: 5);

        for (var i = 0; i < sampler.Count; i++)
        {
            var s = sampler.Get(i, epoch: 2);
            Assert.Equal(s.Tokens.Length, s.SegmentLengths.Sum());
            Assert.All(s.SegmentLengths[..^1], n => Assert.InRange(n, 1024, 2048));
            Assert.InRange(s.SegmentLengths[^1], 1, 2048);
            Assert.Equal(s.SegmentLengths, new AutoCompressorSampler(dataset, options, seed: 5).Get(i, epoch: 2).SegmentLengths);
        }
        var longest = sampler.Get(1, epoch: 0).SegmentLengths;
        Assert.NotEqual(longest, sampler.Get(1, epoch: 1).SegmentLengths);
        Assert.True(longest.Distinct().Count() > 3, "segment lengths should vary within a document");
    }

    [Fact]
    public async Task AutoCompressorSubstepsAreWholeAndEachIsCutIntoSegmentsInRange()
    {
        using var dir = new TempDirectory();
        var dataset = await TestDatasets.CreateAsync(dir.Path, [5000, 40_000, 700, (6144 * 2) + 10]);
        var options = new AutoCompressorOptions { MinTokens = 1000, SubstepTokens = 6144, SegmentsPerSubstep = 4 };
        var sampler = new AutoCompressorSampler(dataset, options, seed: 11);

        var samples = Enumerable.Range(0, (int)sampler.Count).Select(i => sampler.Get(i, epoch: 0)).ToList();

        Assert.Equal([30_720, 6144, 12_288], samples.Select(s => s.Tokens.Length));
        Assert.Equal(Enumerable.Range(30_720, 6144).Select(i => TestDatasets.Token(1, i)), samples[1].Tokens);
        foreach (var s in samples)
        {
            Assert.Equal(s.Tokens.Length / 6144, s.Substeps.Length);
            Assert.All(s.Substeps, plan =>
            {
                Assert.Equal(4, plan.Length);
                Assert.Equal(6144, plan.Sum());
                Assert.All(plan, n => Assert.InRange(n, 1024, 2048));
            });
            Assert.Equal(s.Substeps.SelectMany(p => p), s.SegmentLengths);
        }
        Assert.True(samples[0].Substeps.Select(p => string.Join(',', p)).Distinct().Count() > 1, "substeps should draw their own segment lengths");
        Assert.Throws<ArgumentException>(() => new AutoCompressorSampler(dataset, options with { SegmentsPerSubstep = 2 }, seed: 11));
    }

    [Fact]
    public async Task IcaeExamplesHaveTheAutoencodingAndLanguageModelingLayouts()
    {
        using var dir = new TempDirectory();
        var dataset = await TestDatasets.CreateAsync(dir.Path, [600, 900, 50]);
        const int eos = 2;
        var options = new IcaeOptions { EosId = eos };

        var allAe = new IcaeSampler(dataset, options with { AutoencodingProbability = 1 }, seed: 1);
        Assert.Equal(3, allAe.Count);
        var first = allAe.Get(0, 0);
        Assert.Equal(IcaeTask.Autoencode, first.Task);
        Assert.Equal(Enumerable.Range(0, 512).Select(i => TestDatasets.Token(0, i)), first.Context);
        Assert.Empty(first.Prompt); // the model's learned [AE] embedding opens the decoder, not a token
        Assert.Equal([.. first.Context, eos], first.Target);

        var allLm = new IcaeSampler(dataset, options with { AutoencodingProbability = 0 }, seed: 1);
        var lm = allLm.Get(0, 0);
        Assert.Equal(IcaeTask.LanguageModel, lm.Task);
        Assert.Empty(lm.Prompt);
        Assert.Equal(Enumerable.Range(512, 88).Select(i => TestDatasets.Token(0, i)), lm.Target);
        var tail = allLm.Get(2, 0);
        Assert.Equal(IcaeTask.Autoencode, tail.Task);
        Assert.Equal(132, tail.Context.Length);

        var mixed = new IcaeSampler(dataset, options, seed: 1);
        var tasks = Enumerable.Range(0, 40).Select(e => mixed.Get(0, e).Task).ToHashSet();
        Assert.Equal(2, tasks.Count);
    }

    [Fact]
    public async Task IcaeInstructionTriplesAreTokenizedAndBadLinesNamed()
    {
        using var dir = new TempDirectory();
        var path = dir.File("sft.jsonl");
        await File.WriteAllTextAsync(path, string.Join('\n',
            "{\"context\": \"The cat sat on the mat.\", \"prompt\": \"Where did the cat sit?\", \"response\": \"On the mat.\"}",
            "{\"context\": \"No response here.\", \"prompt\": \"What now?\"}",
            "{\"context\": \"Paris is in France.\", \"prompt\": \"Where is Paris?\", \"response\": \"In France.\"}") + "\n", Encoding.UTF8);
        var tokenizer = NodeReference.Gpt2FromVocabAndMerges;
        var options = new IcaeOptions { EosId = tokenizer.EosId };

        var e = await Assert.ThrowsAsync<DataFormatException>(() => IcaeInstructionSet.LoadAsync(path, tokenizer, options, seed: 3));
        Assert.Equal((2L, BadInputKind.MissingTextField), (e.Line, e.Kind));

        var set = await IcaeInstructionSet.LoadAsync(path, tokenizer, options, seed: 3, BadInputPolicy.Skip);
        Assert.Equal(2, set.Count);
        Assert.Equal(1, set.Skipped[BadInputKind.MissingTextField]);
        var ex = set.Get(1, 0);
        Assert.Equal(IcaeTask.FineTune, ex.Task);
        Assert.Equal(tokenizer.Encode("Paris is in France."), ex.Context);
        Assert.Equal(tokenizer.Encode("Where is Paris?"), ex.Prompt);
        Assert.Equal([.. tokenizer.Encode("In France."), tokenizer.EosId!.Value], ex.Target);
    }

    [Fact]
    public async Task RanksOfAnyWorldSizeTogetherReadEachSampleOnce()
    {
        using var dir = new TempDirectory();
        var dataset = await TestDatasets.CreateAsync(dir.Path, [.. Enumerable.Range(0, 30).Select(i => 1000 + (i * 37))]);
        var sampler = new AutoCompressorSampler(dataset, new AutoCompressorOptions { MinTokens = 1000 }, seed: 9);
        var cursor = sampler.StartCursor();
        var seen = new List<long>();
        foreach (var worldSize in new[] { 4, 1, 3 })
        {
            for (var r = 0; r < worldSize; r++)
            {
                seen.AddRange(sampler.NextBatch(cursor, r, worldSize, batchPerRank: 2).Select(s => s.Index));
            }
            cursor = sampler.Advance(cursor, worldSize, batchPerRank: 2);
        }
        Assert.Equal(16, seen.Count);
        Assert.Equal(16, seen.Distinct().Count());
        Assert.Equal(new DataCursor(dataset.Manifest.Id, 9, 0, 16), cursor);
        var other = cursor with { DatasetId = "other" };
        Assert.Throws<InvalidOperationException>(() => sampler.NextBatch(other, 0, 1, 1));
    }
}
