using System.Diagnostics;

namespace Distributed.Actors.Bench;

/// <summary>Sequential latency (one call at a time) and throughput (many callers at once) of one kind of call.</summary>
public static class Measure
{
    public static async Task<LatencyStats> RunAsync(Func<int, Task> call, int calls, int concurrency)
    {
        // Warm-up long enough for tiered compilation to reach the optimized code in both processes.
        for (var i = 0; i < 2000; i++)
        {
            await call(i);
        }
        var latencies = new List<double>(calls);
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call(i);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                await call(i);
            }
        }));
        return LatencyStats.From(latencies, calls / clock.Elapsed.TotalSeconds);
    }
}
