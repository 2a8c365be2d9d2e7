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

    public static void SetNumThreads(int n) => Check.Ok(dst_set_num_threads(n), nameof(SetNumThreads));

    /// <summary>Seeds libtorch's default generators (used where no <see cref="Generator"/> is passed).</summary>
    public static void ManualSeed(long seed) => Check.Ok(dst_manual_seed(seed), nameof(ManualSeed));
}
