using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>Owns one c10d TCPStore (a server or a client).</summary>
internal sealed class StoreHandle : SafeHandle
{
    public StoreHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dst_dist_store_free(handle);
        return true;
    }
}
