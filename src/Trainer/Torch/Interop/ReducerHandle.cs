using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>Owns one bucket reducer (its autograd hooks are removed on release).</summary>
internal sealed class ReducerHandle : SafeHandle
{
    public ReducerHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dst_dist_reducer_free(handle);
        return true;
    }
}
