namespace Distributed.Trainer.Data;

/// <summary>One AutoCompressor training document: its tokens and the lengths of the segments it is compressed in
/// (they add up to Tokens.Length). Spans say where the tokens came from.</summary>
public sealed record AutoCompressorSample(long Index, int[] Tokens, int[] SegmentLengths, IReadOnlyList<SampleSpan> Spans);
