namespace Distributed.Trainer.Objectives.AutoCompressor;

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

    /// <summary>
    /// When set, a sample is a whole number of substeps of this many tokens (its tail is cut to fit, and shorter
    /// samples are dropped), and each substep is cut into <see cref="SegmentsPerSubstep"/> segments whose lengths
    /// are drawn within [SegmentMinTokens, SegmentMaxTokens] and add up to the substep (see
    /// <see cref="SegmentPlanner"/>; e.g. 30,720 = 5 substeps of 6,144). When null, segments are drawn freely and
    /// the last one takes what is left.
    /// </summary>
    public int? SubstepTokens { get; init; }

    public int SegmentsPerSubstep { get; init; } = 4;

    internal void Validate()
    {
        if (MinTokens < 1 || MaxTokens < MinTokens || SegmentMinTokens < 1 || SegmentMaxTokens < SegmentMinTokens || SegmentMaxTokens > MaxTokens)
        {
            throw new ArgumentException($"inconsistent AutoCompressor options: need 1 <= MinTokens <= MaxTokens and 1 <= SegmentMinTokens <= SegmentMaxTokens <= MaxTokens, got {this}");
        }
        if (SubstepTokens is { } substep)
        {
            if (substep > MaxTokens)
            {
                throw new ArgumentException($"a substep of {substep} tokens is longer than the longest sample ({MaxTokens} tokens)");
            }
            SegmentPlanner.Check(substep, SegmentsPerSubstep, SegmentMinTokens, SegmentMaxTokens);
        }
    }
}
