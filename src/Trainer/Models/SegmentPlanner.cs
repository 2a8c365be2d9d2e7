using Distributed.Trainer.Data;

namespace Distributed.Trainer.Models;

/// <summary>
/// Randomized segmentation of AutoCompressor documents. Each substep of <c>substepLength</c> tokens is cut into
/// <c>segments</c> lengths drawn uniformly within [min, max] such that they sum to the substep (so every
/// segment fits the context), drawn afresh per substep by a seeded generator whose algorithm is fixed here
/// (SplitMix64), so a plan is a pure function of (seed, document index).
/// </summary>
public sealed class SegmentPlanner
{
    public SegmentPlanner(int substepLength, int segments, int minLength, int maxLength)
    {
        if (segments < 1) throw new ArgumentOutOfRangeException(nameof(segments), segments, "at least one segment per substep");
        if (minLength < 2 || maxLength < minLength)
            throw new ArgumentException($"segment lengths [{minLength}, {maxLength}]: need 2 <= min <= max", nameof(minLength));
        if ((long)segments * minLength > substepLength || (long)segments * maxLength < substepLength)
            throw new ArgumentException(
                $"{segments} segments of {minLength}..{maxLength} tokens cannot make a substep of {substepLength}: widen the range or change the substep",
                nameof(substepLength));
        SubstepLength = substepLength;
        Segments = segments;
        MinLength = minLength;
        MaxLength = maxLength;
    }

    public int SubstepLength { get; }

    public int Segments { get; }

    public int MinLength { get; }

    public int MaxLength { get; }

    /// <summary>The plan of a document of <paramref name="substeps"/> substeps, from (seed, document).</summary>
    public int[][] Plan(int substeps, ulong seed, ulong document)
    {
        var rng = new SplitMix64(SplitMix64.Derive(seed, document));
        var plan = new int[substeps][];
        for (var s = 0; s < substeps; s++)
        {
            var lengths = new int[Segments];
            var left = SubstepLength;
            for (var i = 0; i < Segments; i++)
            {
                var after = Segments - i - 1;
                // Keep what is left feasible for the segments after this one.
                var lo = Math.Max(MinLength, left - after * MaxLength);
                var hi = Math.Min(MaxLength, left - after * MinLength);
                lengths[i] = after == 0 ? left : rng.NextInRange(lo, hi);
                left -= lengths[i];
            }
            plan[s] = lengths;
        }
        return plan;
    }
}
