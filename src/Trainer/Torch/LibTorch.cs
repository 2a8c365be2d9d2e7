using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

/// <summary>Process-wide facts and settings of the libtorch the shim was built against.</summary>
public static class LibTorch
{
    public static Version Version
    {
        get
        {
            Check.Ok(dst_torch_version(out var major, out var minor, out var patch), nameof(Version));
            return new Version(major, minor, patch);
        }
    }

    /// <summary>True when libtorch has fused scaled-dot-product attention (>= 2.x); otherwise the shim composes it.</summary>
    public static bool HasFusedAttention => (dst_capabilities() & 1) != 0;

    /// <summary>True when libtorch has fused AdamW kernels (>= 2.0 on CUDA, >= 2.4 on CPU too).</summary>
    public static bool HasFusedAdamW => (dst_capabilities() & 2) != 0;

    public static bool BuiltWithCuda => (dst_capabilities() & 4) != 0;

    /// <summary>True when the shim has c10d's Gloo collectives (CPU tensors; built with libgloo-dev's headers).</summary>
    public static bool HasGloo => (dst_capabilities() & 8) != 0;

    /// <summary>True when the shim has c10d's NCCL collectives (CUDA tensors; built against a pip torch with CUDA).</summary>
    public static bool HasNccl => (dst_capabilities() & 16) != 0;

    /// <summary>Native tensor handles alive in this process; flat across steps when nothing leaks.</summary>
    public static long LiveTensors => dst_live_tensors();

    /// <summary>
    /// Sets the CPU thread pools to <paramref name="intraOp"/> threads: libtorch's intra-op (OpenMP) pool, and
    /// the BLAS so that it does not compete with it. With OpenBLAS on OpenMP (preloaded when libopenblas0-openmp
    /// is installed, see NativeLibraryResolver) the GEMMs share libtorch's pool. With OpenBLAS's own pthreads
    /// pool beside it, two pools of spinning threads on the same cores made steps several times slower than
    /// one thread, so that BLAS gets one thread when libtorch has more. Call it once at process start: before
    /// the library loads it also makes the count the default of every thread (OMP_NUM_THREADS); threads that
    /// have already run libtorch ops keep the count they had.
    /// </summary>
    public static CpuThreads ConfigureThreads(int intraOp)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOp, 1);
        NativeLibraryResolver.RequestThreads(intraOp);
        Check.Ok(dst_set_num_threads(intraOp), nameof(ConfigureThreads));
        var blas = Threads.Blas == BlasThreading.Pthreads && intraOp > 1 ? 1 : intraOp;
        Check.Ok(dst_blas_set_num_threads(blas, out _), nameof(ConfigureThreads));
        return Threads;
    }

    /// <summary>The thread pools in effect for the calling thread.</summary>
    public static CpuThreads Threads
    {
        get
        {
            Check.Ok(dst_thread_settings(out var intra, out var inter, out var blasThreads, out var parallel), nameof(Threads));
            var blas = Enum.IsDefined((BlasThreading)parallel) ? (BlasThreading)parallel : BlasThreading.Unknown;
            return new CpuThreads(intra, inter, blasThreads, blas, NativeLibraryResolver.PreloadedBlas,
                System.Runtime.InteropServices.Marshal.PtrToStringUTF8(dst_blas_config()) ?? "", NativeLibraryResolver.WaitPolicy);
        }
    }

    /// <summary>Seeds libtorch's default generators (used where no <see cref="Generator"/> is passed).</summary>
    public static void ManualSeed(long seed) => Check.Ok(dst_manual_seed(seed), nameof(ManualSeed));
}
