using Distributed.Collectives.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Distributed.Collectives.Tests;

// Real rank processes on loopback (Gloo on CPU): every collective of the suite at 2, 3 and 4 processes.
public sealed class CollectiveProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task All_reduce_broadcast_barrier_all_gather_and_a_second_world_match_their_references(int world)
    {
        using var w = TestWorld.Start("suite", world, Timeout);
        await w.WaitForExitAsync(TimeSpan.FromSeconds(120), $"suite of {world} ranks");
        // Every rank ran every check (none may vanish) and each passed; the host compares each all-reduce
        // with the sequential float64 sum of every rank's inputs, which it regenerates.
        string[] sizes = ["1", "7", "1000003"];
        var expected = new[] { "Float32", "Float64", "BFloat16" }
            .SelectMany(d => sizes.SelectMany(s => new[] { $"allreduce-{d}-{s}-integers", $"allreduce-{d}-{s}-normal" }))
            .Concat(["join", "broadcast", "barrier", "allgather", "second-world"]).Order().ToList();
        foreach (var rank in w.Ranks)
        {
            var checks = rank.Lines.Where(l => l.StartsWith("CHECK ", StringComparison.Ordinal)).ToList();
            Assert.Equal(expected, checks.Select(l => l.Split(' ')[1]).Order().ToList());
            Assert.All(checks, l => Assert.Equal("OK", l.Split(' ')[2]));
        }
        output.WriteLine(w.Ranks[0].Output);

        // The barrier: rank r entered 150 ms x r after rank 0; nobody left before the last one entered.
        var barrier = w.Ranks.Select(r => r.Lines.Single(l => l.StartsWith("BARRIER ", StringComparison.Ordinal))).ToList();
        var lastEntered = barrier.Max(l => TestWorld.LongField(l, "entered"));
        var firstLeft = barrier.Min(l => TestWorld.LongField(l, "left"));
        Assert.True(firstLeft >= lastEntered, $"a rank left the barrier at {firstLeft}, before the last rank entered at {lastEntered}:\n{string.Join("\n", barrier)}");
    }
}
