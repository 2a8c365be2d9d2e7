using Distributed.Trainer.Data;

namespace Distributed.Trainer.Tests.Data;

public class SampleOrderTests
{
    [Fact]
    public void SplitMix64IsTheReferenceAlgorithm()
    {
        // First outputs of the reference C implementation seeded with 0.
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.Next());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.Next());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(4097)]
    public void EachEpochIsAPermutation(long count)
    {
        var order = new SampleOrder(count, seed: 42, epoch: 3);
        var seen = new bool[count];
        for (long p = 0; p < count; p++)
        {
            Assert.False(seen[order[p]]);
            seen[order[p]] = true;
        }
        Assert.All(seen, Assert.True);
    }

    [Fact]
    public void OrderIsAPureFunctionOfCountSeedAndEpoch()
    {
        long[] Order(ulong seed, int epoch)
        {
            var o = new SampleOrder(1000, seed, epoch);
            return [.. Enumerable.Range(0, 1000).Select(p => o[p])];
        }

        Assert.Equal(Order(7, 0), Order(7, 0));
        Assert.NotEqual(Order(7, 0), Order(7, 1));
        Assert.NotEqual(Order(7, 0), Order(8, 0));
        Assert.NotEqual(Enumerable.Range(0, 1000).Select(i => (long)i), Order(7, 0));
    }

    [Fact]
    public void CursorSurvivesJson()
    {
        var cursor = new DataCursor("abc123", ulong.MaxValue, 4, 123_456_789_012);
        Assert.Equal(cursor, DataCursor.FromJson(cursor.ToJson()));
    }

    [Fact]
    public void RanksTakeInterleavedPositionsAndTheLastStepIsShort()
    {
        var cursor = new DataCursor("d", 1, 0, 8);
        Assert.Equal([9L, 12L], RankSlice.Positions(cursor, rank: 1, worldSize: 3, batchPerRank: 2, samplesPerEpoch: 100));
        Assert.Equal([10L], RankSlice.Positions(cursor, rank: 2, worldSize: 3, batchPerRank: 2, samplesPerEpoch: 12));
        Assert.Equal(cursor with { Consumed = 14 }, RankSlice.Advance(cursor, 3, 2, 100));
        Assert.Equal(cursor with { Epoch = 1, Consumed = 0 }, RankSlice.Advance(cursor, 3, 2, 14));
    }
}
