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
    [LibraryImport(Lib)] internal static partial int dst_cuda_stream_from_pool(int device, out CudaStreamHandle stream);
    [LibraryImport(Lib)] internal static partial void dst_cuda_stream_free(nint stream);
    [LibraryImport(Lib)] internal static partial int dst_cuda_event_new(out CudaEventHandle evt);
    [LibraryImport(Lib)] internal static partial void dst_cuda_event_free(nint evt);
    [LibraryImport(Lib)] internal static partial int dst_cuda_event_record(CudaEventHandle evt, nint stream, int device);
    [LibraryImport(Lib)] internal static partial int dst_cuda_event_block(CudaEventHandle evt, nint stream, int device);
    [LibraryImport(Lib)] internal static partial int dst_cuda_event_synchronize(CudaEventHandle evt);
    [LibraryImport(Lib)] internal static partial int dst_cuda_event_query(CudaEventHandle evt, out int done);
    [LibraryImport(Lib)] internal static partial int dst_cuda_copy_on_stream(CudaStreamHandle stream, nint* destinations, nint* sources, int count);
}
