using Distributed.Trainer.Data;

namespace Distributed.Trainer.Objectives.AutoCompressor;

/// <summary>
/// One AutoCompressor training document: its tokens, the lengths of the segments it is compressed in (they add up
/// to Tokens.Length), the same lengths grouped by substep (one group when the options set no substep), and where
/// the tokens came from.
/// </summary>
public sealed record AutoCompressorSample(
    long Index, int[] Tokens, int[] SegmentLengths, int[][] Substeps, IReadOnlyList<SampleSpan> Spans);
