using Distributed.Trainer.Data;
using FsCheck;
using FsCheck.Xunit;

namespace Distributed.Trainer.Tests.Data;

/// <summary>
/// Over random sequences of world sizes, batch sizes, steps and interruptions (the in-flight step is lost and
/// the cursor goes through JSON, as through a checkpoint), every sample of an epoch is trained exactly once.
/// </summary>
public class ResumePropertyTests
{
    [Property(MaxTest = 300)]
    public void EverySampleOfAnEpochIsTrainedExactlyOnce(PositiveInt samples, ulong seed, byte[] worlds, byte[] steps)
    {
        var source = new IndexSource((samples.Get % 500) + 1, seed);
        var trained = new int[source.Count];
        var cursor = source.StartCursor();
        for (var i = 0; i < Math.Max(worlds.Length, steps.Length) && cursor.Epoch == 0; i++)
        {
            var w = worlds.Length == 0 ? (byte)1 : worlds[i % worlds.Length];
            var worldSize = (w % 8) + 1;
            var batch = (w / 8 % 4) + 1;
            var stepCount = steps.Length == 0 ? 1 : steps[i % steps.Length] % 6;
            for (var s = 0; s < stepCount && cursor.Epoch == 0; s++)
            {
                cursor = TrainStep(source, cursor, worldSize, batch, trained);
            }
            // Interrupted: the next step's batches were read but never committed, then the job restarts from
            // the checkpointed cursor, possibly at another world size.
            for (var r = 0; r < worldSize; r++)
            {
                _ = source.NextBatch(cursor, r, worldSize, batch);
            }
            cursor = DataCursor.FromJson(cursor.ToJson());
        }
        while (cursor.Epoch == 0)
        {
            cursor = TrainStep(source, cursor, worldSize: 3, batchPerRank: 2, trained);
        }
        Assert.All(trained, count => Assert.Equal(1, count));
        Assert.Equal(new DataCursor(source.DatasetId, seed, 1, 0), cursor);
    }

    private static DataCursor TrainStep(IndexSource source, DataCursor cursor, int worldSize, int batchPerRank, int[] trained)
    {
        for (var r = 0; r < worldSize; r++)
        {
            foreach (var sample in source.NextBatch(cursor, r, worldSize, batchPerRank))
            {
                trained[sample]++;
            }
        }
        return source.Advance(cursor, worldSize, batchPerRank);
    }

    private sealed class IndexSource(long count, ulong seed) : ISampleSource<long>
    {
        public string DatasetId => "indices";

        public ulong Seed => seed;

        public long Count => count;

        public long Get(long sampleIndex, int epoch) => sampleIndex;
    }
}
