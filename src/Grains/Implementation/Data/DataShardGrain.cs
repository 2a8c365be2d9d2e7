using Distributed.Grains.Storage;
using Distributed.Trainer.Data;

namespace Distributed.Grains.Data;

/// <summary>
/// A job's data position. The sample order is the trainer's (<see cref="SampleOrder"/>, <see cref="RankSlice"/>): a
/// pure function of dataset, seed and epoch, so the slices handed out here are exactly the samples each rank's
/// session trains. Ranks record what they trained after every step; the committed cursor is the least advanced
/// rank's position in the current world, so a new world never skips a sample.
/// </summary>
[Distributed.Grains.Placement.CoordinatorPlacement]
public sealed class DataShardGrain([PersistentState("data", GrainStorageNames.State)] IPersistentState<DataShardState> state) : Grain, IDataShardGrain
{
    /// <summary>Sample log entries kept (one per rank per step).</summary>
    public const int LogLimit = 20_000;

    private DataShardState S => state.State;

    public async Task StartAsync(DataPosition start, long samplesPerEpoch, int globalBatch)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (samplesPerEpoch < 1) throw new ArgumentOutOfRangeException(nameof(samplesPerEpoch), samplesPerEpoch, "an epoch needs at least one sample");
        if (globalBatch < 1) throw new ArgumentOutOfRangeException(nameof(globalBatch), globalBatch, "a step needs at least one sample");
        S.SamplesPerEpoch = samplesPerEpoch;
        S.GlobalBatch = globalBatch;
        // A new world starts where its replica is (a restored checkpoint may be behind the cursor): that is the truth now.
        S.Cursor = start;
        S.Ranks.Clear();
        await state.WriteStateAsync();
    }

    public Task<DataPosition> GetCursorAsync() =>
        Task.FromResult(S.Cursor ?? throw new InvalidOperationException($"job {this.GetPrimaryKeyString()} has not started training: no data position yet"));

    public Task<IReadOnlyList<StepSlice>> GetSlicesAsync(string worldId, int rank, int worldSize, long fromStep, int count)
    {
        var cursor = S.Cursor ?? throw new InvalidOperationException($"job {this.GetPrimaryKeyString()} has not started training: no data position yet");
        if (fromStep < cursor.Step)
            throw new ArgumentOutOfRangeException(nameof(fromStep), fromStep, $"step {fromStep} is before the committed cursor (step {cursor.Step})");
        var position = new DataCursor(cursor.DatasetId, cursor.Seed, cursor.Epoch, cursor.Consumed);
        for (var s = cursor.Step; s < fromStep; s++) position = RankSlice.Advance(position, 1, S.GlobalBatch, S.SamplesPerEpoch);
        var slices = new List<StepSlice>(count);
        for (var i = 0; i < count; i++)
        {
            slices.Add(new StepSlice(fromStep + i, position.Epoch, rank, worldId,
                RankSlice.StepPositions(position, rank, worldSize, S.GlobalBatch, S.SamplesPerEpoch)));
            position = RankSlice.Advance(position, 1, S.GlobalBatch, S.SamplesPerEpoch);
        }
        return Task.FromResult<IReadOnlyList<StepSlice>>(slices);
    }

    public async Task RecordAsync(StepSlice trained, int worldSize, DataPosition after)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(after);
        if (S.Log.Any(e => e.Step == trained.Step && e.Rank == trained.Rank && e.WorldId == trained.WorldId))
        {
            // A retried record: it is in memory, but the write that failed (storage down) may be all that ever held it.
            await state.WriteStateAsync();
            return;
        }
        S.Log.Add(trained);
        if (S.Log.Count > LogLimit) S.Log.RemoveRange(0, S.Log.Count - LogLimit);
        S.Ranks.RemoveAll(r => r.WorldId != trained.WorldId || r.Rank == trained.Rank);
        S.Ranks.Add(new RankPosition(trained.WorldId, trained.Rank, after));
        // Committed: the slowest rank of this world, once every rank has recorded (they step together, a step apart at most).
        if (S.Ranks.Count >= worldSize)
        {
            var slowest = S.Ranks.MinBy(r => r.After.Step)!.After;
            if (S.Cursor is null || slowest.Step > S.Cursor.Step) S.Cursor = slowest;
        }
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<StepSlice>> GetLogAsync(long fromStep, int max)
    {
        var entries = S.Log.Where(e => e.Step >= fromStep).OrderBy(e => e.Step).ThenBy(e => e.Rank).ToList();
        if (max > 0 && entries.Count > max) entries = entries.GetRange(0, max);
        return Task.FromResult<IReadOnlyList<StepSlice>>(entries);
    }
}
