using Distributed.Trainer.Checkpoint;

namespace Distributed.Bench.AutoCompressorBench;

/// <summary>The reference scripts' model and their FLOP count, shared by both modes of the bench.</summary>
public static class Workload
{
    /// <summary>The reference's OPTConfig: pre-LN, no dropout, word_embed_proj_dim = hidden, ffn 4 x hidden.</summary>
    public static OptConfig Config(BenchOptions o)
    {
        var (layers, d, heads) = o.Shape;
        return new OptConfig
        {
            VocabSize = o.Vocabulary,
            HiddenSize = d,
            NumHiddenLayers = layers,
            FfnDim = 4 * d,
            NumAttentionHeads = heads,
            MaxPositionEmbeddings = o.MaxPositions,
            WordEmbedProjDim = d,
            DoLayerNormBefore = true,
            Dropout = 0,
            AttentionDropout = 0,
        };
    }

    /// <summary>
    /// The reference's model FLOPs of one document: 6·N per input position plus causal attention 6·L·d·n² per
    /// segment input (n = the accumulated summaries, the segment and its own summary tokens).
    /// </summary>
    public static double DocumentFlops(BenchOptions o, long parameters)
    {
        var (layers, d, _) = o.Shape;
        double flops = 0;
        for (var s = 0; s < o.Segments; s++)
        {
            double n = (s * o.Kappa) + o.SegmentLength + o.Kappa;
            flops += (6.0 * parameters * n) + (6.0 * layers * d * n * n);
        }
        return flops;
    }
}
