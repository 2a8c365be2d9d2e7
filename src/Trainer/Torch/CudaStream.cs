using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

/// <summary>
/// A CUDA stream of libtorch's pool, for work that runs beside the current stream's (a snapshot's device-to-host
/// copies while training goes on). Order it against other streams with <see cref="CudaEvent"/>s. Needs a CUDA build.
/// </summary>
public sealed unsafe class CudaStream : IDisposable
{
    private readonly CudaStreamHandle _handle;

    private CudaStream(CudaStreamHandle handle, int device)
    {
        _handle = handle;
        Device = device;
    }

    /// <summary>The CUDA device index the stream belongs to.</summary>
    public int Device { get; }

    internal CudaStreamHandle Handle => _handle;

    public static CudaStream FromPool(int device = 0)
    {
        Check.Ok(dst_cuda_stream_from_pool(device, out var handle), nameof(FromPool));
        return new CudaStream(handle, device);
    }

    /// <summary>
    /// Queues <c>destinations[i].Copy_(sources[i], nonBlocking: true)</c> on this stream. A device-to-host copy into
    /// pinned memory returns at once: record an event on this stream after it to know when the bytes are there, and
    /// make writers of the sources wait for that event.
    /// </summary>
    public void Copy(IReadOnlyList<Tensor> destinations, IReadOnlyList<Tensor> sources)
    {
        if (destinations.Count != sources.Count)
            throw new ArgumentException($"{destinations.Count} destinations for {sources.Count} sources", nameof(sources));
        Tensor.WithHandles(destinations, d => Tensor.WithHandles(sources, s =>
        {
            fixed (nint* pd = d)
            fixed (nint* ps = s)
                Check.Ok(dst_cuda_copy_on_stream(_handle, pd, ps, d.Length), nameof(Copy));
            return 0;
        }));
    }

    public void Dispose() => _handle.Dispose();
}
