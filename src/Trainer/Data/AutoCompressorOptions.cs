namespace Distributed.Trainer.Data;

/// <summary>How documents become AutoCompressor training samples (paper defaults: up to 30,720 tokens,
/// segments of 1,024 to 2,048 tokens).</summary>
public sealed record AutoCompressorOptions
{
    public int MaxTokens { get; init; } = 30_720;

    /// <summary>Documents (or packs) shorter than this are not used.</summary>
    public int MinTokens { get; init; } = 2_048;

    public LongDocumentMode LongDocuments { get; init; } = LongDocumentMode.Split;

    /// <summary>Concatenate consecutive documents shorter than MinTokens (in dataset order) up to MaxTokens.</summary>
    public bool PackShortDocuments { get; init; }

    /// <summary>Each segment's length is drawn uniformly from [SegmentMinTokens, SegmentMaxTokens]; the last one
    /// takes what is left. SegmentMaxTokens must fit the model's context window.</summary>
    public int SegmentMinTokens { get; init; } = 1_024;

    public int SegmentMaxTokens { get; init; } = 2_048;

    internal void Validate()
    {
        if (MinTokens < 1 || MaxTokens < MinTokens || SegmentMinTokens < 1 || SegmentMaxTokens < SegmentMinTokens || SegmentMaxTokens > MaxTokens)
        {
            throw new ArgumentException($"inconsistent AutoCompressor options: need 1 <= MinTokens <= MaxTokens and 1 <= SegmentMinTokens <= SegmentMaxTokens <= MaxTokens, got {this}");
        }
    }
}
