using Distributed.Collectives.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Distributed.Collectives.Tests;

// The gradient-bucket reducer in 3 real processes: the reduced gradients equal one process's gradients over
// every rank's micro-batches, and buckets are launched while backward still runs.
public sealed class BucketReducerProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Reduced_gradients_equal_one_process_over_all_batches_and_buckets_launch_during_backward()
    {
        using var w = TestWorld.Start("reducer", 3, TimeSpan.FromSeconds(20));
        await w.WaitForExitAsync(TimeSpan.FromSeconds(120), "reducer world of 3 ranks");
        foreach (var rank in w.Ranks)
        {
            output.WriteLine($"--- rank {rank.Rank}\n{rank.Output}");
            var checks = rank.Lines.Where(l => l.StartsWith("CHECK ", StringComparison.Ordinal)).ToList();
            Assert.Equal(["reducer-step0", "reducer-step1", "reducer-step2", "reducer-scalars"], checks.Select(l => l.Split(' ')[1]));
            Assert.All(checks, l => Assert.Equal("OK", l.Split(' ')[2]));
            var buckets = TestWorld.Field(rank.Lines.Single(l => l.StartsWith("BUCKETS ", StringComparison.Ordinal)), "count");
            Assert.True(int.Parse(buckets, System.Globalization.CultureInfo.InvariantCulture) > 4, $"rank {rank.Rank} has {buckets} buckets: too few to show overlap");
            var timings = rank.Lines.Where(l => l.StartsWith("TIMINGS ", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, timings.Count);
            // Overlap: in every step, buckets were launched before the last bucket's gradient was complete,
            // that is while backward was still running.
            foreach (var t in timings)
                Assert.True(TestWorld.LongField(t, "launchedBeforeLastReady") >= 1, $"rank {rank.Rank}: no bucket launched during backward: {t}");
            // From the second step on, buckets launch in the order they became ready (rank 0's, shared).
            var learned = TestWorld.Field(timings[1], "launchOrder");
            Assert.Equal(TestWorld.Field(timings[1], "readyOrder"), learned);
        }
        var orders = w.Ranks.Select(r => TestWorld.Field(r.Lines.Last(l => l.StartsWith("TIMINGS ", StringComparison.Ordinal)), "launchOrder")).Distinct().ToList();
        Assert.True(orders.Count == 1, $"the ranks launch buckets in different orders: {string.Join(" / ", orders)}");
    }
}
