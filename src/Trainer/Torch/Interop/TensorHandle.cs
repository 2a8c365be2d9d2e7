using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>Owns one native tensor handle (an at::Tensor on the native heap).</summary>
internal sealed class TensorHandle : SafeHandle
{
    /// <summary>Passed where an optional tensor argument is absent: the marshaller refuses a null SafeHandle.</summary>
    internal static readonly TensorHandle Null = new();

    public TensorHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dst_tensor_free(handle);
        return true;
    }
}
