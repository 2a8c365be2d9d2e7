using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Models;

/// <summary>
/// A decoder family as the objectives (plain LM, AutoCompressor, ICAE) use it: embeddings in, hidden states at
/// explicit positions, logits out. Splitting the three lets summary vectors and memory slots be spliced between
/// the embedding and the blocks. One base type (a <see cref="Module"/>), so callers pass one object, not a
/// module and an interface view of it.
/// </summary>
public abstract class CausalLm : Module
{
    /// <summary>"llama" or "opt": the Hugging Face model_type.</summary>
    public abstract string ModelType { get; }

    public abstract int VocabSize { get; }

    /// <summary>Width of the embeddings that <see cref="EmbedTokens"/> returns and <see cref="Hidden"/> takes.</summary>
    public abstract int HiddenSize { get; }

    /// <summary>How many positions the model addresses (its config's max_position_embeddings).</summary>
    public abstract int MaxPositions { get; }

    /// <summary>The end-of-sequence token from the config (2, as in OPT and Llama 2, when the config names none).</summary>
    public abstract long EosTokenId { get; }

    /// <summary>Our parameter names against Hugging Face's.</summary>
    public abstract HfNameMap HfNames { get; }

    /// <summary>(B, T) token ids to (B, T, C) embeddings.</summary>
    public abstract Tensor EmbedTokens(Tensor ids);

    /// <summary>
    /// (B, T, C) embeddings at (B, T) positions to final-norm hidden states (B, T, C), causal. With a cache,
    /// the T positions follow the cached ones and attend to them too, and their keys and values join the cache.
    /// </summary>
    public abstract Tensor Hidden(Tensor embeddings, Tensor positions, KvCache? cache = null);

    /// <summary>A cache sized for this model.</summary>
    public abstract KvCache NewCache();

    /// <summary>(B, T, C) hidden states to (B, T, V) logits.</summary>
    public abstract Tensor Logits(Tensor hidden);

    /// <summary>The config.json that describes this model in Hugging Face's format.</summary>
    public abstract byte[] ConfigJson();
}
