using System.Diagnostics;
using Distributed.Trainer.Collectives;
using Distributed.Trainer.Torch;

namespace Distributed.Collectives.TestHost;

/// <summary>
/// All-reduces without pause until a collective fails (the test kills or freezes a peer), then prints how it
/// failed and when (Unix ms, for the detection time), and how long disposing the group took.
/// </summary>
internal static class FailureLoop
{
    public static void Run(Options o)
    {
        var group = ProcessGroup.Join(o.Rendezvous(), Device.Cpu);
        using var buffer = Tensor.Ones([o.Elements]);
        var iterations = 0;
        var deadline = Stopwatch.StartNew();
        try
        {
            while (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                using var work = group.AllReduceSumAsync(buffer);
                work.Wait();
                if (++iterations == 1) Report.Line($"LOOPING rank={o.Rank}");
            }
            Report.Line($"NOFAILURE rank={o.Rank} iterations={iterations}");
        }
        catch (CollectiveException e)
        {
            var failedAt = Report.UnixMs;
            Report.Line($"FAILED rank={o.Rank} at={failedAt} iterations={iterations} op={e.Op} failure={e.Failure} exceptionRank={e.Rank} world={e.WorldId} message={e.Message.ReplaceLineEndings(" ")}");
        }
        var dispose = Stopwatch.StartNew();
        group.Dispose();
        Report.Line($"DISPOSED rank={o.Rank} ms={dispose.ElapsedMilliseconds}");
        // The next collective on the disposed world fails at once instead of hanging.
        try
        {
            group.AllReduceSum(buffer);
            Report.Line($"AFTER rank={o.Rank} no exception");
        }
        catch (ObjectDisposedException)
        {
            Report.Line($"AFTER rank={o.Rank} disposed");
        }
    }
}
