namespace Distributed.Grains.Data;

/// <summary>
/// A job's data position (key: the job id). Persisted. The global sample order is a pure function of (dataset,
/// seed, epoch); this grain holds the committed cursor (samples consumed), hands each rank of a world its slice of
/// the steps ahead, and keeps the per-step sample log (which global positions each rank trained) for audits: every
/// sample of an epoch trained exactly once, also across world changes.
/// </summary>
[Alias("distributed.data-shard")]
public interface IDataShardGrain : IGrainWithStringKey
{
    /// <summary>Sets the sample space (samples per epoch, the global batch) and, unless already further, the cursor; called by
    /// rank 0 of each world when its session is built (idempotent).</summary>
    [Alias("start")]
    Task StartAsync(DataPosition start, long samplesPerEpoch, int globalBatch);

    /// <summary>The committed cursor: where a new world starts.</summary>
    [Alias("cursor")]
    Task<DataPosition> GetCursorAsync();

    /// <summary>Rank <paramref name="rank"/>'s global positions for <paramref name="count"/> steps from <paramref name="fromStep"/> in world <paramref name="worldId"/>.</summary>
    [Alias("slices")]
    Task<IReadOnlyList<StepSlice>> GetSlicesAsync(string worldId, int rank, int worldSize, long fromStep, int count);

    /// <summary>Records what a rank trained in a step (<paramref name="trained"/>) and where it stands after it; the cursor
    /// commits a step once all <paramref name="worldSize"/> ranks of the world have recorded it.</summary>
    [Alias("record")]
    Task RecordAsync(StepSlice trained, int worldSize, DataPosition after);

    /// <summary>The sample log from <paramref name="fromStep"/> on.</summary>
    [Alias("log")]
    Task<IReadOnlyList<StepSlice>> GetLogAsync(long fromStep, int max);
}
