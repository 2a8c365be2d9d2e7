using System.Diagnostics;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Collectives;

/// <summary>
/// An asynchronous collective in flight. The tensor it works on must stay alive and untouched until
/// <see cref="Wait"/> returns. Dispose it after waiting.
/// </summary>
public sealed class CollectiveWork : IDisposable
{
    // A Gloo wait is taken in slices so that Abort from another thread ends it within one slice; the
    // slice costs nothing while the work runs normally (the wait returns the moment the work completes).
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

    private readonly ProcessGroup _group;
    private readonly WorkHandle _handle;
    private readonly DType? _dtype;

    internal CollectiveWork(ProcessGroup group, string op, WorkHandle handle, DType? dtype = null)
    {
        _group = group;
        Op = op;
        _handle = handle;
        _dtype = dtype;
    }

    /// <summary>The collective, as named in a <see cref="CollectiveException"/>.</summary>
    public string Op { get; }

    public bool IsCompleted
    {
        get
        {
            if (dst_dist_work_is_completed(_handle, out var done) != 0) throw _group.Failure(Op);
            return done != 0;
        }
    }

    /// <summary>
    /// Waits for the collective. Without a timeout: Gloo blocks until it completes or fails (at the latest
    /// at the group's timeout); NCCL makes the current CUDA stream wait for it and returns at once. With a
    /// timeout the host blocks at most that long and then fails with <see cref="CollectiveFailure.Timeout"/>
    /// (on NCCL the communicator is aborted then). A failed collective, or an abort of the group from
    /// another thread, throws a <see cref="CollectiveException"/>.
    /// </summary>
    public void Wait(TimeSpan? timeout = null)
    {
        if (timeout is { } t && t < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), t, "a wait's timeout is not negative");
        if (_group.Backend == CollectiveBackend.Nccl)
        {
            if (!WaitOnce(timeout is { } limit ? (long)limit.TotalMilliseconds : -1))
                throw _group.Failure(Op, CollectiveFailure.Timeout, $"did not complete within {timeout!.Value.TotalSeconds:F1} s");
            return;
        }
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var slice = Slice;
            if (timeout is { } limit)
            {
                var left = limit - Stopwatch.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                    throw _group.Failure(Op, CollectiveFailure.Timeout, $"did not complete within {limit.TotalSeconds:F1} s");
                if (left < slice) slice = left;
            }
            if (WaitOnce(Math.Max(1, (long)slice.TotalMilliseconds))) return;
            if (_group.IsAborted) throw _group.Failure(Op, CollectiveFailure.Aborted, CollectiveException.AbortedMessage);
        }
    }

    private bool WaitOnce(long timeoutMs)
    {
        if (dst_dist_work_wait(_handle, timeoutMs, out var completed) != 0) throw _group.Failure(Op, _dtype);
        return completed != 0;
    }

    public void Dispose() => _handle.Dispose();
}
