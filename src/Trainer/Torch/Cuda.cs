using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

/// <summary>CUDA devices. On a build without CUDA, DeviceCount is 0 and the other calls throw.</summary>
public static unsafe class Cuda
{
    public static int DeviceCount
    {
        get
        {
            Check.Ok(dst_cuda_device_count(out var n), nameof(DeviceCount));
            return n;
        }
    }

    public static bool IsAvailable => DeviceCount > 0;

    public static void Synchronize(int device = 0) => Check.Ok(dst_cuda_synchronize(device), nameof(Synchronize));

    public static CudaMemoryStats MemoryStats(int device = 0)
    {
        var s = stackalloc long[4];
        Check.Ok(dst_cuda_memory_stats(device, s), nameof(MemoryStats));
        return new CudaMemoryStats(s[0], s[1], s[2], s[3]);
    }

    public static void ResetPeakMemoryStats(int device = 0) => Check.Ok(dst_cuda_reset_peak_memory(device), nameof(ResetPeakMemoryStats));

    public static void EmptyCache() => Check.Ok(dst_cuda_empty_cache(), nameof(EmptyCache));
}

/// <summary>The caching allocator's counters, in bytes.</summary>
public readonly record struct CudaMemoryStats(long Allocated, long PeakAllocated, long Reserved, long PeakReserved);
