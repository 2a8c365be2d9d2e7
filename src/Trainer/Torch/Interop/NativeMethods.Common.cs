using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

// Mirrors Native/dst_common.cpp. Every import that can fail returns 0 or -1; see Check.
internal static unsafe partial class NativeMethods
{
    internal const string Lib = "dst_native";

    // Runs before the first call into the shim: the resolver must be in place before the library loads.
    static NativeMethods() => NativeLibraryResolver.Register();

    [LibraryImport(Lib)] internal static partial nint dst_last_error();
    [LibraryImport(Lib)] internal static partial void dst_tensor_free(nint t);
    [LibraryImport(Lib)] internal static partial long dst_live_tensors();
    [LibraryImport(Lib)] internal static partial int dst_torch_version(out int major, out int minor, out int patch);
    [LibraryImport(Lib)] internal static partial int dst_capabilities();
    [LibraryImport(Lib)] internal static partial int dst_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int dst_blas_set_num_threads(int n, out int applied);
    [LibraryImport(Lib)] internal static partial int dst_thread_settings(out int intraOp, out int interOp, out int blasThreads, out int blasParallel);
    [LibraryImport(Lib)] internal static partial nint dst_blas_config();
    [LibraryImport(Lib)] internal static partial int dst_manual_seed(long seed);
}
