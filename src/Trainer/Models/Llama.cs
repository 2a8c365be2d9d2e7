using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;
using F = Distributed.Trainer.Torch.Functional;

namespace Distributed.Trainer.Models;

/// <summary>
/// The Llama decoder (Llama 1/2/3 layouts: RMS norm, RoPE, grouped-query attention, SwiGLU), following
/// Hugging Face's LlamaForCausalLM so its checkpoints load through <see cref="LlamaHfMap"/>.
/// The forward pass takes embeddings and explicit positions, so AutoCompressor can splice summary vectors in.
/// </summary>
public sealed class Llama : CausalLm
{
    private readonly Rope _rope;

    public Llama(LlamaConfig config, Generator? generator = null)
    {
        if (config.RopeType != "default")
            throw new NotSupportedException($"Llama with rope type '{config.RopeType}': only the default RoPE is implemented");
        Config = config;
        var std = config.InitializerRange;
        Embed = RegisterModule("embed", new Embedding(config.VocabSize, config.HiddenSize, generator, std));
        Layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => RegisterModule($"layers.{i}", new LlamaBlock(config, generator)))
            .ToArray();
        Norm = RegisterModule("norm", new RmsNorm(config.HiddenSize, config.RmsNormEps));
        if (!config.TieWordEmbeddings)
            Head = RegisterModule("head", new Linear(config.HiddenSize, config.VocabSize, bias: false, generator, std));
        _rope = new Rope(config.HeadDimension, config.MaxPositionEmbeddings, config.EffectiveRopeTheta);
    }

    public LlamaConfig Config { get; }

    public Embedding Embed { get; }

    public LlamaBlock[] Layers { get; }

    public RmsNorm Norm { get; }

    /// <summary>The output projection; null when tied to the input embedding.</summary>
    public Linear? Head { get; }

    public override string ModelType => LlamaConfig.ModelTypeName;

    public override int VocabSize => Config.VocabSize;

    public override int HiddenSize => Config.HiddenSize;

    public override int MaxPositions => Config.MaxPositionEmbeddings;

    public override long EosTokenId => Config.EosTokenId?.FirstOrDefault() ?? 2;

    public override HfNameMap HfNames => LlamaHfMap.Map;

    public override Tensor EmbedTokens(Tensor ids) => Embed.Forward(ids); // (B, T) -> (B, T, C)

    /// <summary>Runs the blocks over (B, T, C) embeddings at (B, T) positions (causal) and applies the final norm.</summary>
    public override Tensor Hidden(Tensor x, Tensor positions, KvCache? cache = null)
    {
        for (var i = 0; i < Layers.Length; i++) x = Layers[i].Forward(x, positions, _rope, cache, i);
        return Norm.Forward(x);
    }

    public override KvCache NewCache() => new(Layers.Length);

    public override Tensor Logits(Tensor hidden) => Head is { } head ? head.Forward(hidden) : F.Linear(hidden, Embed.Weight.Data);

    public override byte[] ConfigJson() => HfConfigFile.ToJson(Config);

    public override void Dispose()
    {
        _rope.Dispose();
        base.Dispose();
    }
}

public sealed class LlamaBlock : Module
{
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    public LlamaBlock(LlamaConfig c, Generator? g)
    {
        _heads = c.NumAttentionHeads;
        _kvHeads = c.KeyValueHeads;
        _headDim = c.HeadDimension;
        var std = c.InitializerRange;
        AttnNorm = RegisterModule("attn_norm", new RmsNorm(c.HiddenSize, c.RmsNormEps));
        Q = RegisterModule("attn.q", new Linear(c.HiddenSize, _heads * _headDim, c.AttentionBias, g, std));
        K = RegisterModule("attn.k", new Linear(c.HiddenSize, _kvHeads * _headDim, c.AttentionBias, g, std));
        V = RegisterModule("attn.v", new Linear(c.HiddenSize, _kvHeads * _headDim, c.AttentionBias, g, std));
        O = RegisterModule("attn.o", new Linear(_heads * _headDim, c.HiddenSize, c.AttentionBias, g, std));
        MlpNorm = RegisterModule("mlp_norm", new RmsNorm(c.HiddenSize, c.RmsNormEps));
        Gate = RegisterModule("mlp.gate", new Linear(c.HiddenSize, c.IntermediateSize, c.MlpBias, g, std));
        Up = RegisterModule("mlp.up", new Linear(c.HiddenSize, c.IntermediateSize, c.MlpBias, g, std));
        Down = RegisterModule("mlp.down", new Linear(c.IntermediateSize, c.HiddenSize, c.MlpBias, g, std));
    }

    public RmsNorm AttnNorm { get; }
    public Linear Q { get; }
    public Linear K { get; }
    public Linear V { get; }
    public Linear O { get; }
    public RmsNorm MlpNorm { get; }
    public Linear Gate { get; }
    public Linear Up { get; }
    public Linear Down { get; }

    public Tensor Forward(Tensor x, Tensor positions, Rope rope, KvCache? cache = null, int layer = 0)
    {
        // Intermediates die with the block: autograd keeps what backward needs, nothing else stays.
        using var scope = TensorScope.Begin();
        long b = x.Size(0), t = x.Size(1);
        var h = AttnNorm.Forward(x);
        var q = Q.Forward(h).View(b, t, _heads, _headDim).Transpose(1, 2);   // (B, H, T, D)
        var k = K.Forward(h).View(b, t, _kvHeads, _headDim).Transpose(1, 2); // (B, KV, T, D)
        var v = V.Forward(h).View(b, t, _kvHeads, _headDim).Transpose(1, 2); // (B, KV, T, D)
        q = rope.Apply(q, positions);
        k = rope.Apply(k, positions);
        var past = cache?.LayerLength(layer) ?? 0;
        if (cache is not null) (k, v) = cache.Append(layer, k, v);   // (B, KV, S + T, D)
        if (_kvHeads != _heads)
        {
            // Grouped-query attention: each key/value head serves heads/kv consecutive query heads.
            k = k.RepeatInterleave(_heads / _kvHeads, 1); // (B, H, T, D)
            v = v.RepeatInterleave(_heads / _kvHeads, 1);
        }
        var y = cache is null
            ? F.ScaledDotProductAttention(q, k, v, causal: true)                               // (B, H, T, D)
            : F.ScaledDotProductAttention(q, k, v, KvCache.CausalMask(past, t, x.Device));
        y = y.Transpose(1, 2).Reshape(b, t, _heads * _headDim);        // (B, T, H·D)
        x = x + O.Forward(y);
        h = MlpNorm.Forward(x);
        return scope.MoveToOuter(x + Down.Forward(Gate.Forward(h).Silu() * Up.Forward(h)));
    }
}
