using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;
using F = Distributed.Trainer.Torch.Functional;

namespace Distributed.Trainer.Models;

/// <summary>
/// The OPT decoder as Hugging Face's OPTForCausalLM computes it: learned positions with an offset of 2
/// (HF position id p reads row p + 2, so the padding position -1 reads row 1), pre- or post-layer-norm
/// blocks, ReLU feed-forward, optional project_in/out when word_embed_proj_dim differs from hidden_size, and
/// the output layer tied to the token embedding. Checkpoints load through <see cref="OptHfMap"/>.
/// </summary>
public sealed class Opt : CausalLm
{
    private const int PositionOffset = 2;

    public Opt(OptConfig config, Generator? generator = null)
    {
        if (config.ActivationFunction != "relu")
            throw new NotSupportedException($"OPT with activation '{config.ActivationFunction}': only relu is implemented");
        Config = config;
        var std = config.InitStd;
        Embed = RegisterModule("embed", new Embedding(config.VocabSize, config.EmbeddingDim, generator, std));
        Positions = RegisterModule("positions", new Embedding(config.MaxPositionEmbeddings + PositionOffset, config.HiddenSize, generator, std));
        if (config.EmbeddingDim != config.HiddenSize)
        {
            ProjectIn = RegisterModule("project_in", new Linear(config.EmbeddingDim, config.HiddenSize, bias: false, generator, std));
            ProjectOut = RegisterModule("project_out", new Linear(config.HiddenSize, config.EmbeddingDim, bias: false, generator, std));
        }
        Layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => RegisterModule($"layers.{i}", new OptBlock(config, generator)))
            .ToArray();
        if (config.DoLayerNormBefore && !config.RemoveFinalLayerNorm)
            FinalNorm = RegisterModule("norm", new LayerNorm(config.HiddenSize));
        if (!config.TieWordEmbeddings)
            Head = RegisterModule("head", new Linear(config.EmbeddingDim, config.VocabSize, bias: false, generator, std));
    }

    public OptConfig Config { get; }

    public Embedding Embed { get; }

    public Embedding Positions { get; }

    public Linear? ProjectIn { get; }

    public Linear? ProjectOut { get; }

    public OptBlock[] Layers { get; }

    public LayerNorm? FinalNorm { get; }

    public Linear? Head { get; }

    public override string ModelType => OptConfig.ModelTypeName;

    public override int VocabSize => Config.VocabSize;

    public override int HiddenSize => Config.EmbeddingDim;

    public override int MaxPositions => Config.MaxPositionEmbeddings;

    public override long EosTokenId => Config.EosTokenId ?? 2;

    public override HfNameMap HfNames => OptHfMap.Map;

    public override Tensor EmbedTokens(Tensor ids) => Embed.Forward(ids); // (B, T) -> (B, T, E)

    /// <summary>(B, T, E) embeddings at (B, T) HF position ids (-1 = the padding position) to (B, T, E) outputs.</summary>
    public override Tensor Hidden(Tensor x, Tensor positions, KvCache? cache = null)
    {
        if (ProjectIn is { } pin) x = pin.Forward(x);                 // (B, T, C)
        // A 0-d integer tensor: adding a double scalar would turn the ids into floats.
        var offset = Tensor.Full([], PositionOffset, DType.Int64, positions.Device);
        x = x + Positions.Forward(positions + offset);
        for (var i = 0; i < Layers.Length; i++) x = Layers[i].Forward(x, Training, cache, i);
        if (FinalNorm is { } norm) x = norm.Forward(x);
        return ProjectOut is { } pout ? pout.Forward(x) : x;           // (B, T, E)
    }

    public override Tensor Logits(Tensor hidden) => Head is { } head ? head.Forward(hidden) : F.Linear(hidden, Embed.Weight.Data);

    public override KvCache NewCache() => new(Layers.Length);

    public override byte[] ConfigJson() => HfConfigFile.ToJson(Config);
}

public sealed class OptBlock : Module
{
    private readonly int _heads;
    private readonly bool _preNorm;
    private readonly double _dropout;
    private readonly double _attentionDropout;

    public OptBlock(OptConfig c, Generator? g)
    {
        _heads = c.NumAttentionHeads;
        _preNorm = c.DoLayerNormBefore;
        _dropout = c.Dropout;
        _attentionDropout = c.AttentionDropout;
        var std = c.InitStd;
        Q = RegisterModule("attn.q", new Linear(c.HiddenSize, c.HiddenSize, c.EnableBias, g, std));
        K = RegisterModule("attn.k", new Linear(c.HiddenSize, c.HiddenSize, c.EnableBias, g, std));
        V = RegisterModule("attn.v", new Linear(c.HiddenSize, c.HiddenSize, c.EnableBias, g, std));
        O = RegisterModule("attn.o", new Linear(c.HiddenSize, c.HiddenSize, c.EnableBias, g, std));
        AttnNorm = RegisterModule("attn_norm", new LayerNorm(c.HiddenSize));
        Fc1 = RegisterModule("mlp.fc1", new Linear(c.HiddenSize, c.FfnDim, c.EnableBias, g, std));
        Fc2 = RegisterModule("mlp.fc2", new Linear(c.FfnDim, c.HiddenSize, c.EnableBias, g, std));
        MlpNorm = RegisterModule("mlp_norm", new LayerNorm(c.HiddenSize));
    }

    public Linear Q { get; }
    public Linear K { get; }
    public Linear V { get; }
    public Linear O { get; }
    public LayerNorm AttnNorm { get; }
    public Linear Fc1 { get; }
    public Linear Fc2 { get; }
    public LayerNorm MlpNorm { get; }

    public Tensor Forward(Tensor x, bool training, KvCache? cache = null, int layer = 0)
    {
        // Intermediates die with the block: autograd keeps what backward needs, nothing else stays.
        using var scope = TensorScope.Begin();
        long b = x.Size(0), t = x.Size(1), c = x.Size(2);
        var h = _preNorm ? AttnNorm.Forward(x) : x;
        var q = Q.Forward(h).View(b, t, _heads, c / _heads).Transpose(1, 2); // (B, H, T, D)
        var k = K.Forward(h).View(b, t, _heads, c / _heads).Transpose(1, 2);
        var v = V.Forward(h).View(b, t, _heads, c / _heads).Transpose(1, 2);
        var past = cache?.LayerLength(layer) ?? 0;
        if (cache is not null) (k, v) = cache.Append(layer, k, v);   // (B, H, S + T, D)
        var dropout = training ? _attentionDropout : 0;
        var y = cache is null
            ? F.ScaledDotProductAttention(q, k, v, causal: true, dropoutP: dropout)   // (B, H, T, D)
            : F.ScaledDotProductAttention(q, k, v, KvCache.CausalMask(past, t, x.Device), dropoutP: dropout);
        y = O.Forward(y.Transpose(1, 2).Reshape(b, t, c));                     // (B, T, C)
        x = x + F.Dropout(y, _dropout, training);
        if (!_preNorm) x = AttnNorm.Forward(x);
        h = _preNorm ? MlpNorm.Forward(x) : x;
        x = x + F.Dropout(Fc2.Forward(Fc1.Forward(h).Relu()), _dropout, training);
        return scope.MoveToOuter(_preNorm ? x : MlpNorm.Forward(x));
    }
}
