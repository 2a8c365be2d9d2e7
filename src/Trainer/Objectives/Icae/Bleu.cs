namespace Distributed.Trainer.Objectives.Icae;

/// <summary>
/// Corpus BLEU-4 (Papineni et al.): clipped n-gram precisions for n = 1..4 summed over the corpus, their
/// geometric mean, times the brevity penalty exp(1 − r/c) when the candidates are shorter than the references.
/// Over token ids, one reference per candidate. 0 when some n-gram order has no match (no smoothing).
/// Every quantity is a sum over sentences (<see cref="Statistics"/>), so ranks can add theirs before scoring.
/// </summary>
public static class Bleu
{
    public const int MaxOrder = 4;

    public static double Corpus(IReadOnlyList<long[]> candidates, IReadOnlyList<long[]> references)
    {
        if (candidates.Count != references.Count)
            throw new ArgumentException($"{candidates.Count} candidates for {references.Count} references", nameof(references));
        var sums = new double[StatisticsLength];
        for (var i = 0; i < candidates.Count; i++) Statistics(candidates[i], references[i], sums);
        return Score(sums);
    }

    /// <summary>Length of the statistics vector: matches and totals per order, then candidate and reference lengths.</summary>
    public const int StatisticsLength = (2 * MaxOrder) + 2;

    /// <summary>Adds one sentence's clipped matches and n-gram totals per order and its lengths to <paramref name="sums"/>.</summary>
    public static void Statistics(long[] candidate, long[] reference, Span<double> sums)
    {
        for (var n = 1; n <= MaxOrder; n++)
        {
            var refCounts = Counts(reference, n);
            foreach (var (gram, count) in Counts(candidate, n))
                sums[n - 1] += Math.Min(count, refCounts.GetValueOrDefault(gram));
            sums[MaxOrder + n - 1] += Math.Max(0, candidate.Length - n + 1);
        }
        sums[2 * MaxOrder] += candidate.Length;
        sums[(2 * MaxOrder) + 1] += reference.Length;
    }

    /// <summary>BLEU-4 of summed <see cref="Statistics"/>.</summary>
    public static double Score(ReadOnlySpan<double> sums)
    {
        double candidateLength = sums[2 * MaxOrder], referenceLength = sums[(2 * MaxOrder) + 1];
        for (var n = 0; n < MaxOrder; n++)
            if (sums[n] == 0) return 0;
        if (candidateLength == 0) return 0;
        double logPrecision = 0;
        for (var n = 0; n < MaxOrder; n++) logPrecision += Math.Log(sums[n] / sums[MaxOrder + n]);
        logPrecision /= MaxOrder;
        var brevity = candidateLength >= referenceLength ? 1.0 : Math.Exp(1 - (referenceLength / candidateLength));
        return brevity * Math.Exp(logPrecision);
    }

    /// <summary>Fraction of the reference reproduced before the first wrong token.</summary>
    public static double ExactPrefix(long[] candidate, long[] reference)
    {
        var n = 0;
        while (n < Math.Min(candidate.Length, reference.Length) && candidate[n] == reference[n]) n++;
        return reference.Length == 0 ? 1 : (double)n / reference.Length;
    }

    private static Dictionary<string, int> Counts(long[] tokens, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i + n <= tokens.Length; i++)
        {
            var key = string.Join(',', tokens.AsSpan(i, n).ToArray());
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }
}
