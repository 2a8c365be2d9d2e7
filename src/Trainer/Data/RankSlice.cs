namespace Distributed.Trainer.Data;

/// <summary>
/// Which global positions each rank trains on. A step of world size W and per-rank batch B covers positions
/// cursor.Consumed .. cursor.Consumed + W*B - 1; rank r takes cursor.Consumed + r + k*W (k &lt; B). The ranks'
/// slices are disjoint and together cover the step, and the cursor alone says what is done, so a job resumed at
/// another world size continues with exactly the samples not yet trained on. An epoch's last step may be short:
/// positions past the epoch's end are not handed out.
/// </summary>
public static class RankSlice
{
    /// <summary>Global positions (in the epoch's <see cref="SampleOrder"/>) of rank <paramref name="rank"/>'s batch.</summary>
    public static long[] Positions(DataCursor cursor, int rank, int worldSize, int batchPerRank, long samplesPerEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchPerRank, 1);
        var positions = new List<long>(batchPerRank);
        for (var k = 0; k < batchPerRank; k++)
        {
            var p = cursor.Consumed + rank + ((long)k * worldSize);
            if (p < samplesPerEpoch)
            {
                positions.Add(p);
            }
        }
        return [.. positions];
    }

    /// <summary>
    /// Rank <paramref name="rank"/>'s positions of a step that covers <paramref name="globalBatch"/> samples whatever
    /// the world size: positions cursor.Consumed + j for j &lt; globalBatch with j mod W = rank (the scheme above
    /// with B = globalBatch / W when W divides it). So the samples of a step, and the gradient they sum to, do
    /// not depend on how many ranks share it.
    /// </summary>
    public static long[] StepPositions(DataCursor cursor, int rank, int worldSize, int globalBatch, long samplesPerEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(globalBatch, 1);
        var end = Math.Min(cursor.Consumed + globalBatch, samplesPerEpoch);
        var positions = new List<long>((globalBatch / worldSize) + 1);
        for (var p = cursor.Consumed + rank; p < end; p += worldSize)
        {
            positions.Add(p);
        }
        return [.. positions];
    }

    /// <summary>How many samples the step at <paramref name="cursor"/> covers over all ranks (fewer than
    /// <paramref name="globalBatch"/> only in an epoch's last step).</summary>
    public static int StepSamples(DataCursor cursor, int globalBatch, long samplesPerEpoch) =>
        (int)Math.Min(globalBatch, samplesPerEpoch - cursor.Consumed);

    /// <summary>The cursor after a committed step; the epoch rolls over once every position was handed out.</summary>
    public static DataCursor Advance(DataCursor cursor, int worldSize, int batchPerRank, long samplesPerEpoch)
    {
        var consumed = cursor.Consumed + ((long)worldSize * batchPerRank);
        return consumed >= samplesPerEpoch
            ? cursor with { Epoch = cursor.Epoch + 1, Consumed = 0 }
            : cursor with { Consumed = consumed };
    }
}
