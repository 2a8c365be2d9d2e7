using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Models;

/// <summary>How to pick each next token: greedy when Temperature is 0, else sampled (optionally from the top k).</summary>
public sealed record SamplingOptions(int MaxNewTokens = 64, double Temperature = 0, int TopK = 0, long? EosTokenId = null);

/// <summary>
/// Decoding with a KV cache: the prompt runs through the model once, then each new token alone. The prompt
/// is token ids or embeddings (ICAE decodes from memory slots, AutoCompressor from summary vectors), at
/// consecutive positions from <c>firstPosition</c> or at explicit <c>promptPositions</c>.
/// </summary>
public static class Generation
{
    public static long[][] Generate(CausalLm lm, Tensor promptIds, SamplingOptions options, Generator? generator = null)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        return GenerateFromEmbeddings(lm, lm.EmbedTokens(promptIds), options, generator);
    }

    /// <summary>
    /// (B, T, E) prompt embeddings to B continuations (each stops after EOS, which it includes). The prompt sits at
    /// positions firstPosition.. unless <paramref name="promptPositions"/> (B, T) says otherwise; new tokens then
    /// take positions from <paramref name="nextPosition"/> (default: right after the prompt's).
    /// </summary>
    public static long[][] GenerateFromEmbeddings(CausalLm lm, Tensor prompt, SamplingOptions options, Generator? generator = null, long firstPosition = 0,
        Tensor? promptPositions = null, long? nextPosition = null)
    {
        // Every tensor of the decoding dies here, whether or not the caller has a scope.
        using var outer = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        using var cache = lm.NewCache();
        var batch = (int)prompt.Size(0);
        var outputs = Enumerable.Range(0, batch).Select(_ => new List<long>()).ToArray();
        var done = new bool[batch];
        var x = prompt;
        var position = firstPosition;
        for (var step = 0; step < options.MaxNewTokens && !done.All(d => d); step++)
        {
            using var scope = TensorScope.Begin();
            long length = x.Size(1);
            var positions = step == 0 && promptPositions is not null
                ? promptPositions
                : Tensor.Arange(position, position + length, 1, DType.Int64, x.Device).Unsqueeze(0).Expand(batch, length); // (B, L)
            var hidden = lm.Hidden(x, positions, cache);
            var logits = lm.Logits(hidden.Narrow(1, length - 1, 1)).Squeeze(1).To(DType.Float32); // (B, V)
            var next = Pick(logits, options, generator).ToLongArray();
            position = step == 0 && nextPosition is { } n ? n : position + length;
            for (var b = 0; b < batch; b++)
            {
                if (done[b]) continue;
                outputs[b].Add(next[b]);
                if (next[b] == options.EosTokenId) done[b] = true;
            }
            x = scope.MoveToOuter(lm.EmbedTokens(Tensor.FromArray(next, batch, 1).To(prompt.Device))); // (B, 1, E)
        }
        return outputs.Select(o => o.ToArray()).ToArray();
    }

    private static Tensor Pick(Tensor logits, SamplingOptions options, Generator? generator)
    {
        if (options.Temperature <= 0) return logits.ArgMax(-1);
        var scaled = logits / options.Temperature;
        if (options.TopK > 0 && options.TopK < scaled.Size(-1))
        {
            var (values, _) = scaled.TopK(options.TopK);
            var kth = values.Narrow(-1, options.TopK - 1, 1);                // (B, 1)
            scaled = scaled.MaskedFill(scaled.Lt(kth), double.NegativeInfinity);
        }
        return Functional.Softmax(scaled, -1).Multinomial(1, generator).Squeeze(-1); // (B)
    }
}
