namespace Distributed.Trainer.Data;

/// <summary>
/// Layout of a token shard, little-endian:
/// magic "DSTSHRD1" | int32 token width (2 or 4) | int32 0 | int64 documents | int64 tokens |
/// int64 offsets[documents + 1] (token index where each document starts) | tokens (uint16 or uint32).
/// </summary>
internal static class ShardFormat
{
    public const int HeaderBytes = 32;

    public static ReadOnlySpan<byte> Magic => "DSTSHRD1"u8;

    /// <summary>uint16 ids while the vocabulary fits, which halves the corpus on disk and in memory.</summary>
    public static int TokenWidthFor(int vocabularySize) => vocabularySize <= ushort.MaxValue + 1 ? 2 : 4;
}
