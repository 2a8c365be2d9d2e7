namespace Distributed.Grains.Checkpoints;

/// <summary>
/// Which committed checkpoints a job keeps: the newest <c>keepLast</c>, and for good every <c>keepEvery</c>-th
/// (steps divisible by everySteps × keepEvery; none when either is 0). Only a checkpoint older than the newest
/// commit is ever given up, so there is always a committed checkpoint to restore from.
/// </summary>
public static class CheckpointRetention
{
    /// <summary>The steps among <paramref name="committed"/> to delete.</summary>
    public static IReadOnlyList<long> ToDelete(IEnumerable<long> committed, int keepLast, int keepEvery, int everySteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keepLast);
        var newestFirst = committed.Distinct().OrderDescending().ToList();
        var period = (long)keepEvery * everySteps;
        return [.. newestFirst.Skip(keepLast).Where(step => period <= 0 || step % period != 0)];
    }
}
