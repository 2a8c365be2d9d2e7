namespace Distributed.Trainer.Training;

/// <summary>
/// Batches of random windows of T + 1 consecutive tokens from one long token stream, drawn by a seeded
/// generator so a run is reproducible. The tail of the stream (the last <c>heldOut</c> tokens) is kept
/// apart for evaluation.
/// </summary>
public sealed class TokenWindows
{
    private readonly int[] _tokens;
    private readonly int _trainEnd;
    private readonly Random _rng;

    public TokenWindows(int[] tokens, int windowLength, double heldOutFraction, int seed)
    {
        if (tokens.Length < 4 * (windowLength + 1))
            throw new ArgumentException(
                $"the corpus has {tokens.Length} tokens, too few for windows of {windowLength + 1}: give more text or a shorter --seq-len",
                nameof(tokens));
        _tokens = tokens;
        WindowLength = windowLength;
        _trainEnd = (int)(tokens.Length * (1 - heldOutFraction));
        _rng = new Random(seed);
    }

    public int WindowLength { get; }

    public long[,] NextTrainBatch(int batchSize)
    {
        var batch = new long[batchSize, WindowLength + 1];
        for (var b = 0; b < batchSize; b++)
        {
            var start = _rng.Next(0, _trainEnd - WindowLength - 1);
            for (var t = 0; t <= WindowLength; t++) batch[b, t] = _tokens[start + t];
        }
        return batch;
    }

    /// <summary>Consecutive non-overlapping windows of the held-out tail, at most <paramref name="maxBatches"/> batches.</summary>
    public IEnumerable<long[,]> HeldOutBatches(int batchSize, int maxBatches)
    {
        var start = _trainEnd;
        for (var n = 0; n < maxBatches; n++)
        {
            if (start + batchSize * (WindowLength + 1) > _tokens.Length) yield break;
            var batch = new long[batchSize, WindowLength + 1];
            for (var b = 0; b < batchSize; b++, start += WindowLength + 1)
                for (var t = 0; t <= WindowLength; t++) batch[b, t] = _tokens[start + t];
            yield return batch;
        }
    }
}
