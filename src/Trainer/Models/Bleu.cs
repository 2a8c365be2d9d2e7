namespace Distributed.Trainer.Models;

/// <summary>
/// Corpus BLEU-4 (Papineni et al.): clipped n-gram precisions for n = 1..4 summed over the corpus, their
/// geometric mean, times the brevity penalty exp(1 − r/c) when the candidates are shorter than the references.
/// Over token ids, one reference per candidate. 0 when some n-gram order has no match (no smoothing).
/// </summary>
public static class Bleu
{
    public static double Corpus(IReadOnlyList<long[]> candidates, IReadOnlyList<long[]> references, int maxOrder = 4)
    {
        if (candidates.Count != references.Count)
            throw new ArgumentException($"{candidates.Count} candidates for {references.Count} references", nameof(references));
        var matches = new long[maxOrder];
        var totals = new long[maxOrder];
        long candidateLength = 0, referenceLength = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var r = references[i];
            candidateLength += c.Length;
            referenceLength += r.Length;
            for (var n = 1; n <= maxOrder; n++)
            {
                var refCounts = Counts(r, n);
                foreach (var (gram, count) in Counts(c, n))
                    matches[n - 1] += Math.Min(count, refCounts.GetValueOrDefault(gram));
                totals[n - 1] += Math.Max(0, c.Length - n + 1);
            }
        }
        if (candidateLength == 0 || matches.Any(m => m == 0)) return 0;
        var logPrecision = Enumerable.Range(0, maxOrder).Sum(n => Math.Log((double)matches[n] / totals[n])) / maxOrder;
        var brevity = candidateLength >= referenceLength ? 1.0 : Math.Exp(1 - (double)referenceLength / candidateLength);
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
