using Distributed.Trainer.Data;

namespace Distributed.Trainer.Objectives.AutoCompressor;

/// <summary>
/// Randomized segmentation of AutoCompressor documents, the one implementation (the sampler calls it per sample
/// with a generator seeded by (seed, epoch, sample index)). Lengths are drawn uniformly within [min, max] from a
/// generator whose algorithm is fixed (SplitMix64), so a plan is the same on every machine and rank.
/// </summary>
public static class SegmentPlanner
{
    /// <summary>
    /// <paramref name="segments"/> lengths within [<paramref name="min"/>, <paramref name="max"/>] that add up to
    /// <paramref name="total"/> (one substep), each drawn so that the segments after it can still fit.
    /// </summary>
    public static int[] Substep(ref SplitMix64 rng, int total, int segments, int min, int max)
    {
        Check(total, segments, min, max);
        var lengths = new int[segments];
        var left = total;
        for (var i = 0; i < segments; i++)
        {
            // Keep what is left feasible for the segments after this one.
            var after = segments - i - 1;
            var lo = Math.Max(min, left - (after * max));
            var hi = Math.Min(max, left - (after * min));
            lengths[i] = after == 0 ? left : rng.NextInRange(lo, hi);
            left -= lengths[i];
        }
        return lengths;
    }

    /// <summary>Lengths drawn within [min, max] until <paramref name="total"/> is covered; the last takes what is left.</summary>
    public static int[] Free(ref SplitMix64 rng, int total, int min, int max)
    {
        var segments = new List<int>();
        for (var left = total; left > 0;)
        {
            var n = Math.Min(left, rng.NextInRange(min, max));
            segments.Add(n);
            left -= n;
        }
        return [.. segments];
    }

    /// <summary>Throws, naming the job-file fields, when no cut of a substep fits the range.</summary>
    public static void Check(int substepTokens, int segments, int min, int max)
    {
        if (segments < 1)
            throw new ArgumentException($"segments_per_substep {segments}: at least one segment per substep");
        if (min < 2 || max < min)
            throw new ArgumentException($"segment_min {min}, segment_max {max}: need 2 <= segment_min <= segment_max");
        if ((long)segments * min > substepTokens || (long)segments * max < substepTokens)
            throw new ArgumentException(
                $"{segments} segments of {min}..{max} tokens cannot make a substep of {substepTokens}: " +
                "widen segment_min..segment_max or change substep_tokens or segments_per_substep");
    }
}
