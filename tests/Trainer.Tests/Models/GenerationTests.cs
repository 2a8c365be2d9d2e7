using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Tests.Torch;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Models;

public sealed class GenerationTests
{
    public static TheoryData<string> Families => new() { "llama", "opt" };

    private static (CausalLm, Module, FlatParameters) Build(string family)
    {
        using var g = new Generator(6);
        CausalLm m = family == "llama"
            ? new Llama(new LlamaConfig
            {
                VocabSize = 50,
                HiddenSize = 24,
                IntermediateSize = 40,
                NumHiddenLayers = 2,
                NumAttentionHeads = 4,
                NumKeyValueHeads = 2,
                MaxPositionEmbeddings = 64,
                InitializerRange = 0.3,
            }, g)
            : new Opt(new OptConfig
            {
                VocabSize = 50,
                HiddenSize = 24,
                NumHiddenLayers = 2,
                NumAttentionHeads = 3,
                FfnDim = 40,
                MaxPositionEmbeddings = 64,
                Dropout = 0,
                InitStd = 0.3,
            }, g);
        m.Eval();
        return (m, m, FlatParameters.Build(m, Device.Cpu, DType.Float64));
    }

    private static Tensor Full(CausalLm lm, Tensor ids)
    {
        var t = ids.Size(1);
        return lm.Logits(lm.Hidden(lm.EmbedTokens(ids), Tensor.Arange(t).Unsqueeze(0).Expand(ids.Size(0), t)));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Cached_incremental_logits_equal_the_full_sequence(string family)
    {
        var (lm, module, flat) = Build(family);
        using var scope = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        var ids = Tensor.RandInt(0, 50, [2, 11], new Generator(1));
        var full = Full(lm, ids);                                             // (B, 11, V)
        using var cache = lm.NewCache();
        // A prompt of 5, then one token at a time, then a chunk of 3.
        var pieces = new (long Start, long Length)[] { (0, 5), (5, 1), (6, 1), (7, 1), (8, 3) };
        foreach (var (start, length) in pieces)
        {
            var chunk = ids.Narrow(1, start, length);
            var positions = Tensor.Arange(start, start + length, 1, DType.Int64).Unsqueeze(0).Expand(2, length);
            var logits = lm.Logits(lm.Hidden(lm.EmbedTokens(chunk), positions, cache));
            Ref.Close(full.Narrow(1, start, length).ToDoubleArray(), logits, 1e-12, $"{family} positions {start}..{start + length - 1}");
        }
        Assert.Equal(11, cache.Length);
        flat.Dispose();
        module.Dispose();
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Greedy_decoding_follows_the_argmax_chain_of_the_uncached_model(string family)
    {
        var (lm, module, flat) = Build(family);
        using var scope = TensorScope.Begin();
        var prompt = Tensor.FromArray(new long[] { 3, 17, 42, 8 }, 1, 4);
        var generated = Generation.Generate(lm, prompt, new SamplingOptions(MaxNewTokens: 6))[0];
        Assert.Equal(6, generated.Length);
        var sequence = new List<long> { 3, 17, 42, 8 };
        using (NoGradScope.Begin())
            for (var i = 0; i < 6; i++)
            {
                var logits = Full(lm, Tensor.FromArray(sequence.ToArray(), 1, sequence.Count));
                sequence.Add(logits.Select(1, sequence.Count - 1).ArgMax(-1).ToLongArray()[0]);
            }
        Assert.Equal(sequence.Skip(4).ToArray(), generated);
        // Stops at EOS, which it includes.
        var stopped = Generation.Generate(lm, prompt, new SamplingOptions(MaxNewTokens: 6, EosTokenId: generated[2]))[0];
        Assert.Equal(generated.Take(Array.IndexOf(generated, generated[2]) + 1).ToArray(), stopped);
        flat.Dispose();
        module.Dispose();
    }

    [Fact]
    public void Sampling_is_seeded_and_top_1_is_greedy()
    {
        var (lm, module, flat) = Build("llama");
        using var scope = TensorScope.Begin();
        var prompt = Tensor.FromArray(new long[] { 1, 2, 3 }, 1, 3);
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        var options = new SamplingOptions(MaxNewTokens: 8, Temperature: 1.5);
        var a = Generation.Generate(lm, prompt, options, g1)[0];
        Assert.Equal(a, Generation.Generate(lm, prompt, options, g2)[0]);
        var greedy = Generation.Generate(lm, prompt, new SamplingOptions(MaxNewTokens: 8))[0];
        Assert.Equal(greedy, Generation.Generate(lm, prompt, options with { TopK = 1 }, g1)[0]);
        flat.Dispose();
        module.Dispose();
    }

    [Fact]
    public void TopK_and_multinomial_behave()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray(new double[] { 0.1, 5, -2, 3, 4 }, 1, 5);
        var (values, indices) = x.TopK(3);
        Assert.Equal(new double[] { 5, 4, 3 }, values.ToArray<double>());
        Assert.Equal(new long[] { 1, 4, 3 }, indices.ToArray<long>());
        var weights = Tensor.FromArray(new double[] { 0, 1, 0, 3 }, 1, 4).Expand(20000, 4).Contiguous();
        var draws = weights.Multinomial(1, new Generator(2)).ToLongArray();
        Assert.DoesNotContain(0L, draws);
        Assert.DoesNotContain(2L, draws);
        Assert.InRange(draws.Count(d => d == 3) / 20000.0, 0.73, 0.77);
    }
}
