using Distributed.Trainer.Tokenizers;

namespace Distributed.Trainer.Tests.Tokenizers;

public class MergeTableTests
{
    [Fact]
    public void FindsEveryPairAfterGrowingAndKeepsTheFirstRank()
    {
        var table = new MergeTable();
        for (var i = 0; i < 20_000; i++)
        {
            // Pairs whose ids XOR to the same value: the collisions that made Dictionary<long, _> slow.
            table.Add(i, i ^ 0x55, rank: i, merged: 100_000 + i);
        }
        table.Add(3, 3 ^ 0x55, rank: 999_999, merged: 1);

        Assert.Equal(20_000, table.Count);
        for (var i = 0; i < 20_000; i++)
        {
            Assert.True(table.TryGet(i, i ^ 0x55, out var rank, out var merged));
            Assert.Equal((i, 100_000 + i), (rank, merged));
        }
        Assert.False(table.TryGet(0x55, 1, out _, out _));
        Assert.False(table.TryGet(-1, 0, out _, out _));
        Assert.False(table.TryGet(-1, -1, out _, out _));
    }
}
