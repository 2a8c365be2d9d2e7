using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

/// <summary>
/// A CUDA event: a point in a stream's queue that other streams (<see cref="Block"/>) or the host
/// (<see cref="Synchronize"/>) can wait for. An event never recorded counts as done. Needs a CUDA build.
/// Not for concurrent use: one thread records it, and others wait only for a recording they were handed.
/// </summary>
public sealed class CudaEvent : IDisposable
{
    private readonly CudaEventHandle _handle;

    public CudaEvent()
    {
        Check.Ok(dst_cuda_event_new(out var handle), nameof(CudaEvent));
        _handle = handle;
    }

    /// <summary>Marks the work queued so far on <paramref name="stream"/> (default: the calling thread's current stream of <paramref name="device"/>).</summary>
    public void Record(CudaStream? stream = null, int device = 0) =>
        WithStream(stream, device, (s, d) => Check.Ok(dst_cuda_event_record(_handle, s, d), nameof(Record)));

    /// <summary>Work queued on <paramref name="stream"/> (default: the current stream) from now on waits for this event, on the device: the host goes on.</summary>
    public void Block(CudaStream? stream = null, int device = 0) =>
        WithStream(stream, device, (s, d) => Check.Ok(dst_cuda_event_block(_handle, s, d), nameof(Block)));

    /// <summary>Waits on the host until the recorded work is done.</summary>
    public void Synchronize() => Check.Ok(dst_cuda_event_synchronize(_handle), nameof(Synchronize));

    /// <summary>Whether the recorded work is done (never waits).</summary>
    public bool IsComplete
    {
        get
        {
            Check.Ok(dst_cuda_event_query(_handle, out var done), nameof(IsComplete));
            return done != 0;
        }
    }

    public void Dispose() => _handle.Dispose();

    private static void WithStream(CudaStream? stream, int device, Action<nint, int> call)
    {
        if (stream is null)
        {
            call(nint.Zero, device);
            return;
        }
        var added = false;
        stream.Handle.DangerousAddRef(ref added);
        try
        {
            call(stream.Handle.DangerousGetHandle(), stream.Device);
        }
        finally
        {
            if (added) stream.Handle.DangerousRelease();
        }
    }
}
