using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

// Mirrors Native/dst_cuda.cpp.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dst_cuda_device_count(out int count);
    [LibraryImport(Lib)] internal static partial int dst_cuda_synchronize(int device);
    [LibraryImport(Lib)] internal static partial int dst_cuda_memory_stats(int device, long* stats);
    [LibraryImport(Lib)] internal static partial int dst_cuda_reset_peak_memory(int device);
    [LibraryImport(Lib)] internal static partial int dst_cuda_empty_cache();
}
