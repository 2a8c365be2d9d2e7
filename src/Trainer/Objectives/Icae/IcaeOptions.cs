namespace Distributed.Trainer.Objectives.Icae;

/// <summary>ICAE example layout (paper defaults: contexts of 512 tokens; the model compresses each into its memory slots).</summary>
public sealed record IcaeOptions
{
    /// <summary>Context tokens per example (one span of the encoder).</summary>
    public int ContextTokens { get; init; } = 512;

    /// <summary>Tokens after the context that the language-modeling objective predicts.</summary>
    public int ContinuationTokens { get; init; } = 256;

    /// <summary>Contexts shorter than this are not used for pretraining.</summary>
    public int MinContextTokens { get; init; } = 64;

    /// <summary>Chance that a pretraining sample is autoencoding rather than language modeling (when it has a
    /// continuation at all).</summary>
    public double AutoencodingProbability { get; init; } = 0.5;

    /// <summary>Appended to reconstruction and response targets when set, so the decoder learns to stop.</summary>
    public int? EosId { get; init; }

    internal void Validate()
    {
        if (ContextTokens < 1 || ContinuationTokens < 0 || MinContextTokens < 1 || MinContextTokens > ContextTokens
            || AutoencodingProbability is < 0 or > 1)
        {
            throw new ArgumentException(
                $"inconsistent ICAE layout: span_tokens {ContextTokens}, continuation_tokens {ContinuationTokens}, autoencode_ratio {AutoencodingProbability} " +
                $"(need span_tokens >= {MinContextTokens}, continuation_tokens >= 0, autoencode_ratio in [0, 1])");
        }
    }
}
