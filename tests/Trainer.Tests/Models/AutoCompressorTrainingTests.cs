using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Models;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;
using Xunit.Abstractions;

namespace Distributed.Trainer.Tests.Models;

// A tiny AutoCompressor on real English text (Debian's licence texts, as bytes; see EnglishText) learns to
// use its summaries: after short training, late segments are predicted better with the summaries of the
// earlier segments than alone.
public sealed class AutoCompressorTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void Late_segments_have_lower_loss_with_summaries_than_without_after_short_training()
    {
        var text = EnglishText.Bytes;
        const int segment = 32, segments = 4, document = segment * segments;
        using var g = new Generator(1);
        var config = new LlamaConfig
        {
            VocabSize = 256,
            HiddenSize = 64,
            IntermediateSize = 128,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            MaxPositionEmbeddings = 256,
            InitializerRange = 0.05,
            TieWordEmbeddings = true,
        };
        using var llama = new Llama(config, g);
        using var ac = new AutoCompressor(llama, new AutoCompressorConfig(Kappa: 4, SegmentsPerSubstep: 2, SummaryPositions.Consecutive, EosTokenId: 10));
        const int steps = 250;
        using var trainer = new AutoCompressorTrainer(ac, Device.Cpu, DType.Float32, new LrSchedule(3e-3, 20, steps, 3e-4));
        var rng = new Random(3);
        var trainEnd = text.Length * 9 / 10;
        long[,] Batch(int start0, Func<int> next)
        {
            var ids = new long[8, document];
            for (var b = 0; b < 8; b++)
            {
                var start = b == 0 && start0 >= 0 ? start0 : next();
                for (var t = 0; t < document; t++) ids[b, t] = text[start + t];
            }
            return ids;
        }
        int[][] plan = [[segment, segment], [segment, segment]];
        for (var step = 0; step < steps; step++)
            trainer.Step([(Batch(-1, () => rng.Next(0, trainEnd - document)), plan)]);
        var heldOut = Enumerable.Range(0, 6).Select(i => Batch(-1, () => rng.Next(trainEnd, text.Length - document))).ToList();
        var eval = trainer.Evaluate(heldOut, [segment, segment, segment, segment]);
        foreach (var e in eval)
            output.WriteLine($"segment {e.Segment}: with summaries {e.LossWithSummaries / e.Tokens:F3}, without {e.LossWithout / e.Tokens:F3}");
        // The first segment has nothing to summarise: both conditions see the same tokens.
        Assert.Equal(eval[0].LossWithout / eval[0].Tokens, eval[0].LossWithSummaries / eval[0].Tokens, 4);
        var late = eval.Skip(1).ToList();
        var with = late.Sum(e => e.LossWithSummaries) / late.Sum(e => e.Tokens);
        var without = late.Sum(e => e.LossWithout) / late.Sum(e => e.Tokens);
        Assert.True(with < without - 0.02, $"late segments: {with:F3} with summaries vs {without:F3} without");
    }
}
