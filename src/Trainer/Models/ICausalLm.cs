using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Models;

/// <summary>
/// What the objectives (plain LM, AutoCompressor, ICAE) need from a decoder family: embeddings in, hidden
/// states at explicit positions, logits out. Splitting the three lets summary vectors and memory slots be
/// spliced between the embedding and the blocks.
/// </summary>
public interface ICausalLm
{
    int VocabSize { get; }

    int HiddenSize { get; }

    /// <summary>(B, T) token ids to (B, T, C) embeddings.</summary>
    Tensor EmbedTokens(Tensor ids);

    /// <summary>
    /// (B, T, C) embeddings at (B, T) positions to final-norm hidden states (B, T, C), causal. With a cache,
    /// the T positions follow the cached ones and attend to them too, and their keys and values join the cache.
    /// </summary>
    Tensor Hidden(Tensor embeddings, Tensor positions, KvCache? cache = null);

    /// <summary>A cache sized for this model.</summary>
    KvCache NewCache();

    /// <summary>(B, T, C) hidden states to (B, T, V) logits.</summary>
    Tensor Logits(Tensor hidden);
}
