using System.Diagnostics;

namespace Distributed.TestSupport;

/// <summary>Waits for a condition another process brings about, with a timeout whose failure names the phase,
/// what was expected and what was last seen.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(string phase, string expected, Func<Task<(bool Done, T Value, string Seen)>> probe, TimeSpan timeout,
        TimeSpan? interval = null)
    {
        var clock = Stopwatch.StartNew();
        var seen = "nothing yet";
        while (true)
        {
            try
            {
                var (done, value, now) = await probe();
                if (done) return value;
                seen = now;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                seen = $"{e.GetType().Name}: {e.Message}";
            }
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{phase}: expected {expected} within {timeout.TotalSeconds:F0} s; last seen: {seen}");
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
    }
}
