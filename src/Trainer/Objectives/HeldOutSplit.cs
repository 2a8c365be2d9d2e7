using Distributed.Trainer.Data;
using Distributed.Trainer.Training;

namespace Distributed.Trainer.Objectives;

/// <summary>
/// Splits a catalog into training samples and eval_samples held-out samples, evenly spaced over the catalog (so
/// over the whole dataset: the held-out loss is not the loss of whichever texts happen to come last), which never
/// train. The split depends on the count only, so every rank makes the same one; the ids name it, so a cursor of
/// one split is never taken for another.
/// </summary>
public static class HeldOutSplit
{
    public static (ISampleSource<T> Train, ISampleSource<T> HeldOut) Of<T>(ISampleSource<T> all, int evalSamples, string objective, string dataName)
    {
        if (all.Count < 2 * (long)evalSamples || all.Count < 2)
            throw new JobException(
                $"the dataset {dataName} makes {all.Count} {objective} samples, too few to train and hold out eval_samples {evalSamples}: " +
                "give more text (--dataset), shorter samples (seq_len, substep_tokens, span_tokens in the job file), or fewer eval_samples (--eval-samples)");
        // Held-out sample i is catalog index floor((i + 1/2) · N / E): evenly spaced, strictly increasing as N >= 2E.
        var heldOut = Enumerable.Range(0, evalSamples).Select(i => (long)(((2L * i) + 1) * all.Count / (2L * evalSamples))).ToArray();
        return (new Remaining<T>(all, heldOut), new Picked<T>(all, heldOut));
    }

    private sealed class Picked<T>(ISampleSource<T> all, long[] indices) : ISampleSource<T>
    {
        public string DatasetId { get; } = $"{all.DatasetId}/held-out-{indices.Length}";

        public ulong Seed => all.Seed;

        public long Count => indices.Length;

        public T Get(long sampleIndex, int epoch) => all.Get(indices[sampleIndex], epoch);
    }

    // Every catalog index but the held-out ones, in order.
    private sealed class Remaining<T>(ISampleSource<T> all, long[] heldOut) : ISampleSource<T>
    {
        // Train index j sits after every held-out index h_i with h_i - i <= j (a non-decreasing sequence).
        private readonly long[] _gaps = [.. heldOut.Select((h, i) => h - i)];

        public string DatasetId { get; } = $"{all.DatasetId}/train-{heldOut.Length}";

        public ulong Seed => all.Seed;

        public long Count => all.Count - heldOut.Length;

        public T Get(long sampleIndex, int epoch)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(sampleIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sampleIndex, Count);
            var i = Array.BinarySearch(_gaps, sampleIndex);
            if (i < 0) i = ~i;
            else while (i < _gaps.Length && _gaps[i] <= sampleIndex) i++;
            return all.Get(sampleIndex + i, epoch);
        }
    }
}
