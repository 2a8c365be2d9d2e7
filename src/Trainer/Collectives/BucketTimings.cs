namespace Distributed.Trainer.Collectives;

/// <summary>
/// When each gradient bucket of the last synchronized step became ready (its last gradient accumulated)
/// and when its all-reduce was launched, and when backward had ended (FinishAndWait was called); steady
/// clock in nanoseconds, 0 where it did not happen. Indices are those of <see cref="BucketAllReducer.Buckets"/>.
/// </summary>
public sealed record BucketTimings(long[] ReadyNs, long[] LaunchNs, int[] ReadyOrder, long FinishNs)
{
    /// <summary>Buckets whose all-reduce was launched while backward was still running.</summary>
    public int LaunchedDuringBackward => LaunchNs.Count(t => t != 0 && t < FinishNs);
}
