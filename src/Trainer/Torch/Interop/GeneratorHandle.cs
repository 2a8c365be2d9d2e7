using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>Owns one native random-number generator (an at::Generator).</summary>
internal sealed class GeneratorHandle : SafeHandle
{
    /// <summary>Passed where no generator is given: the device's default generator is used.</summary>
    internal static readonly GeneratorHandle Null = new();

    public GeneratorHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dst_generator_free(handle);
        return true;
    }
}
