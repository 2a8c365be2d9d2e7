using System.Globalization;

namespace Distributed.Bench.Grains;

/// <summary>Median, p90 and p99 of call latencies in microseconds.</summary>
public sealed record LatencyStats(double MedianUs, double P90Us, double P99Us)
{
    public static LatencyStats From(List<double> microseconds)
    {
        microseconds.Sort();
        double At(double q) => microseconds[Math.Min(microseconds.Count - 1, (int)(q * microseconds.Count))];
        return new LatencyStats(At(0.5), At(0.9), At(0.99));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"median {MedianUs,7:F1} us  p90 {P90Us,7:F1} us  p99 {P99Us,8:F1} us");
}
