using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Objectives.AutoCompressor;
using Distributed.Trainer.Tests.Torch;
using Distributed.Trainer.Torch;
using F = Distributed.Trainer.Torch.Functional;

namespace Distributed.Trainer.Tests.Models;

public sealed class AutoCompressorTests
{
    private const int Kappa = 3;

    private static (AutoCompressorModel Ac, FlatParameters Flat, CausalLm Lm) Build(bool llama, int seed = 5)
    {
        using var g = new Generator(seed);
        CausalLm lm;
        if (llama)
        {
            lm = new Llama(new LlamaConfig
            {
                VocabSize = 40,
                HiddenSize = 16,
                IntermediateSize = 24,
                NumHiddenLayers = 2,
                NumAttentionHeads = 4,
                NumKeyValueHeads = 2,
                MaxPositionEmbeddings = 64,
                InitializerRange = 0.2,
            }, g);
        }
        else
        {
            lm = new Opt(new OptConfig
            {
                VocabSize = 40,
                HiddenSize = 16,
                NumHiddenLayers = 2,
                NumAttentionHeads = 2,
                FfnDim = 24,
                MaxPositionEmbeddings = 32,
                WordEmbedProjDim = 12,
                Dropout = 0,
                InitStd = 0.2,
            }, g);
        }
        var options = new AutoCompressorConfig(Kappa, Positions: llama ? SummaryPositions.Consecutive : SummaryPositions.Padding);
        var ac = new AutoCompressorModel(lm, options);
        return (ac, FlatParameters.Build(ac, Device.Cpu, DType.Float64), lm);
    }

    private static Tensor Ids(int batch, int length, int seed) => Tensor.RandInt(0, 40, [batch, length], new Generator(seed));

    private static double[] Grads(FlatParameters flat) => flat.TrainableBuckets.SelectMany(b => b.Grad!.ToDoubleArray()).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gradients_equal_a_naive_single_graph_implementation_of_the_recipe(bool llama)
    {
        int[][] plan = [[5, 7], [6, 6], [4, 8]];
        var (ac, flat, _) = Build(llama);
        var (naive, naiveFlat, naiveLm) = Build(llama);
        using var scope = TensorScope.Begin();
        var ids = Ids(2, 36, 9);
        var loss = ac.TrainDocument(ids, plan).Item();

        // The recipe written out once more: one graph over the whole document, inputs and positions built
        // by hand, the accumulator cut from the graph at each substep boundary, one backward at the end.
        var acc = Tensor.Zeros([2, 0, naiveLm.HiddenSize], DType.Float64);
        Tensor total = Tensor.Zeros([], DType.Float64);
        var start = 0;
        long predicted = 0;
        foreach (var substep in plan)
        {
            acc = acc.Detach();
            foreach (var len in substep)
            {
                var seg = ids.Narrow(1, start, len);
                var summary = naive.Summary.Data.Unsqueeze(0).Expand(2, Kappa, naiveLm.HiddenSize);
                var x = Tensor.Cat([acc, naiveLm.EmbedTokens(seg), summary], 1);
                var n = (int)acc.Size(1);
                long[] pos = llama
                    ? Enumerable.Range(0, n + len + Kappa).Select(i => (long)i).ToArray()
                    : [.. Enumerable.Repeat(-1L, n), .. Enumerable.Range(0, len).Select(i => (long)i), .. Enumerable.Repeat(-1L, Kappa)];
                var positions = Tensor.FromArray(pos).Unsqueeze(0).Expand(2, pos.Length);
                var h = naiveLm.Hidden(x, positions);
                var logits = naiveLm.Logits(h.Narrow(1, n, len - 1));
                total = total + F.CrossEntropy(logits.Reshape(-1, 40), seg.Narrow(1, 1, len - 1).Reshape(-1), reduction: Reduction.Sum);
                predicted += 2 * (len - 1);
                acc = Tensor.Cat([acc, h.Narrow(1, h.Size(1) - Kappa, Kappa)], 1);
                start += len;
            }
        }
        (total / predicted).Backward();
        Assert.Equal((total / predicted).Item(), loss, 12);
        Ref.Close(Grads(naiveFlat), Tensor.FromArray(Grads(flat)), 1e-10, "gradients");
        Assert.Contains(ac.Summary.Grad()!.ToDoubleArray(), v => v != 0);
        foreach (var d in new IDisposable[] { flat, naiveFlat, ac, naive }) d.Dispose();
    }

    [Fact]
    public void No_gradient_crosses_a_substep_boundary_and_segments_inside_one_share_it()
    {
        var (ac, flat, lm) = Build(llama: false);
        using var scope = TensorScope.Begin();
        var ids = Ids(1, 16, 3);
        List<Tensor> Run(Tensor docIds, int[][] plan)
        {
            var leaves = new List<Tensor>();
            flat.ZeroGrad();
            ac.TrainDocument(docIds, plan, embed: x =>
            {
                var leaf = lm.EmbedTokens(x).Detach().RequiresGrad_();
                // Kept past the segment's scope so the test can read its gradient afterwards.
                TensorScope.Untrack(leaf);
                leaves.Add(leaf);
                return leaf;
            });
            return leaves;
        }
        // Two substeps of two segments vs the first substep alone: segments 1 and 2 get the same gradient
        // (up to the token-mean scale: 12 predicted tokens vs 6), so the second substep sends them nothing.
        var twoSubsteps = Run(ids, [[4, 4], [4, 4]]);
        var firstOnly = Run(ids.Narrow(1, 0, 8), [[4, 4]]);
        for (var i = 0; i < 2; i++)
            Ref.Close((firstOnly[i].Grad()! * 0.5).ToDoubleArray(), twoSubsteps[i].Grad()!, 1e-12, $"segment {i + 1}");
        Assert.Contains(twoSubsteps[2].Grad()!.ToDoubleArray(), v => v != 0);
        // Within a substep, segment 1 also learns from segment 2's loss through its summaries; with one
        // segment per substep it learns from its own loss only.
        var own = Run(ids.Narrow(1, 0, 4), [[4]]);
        var separate = Run(ids.Narrow(1, 0, 8), [[4], [4]]);
        var shared = Run(ids.Narrow(1, 0, 8), [[4, 4]]);
        Ref.Close((own[0].Grad()! * 0.5).ToDoubleArray(), separate[0].Grad()!, 1e-12, "stop-gradient after every segment");
        var difference = (shared[0].Grad()! - separate[0].Grad()!).Abs().Sum().Item();
        Assert.True(difference > 1e-6, "segment 1 should receive gradient from segment 2's loss within a substep");
        foreach (var leaf in twoSubsteps.Concat(firstOnly).Concat(own).Concat(separate).Concat(shared)) leaf.Dispose();
        flat.Dispose();
        ac.Dispose();
    }

    [Fact]
    public void Summary_embeddings_start_as_the_eos_embedding()
    {
        var (ac, flat, lm) = Build(llama: true);
        using var scope = TensorScope.Begin();
        var eos = lm.EmbedTokens(Tensor.FromArray(new long[] { 2 })).ToDoubleArray();
        var summary = ac.Summary.Data.ToDoubleArray();
        for (var k = 0; k < Kappa; k++)
            Assert.Equal(eos, summary.Skip(k * eos.Length).Take(eos.Length).ToArray());
        flat.Dispose();
        ac.Dispose();
    }

    [Fact]
    public void Segment_plans_are_seeded_fit_the_range_and_sum_to_the_substep()
    {
        Trainer.Data.SplitMix64 Rng(ulong document) => new(Trainer.Data.SplitMix64.Derive(7, document));
        int[][] Plan(ulong document)
        {
            var rng = Rng(document);
            return [.. Enumerable.Range(0, 10).Select(_ => SegmentPlanner.Substep(ref rng, 3072, 2, 1024, 2048))];
        }
        var a = Plan(3);
        Assert.Equal(a, Plan(3));
        Assert.NotEqual(a, Plan(4));
        Assert.All(a, s =>
        {
            Assert.Equal(3072, s.Sum());
            Assert.All(s, len => Assert.InRange(len, 1024, 2048));
        });
        Assert.True(a.Select(s => s[0]).Distinct().Count() > 5, "lengths should vary between substeps");
        var rng = Rng(1);
        var three = Enumerable.Range(0, 50).Select(_ => SegmentPlanner.Substep(ref rng, 100, 3, 30, 40)).ToList();
        Assert.All(three, s => Assert.True(s.Sum() == 100 && s.All(l => l is >= 30 and <= 40)));
        var e = Assert.Throws<ArgumentException>(() => SegmentPlanner.Check(3072, 2, 1024, 1500));
        Assert.Contains("segment_max", e.Message);
    }
}
