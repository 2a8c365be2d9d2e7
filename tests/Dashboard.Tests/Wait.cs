using System.Diagnostics;

namespace Distributed.Dashboard.Tests;

/// <summary>Waits for a condition with a timeout whose failure names the phase, what was expected and what was last seen.</summary>
public static class Wait
{
    public static async Task UntilAsync(string phase, string expected, Func<Task<(bool Done, string Seen)>> probe, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var clock = Stopwatch.StartNew();
        var seen = "nothing yet";
        while (true)
        {
            var (done, now) = await probe();
            if (done) return;
            seen = now;
            if (clock.Elapsed > limit) throw new TimeoutException($"{phase}: expected {expected} within {limit.TotalSeconds:F0} s; last seen: {seen}");
            await Task.Delay(50);
        }
    }
}
