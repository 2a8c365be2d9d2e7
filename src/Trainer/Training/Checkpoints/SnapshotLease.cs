namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// A snapshot's hold on its session's host buffers (<see cref="SnapshotStaging"/>): until it is disposed, the next
/// snapshot cannot start, so its bytes stay as they were taken. Disposing it more than once, or from another thread
/// than the training thread, is fine.
/// </summary>
internal sealed class SnapshotLease(SnapshotStaging staging) : IDisposable
{
    private int _released;

    /// <summary>
    /// Waits until the snapshot's device-to-host copies are done (at once on the CPU). Once released there is nothing
    /// to wait for: whoever released it had waited, and the bytes are the caller's risk (see <see cref="TrainingSnapshot"/>).
    /// </summary>
    public void WaitCopied()
    {
        if (Volatile.Read(ref _released) == 0) staging.WaitCopied();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) staging.Release(this);
    }
}
