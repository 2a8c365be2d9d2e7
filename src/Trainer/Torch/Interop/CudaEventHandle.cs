using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>Owns one CUDA event handle of the shim.</summary>
internal sealed class CudaEventHandle : SafeHandle
{
    public CudaEventHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dst_cuda_event_free(handle);
        return true;
    }
}
