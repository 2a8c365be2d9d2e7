namespace Distributed.Actors.Bench;

/// <summary>Median and p99 of a set of call latencies, and the throughput of a timed run.</summary>
public sealed record LatencyStats(double MedianUs, double P99Us, double CallsPerSecond)
{
    public static LatencyStats From(List<double> microseconds, double callsPerSecond)
    {
        microseconds.Sort();
        double At(double q) => microseconds[Math.Min(microseconds.Count - 1, (int)(q * microseconds.Count))];
        return new LatencyStats(At(0.5), At(0.99), callsPerSecond);
    }
}
