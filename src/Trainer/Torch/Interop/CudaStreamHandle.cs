using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>Owns one CUDA stream handle of the shim.</summary>
internal sealed class CudaStreamHandle : SafeHandle
{
    public CudaStreamHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dst_cuda_stream_free(handle);
        return true;
    }
}
