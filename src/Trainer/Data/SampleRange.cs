namespace Distributed.Trainer.Data;

/// <summary>
/// Samples [start, start + count) of another source, as a source of its own: how a catalog is split into the part
/// that trains and the held-out part that only evaluates. Its id names the part, so a cursor of one part is never
/// taken for the other.
/// </summary>
public sealed class SampleRange<T>(ISampleSource<T> source, long start, long count, string part) : ISampleSource<T>
{
    public string DatasetId { get; } = $"{source.DatasetId}/{part}";

    public ulong Seed => source.Seed;

    public long Count => count;

    public T Get(long sampleIndex, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sampleIndex, count);
        return source.Get(start + sampleIndex, epoch);
    }
}
