using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>Owns one process group (shared with the reducers built on it).</summary>
internal sealed class ProcessGroupHandle : SafeHandle
{
    public ProcessGroupHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dst_dist_pg_free(handle);
        return true;
    }
}
