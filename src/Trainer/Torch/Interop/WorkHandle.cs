using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>Owns one collective's work handle.</summary>
internal sealed class WorkHandle : SafeHandle
{
    public WorkHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dst_dist_work_free(handle);
        return true;
    }
}
