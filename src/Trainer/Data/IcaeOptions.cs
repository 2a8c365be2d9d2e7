namespace Distributed.Trainer.Data;

/// <summary>ICAE example layout (paper defaults: 512 context tokens into 128 memory slots, 4x compression).</summary>
public sealed record IcaeOptions
{
    public int ContextTokens { get; init; } = 512;

    /// <summary>Memory slots for a full context; a shorter context gets ceil(length * MemorySlots / ContextTokens).</summary>
    public int MemorySlots { get; init; } = 128;

    /// <summary>Tokens after the context that the language-modeling objective predicts.</summary>
    public int ContinuationTokens { get; init; } = 256;

    /// <summary>Contexts shorter than this are not used for pretraining.</summary>
    public int MinContextTokens { get; init; } = 64;

    /// <summary>Chance that a pretraining sample is autoencoding rather than language modeling (when it has a
    /// continuation at all).</summary>
    public double AutoencodingProbability { get; init; } = 0.5;

    /// <summary>The [AE] token's id: the decoder's prompt for reconstruction.</summary>
    public required int AutoencodingTokenId { get; init; }

    /// <summary>Appended to reconstruction and response targets when set, so the decoder learns to stop.</summary>
    public int? EosId { get; init; }

    internal void Validate()
    {
        if (ContextTokens < 1 || MemorySlots < 1 || ContinuationTokens < 0 || MinContextTokens < 1 || MinContextTokens > ContextTokens
            || AutoencodingProbability is < 0 or > 1)
        {
            throw new ArgumentException($"inconsistent ICAE options: {this}");
        }
    }

    internal int SlotsFor(int contextLength) => Math.Max(1, (int)(((long)contextLength * MemorySlots + ContextTokens - 1) / ContextTokens));
}
