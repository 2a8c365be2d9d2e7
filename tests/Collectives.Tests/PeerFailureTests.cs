using System.Diagnostics;
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
        using var w = TestWorld.Start("loop", world, TimeSpan.FromSeconds(20));
        await Task.WhenAll(w.Ranks.Select(r => r.WaitForLineAsync("LOOPING", TimeSpan.FromSeconds(60), "world formed and all-reducing")));
        var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        w.Ranks[victim].Kill();
        var survivors = w.Ranks.Where(r => r.Rank != victim).ToList();
        await w.WaitForExitAsync(TimeSpan.FromSeconds(20), $"survivors after rank {victim} was killed", survivors);
        foreach (var s in survivors)
        {
            var failed = await s.WaitForLineAsync("FAILED ", TimeSpan.Zero, "survivor's failure");
            AssertFailure(failed, s.Rank, w.WorldId, "PeerLost");
            var detection = TestWorld.LongField(failed, "at") - killedAt;
            var dispose = TestWorld.LongField(await s.WaitForLineAsync("DISPOSED ", TimeSpan.Zero, "dispose"), "ms");
            output.WriteLine($"kill -9 of rank {victim} of {world}: rank {s.Rank} failed after {detection} ms, disposed in {dispose} ms: {failed}");
            Assert.True(detection < 5000, $"rank {s.Rank} noticed the dead peer only after {detection} ms");
            Assert.True(dispose < 2000, $"disposing rank {s.Rank}'s group took {dispose} ms");
            Assert.Contains("AFTER rank=" + s.Rank + " disposed", s.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_hung_peer_is_caught_by_the_collective_timeout()
    {
        var timeout = TimeSpan.FromSeconds(2);
        using var w = TestWorld.Start("loop", 3, timeout);
        await Task.WhenAll(w.Ranks.Select(r => r.WaitForLineAsync("LOOPING", TimeSpan.FromSeconds(60), "world formed and all-reducing")));
        var stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = Stopwatch.StartNew();
        w.Ranks[1].Stop();
        var survivors = w.Ranks.Where(r => r.Rank != 1).ToList();
        await w.WaitForExitAsync(TimeSpan.FromSeconds(20), "survivors after rank 1 was frozen", survivors);
        output.WriteLine($"survivors exited {clock.ElapsedMilliseconds} ms after SIGSTOP");
        foreach (var s in survivors)
        {
            var failed = await s.WaitForLineAsync("FAILED ", TimeSpan.Zero, "survivor's failure");
            AssertFailure(failed, s.Rank, w.WorldId, "Timeout");
            var detection = TestWorld.LongField(failed, "at") - stoppedAt;
            var dispose = TestWorld.LongField(await s.WaitForLineAsync("DISPOSED ", TimeSpan.Zero, "dispose"), "ms");
            output.WriteLine($"SIGSTOP of rank 1 of 3, timeout {timeout.TotalSeconds} s: rank {s.Rank} failed after {detection} ms, disposed in {dispose} ms: {failed}");
            // Not before the timeout (the peer is alive, only silent), and not much after it.
            Assert.InRange(detection, (long)timeout.TotalMilliseconds - 100, (long)timeout.TotalMilliseconds + 5000);
            Assert.True(dispose < 2000, $"disposing rank {s.Rank}'s group took {dispose} ms");
        }
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
