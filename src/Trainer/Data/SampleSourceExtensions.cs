namespace Distributed.Trainer.Data;

/// <summary>Batches of a rank in the global order of <see cref="SampleOrder"/>, driven by a <see cref="DataCursor"/>.</summary>
public static class SampleSourceExtensions
{
    public static DataCursor StartCursor<T>(this ISampleSource<T> source) => new(source.DatasetId, source.Seed, 0, 0);

    /// <summary>Rank <paramref name="rank"/>'s samples for the step at <paramref name="cursor"/> (fewer than
    /// <paramref name="batchPerRank"/>, possibly none, in the epoch's last step).</summary>
    public static IReadOnlyList<T> NextBatch<T>(this ISampleSource<T> source, DataCursor cursor, int rank, int worldSize, int batchPerRank)
    {
        if (cursor.DatasetId != source.DatasetId || cursor.Seed != source.Seed)
        {
            throw new InvalidOperationException(
                $"cursor is for dataset {cursor.DatasetId} seed {cursor.Seed}, this source is dataset {source.DatasetId} seed {source.Seed}");
        }
        var order = new SampleOrder(source.Count, source.Seed, cursor.Epoch);
        return [.. RankSlice.Positions(cursor, rank, worldSize, batchPerRank, source.Count).Select(p => source.Get(order[p], cursor.Epoch))];
    }

    public static DataCursor Advance<T>(this ISampleSource<T> source, DataCursor cursor, int worldSize, int batchPerRank) =>
        RankSlice.Advance(cursor, worldSize, batchPerRank, source.Count);
}
