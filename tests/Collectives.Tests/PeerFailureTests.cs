using Distributed.Collectives.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Distributed.Collectives.Tests;

// A peer that dies (SIGKILL) or hangs (SIGSTOP) while the world all-reduces without pause: the survivors'
// collective fails with a CollectiveException that names the op, their rank and the world, quickly, and
// disposing the group returns at once.
public sealed class PeerFailureTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(3, 2)]
    [InlineData(2, 0)] // rank 0 also serves the TCPStore
    public async Task A_killed_peer_fails_the_survivors_collective_within_seconds(int world, int victim)
    {
        using var w = await AllReducingWorldAsync(world, TimeSpan.FromSeconds(20));
        var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        w.Ranks[victim].Kill();
        foreach (var (rank, detection, dispose, line) in await SurvivorsAsync(w, victim, "PeerLost", killedAt, "killed"))
        {
            output.WriteLine($"kill -9 of rank {victim} of {world}: rank {rank} failed after {detection} ms, disposed in {dispose} ms: {line}");
            Assert.True(detection < 5000, $"rank {rank} noticed the dead peer only after {detection} ms");
        }
    }

    [Fact]
    public async Task A_hung_peer_is_caught_by_the_collective_timeout()
    {
        var timeout = TimeSpan.FromSeconds(2);
        using var w = await AllReducingWorldAsync(3, timeout);
        var stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        w.Ranks[1].Stop();
        foreach (var (rank, detection, dispose, line) in await SurvivorsAsync(w, 1, "Timeout", stoppedAt, "frozen"))
        {
            output.WriteLine($"SIGSTOP of rank 1 of 3, timeout {timeout.TotalSeconds} s: rank {rank} failed after {detection} ms, disposed in {dispose} ms: {line}");
            // Not before the timeout (the peer is alive, only silent), and not much after it.
            Assert.InRange(detection, (long)timeout.TotalMilliseconds - 100, (long)timeout.TotalMilliseconds + 5000);
        }
    }

    private static async Task<TestWorld> AllReducingWorldAsync(int world, TimeSpan timeout)
    {
        var w = TestWorld.Start("loop", world, timeout);
        await Task.WhenAll(w.Ranks.Select(r => r.WaitForLineAsync("LOOPING", TimeSpan.FromSeconds(60), "world formed and all-reducing")));
        return w;
    }

    // Waits for the survivors of `victim` to exit, checks how each failed and that disposing its group was
    // prompt, and returns each one's detection time (ms since `since`, Unix ms) and dispose time.
    private static async Task<List<(int Rank, long Detection, long Dispose, string Line)>> SurvivorsAsync(
        TestWorld w, int victim, string failure, long since, string what)
    {
        var survivors = w.Ranks.Where(r => r.Rank != victim).ToList();
        await w.WaitForExitAsync(TimeSpan.FromSeconds(20), $"survivors after rank {victim} was {what}", survivors);
        var results = new List<(int, long, long, string)>();
        foreach (var s in survivors)
        {
            var failed = await s.WaitForLineAsync("FAILED ", TimeSpan.Zero, "survivor's failure");
            AssertFailure(failed, s.Rank, w.WorldId, failure);
            var dispose = TestWorld.LongField(await s.WaitForLineAsync("DISPOSED ", TimeSpan.Zero, "dispose"), "ms");
            Assert.True(dispose < 2000, $"disposing rank {s.Rank}'s group took {dispose} ms");
            Assert.Contains("AFTER rank=" + s.Rank + " disposed", s.Output, StringComparison.Ordinal);
            results.Add((s.Rank, TestWorld.LongField(failed, "at") - since, dispose, failed));
        }
        return results;
    }

    private static void AssertFailure(string line, int rank, string worldId, string failure)
    {
        Assert.Equal("AllReduceSum", TestWorld.Field(line, "op"));
        Assert.Equal(failure, TestWorld.Field(line, "failure"));
        Assert.Equal(rank.ToString(System.Globalization.CultureInfo.InvariantCulture), TestWorld.Field(line, "exceptionRank"));
        Assert.Equal(worldId, TestWorld.Field(line, "world"));
        Assert.Contains($"AllReduceSum failed on rank {rank} of world '{worldId}'", line, StringComparison.Ordinal);
    }
}
