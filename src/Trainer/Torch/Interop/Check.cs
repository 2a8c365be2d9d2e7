using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>Turns the shim's return codes into <see cref="TorchException"/>s that carry libtorch's message.</summary>
internal static class Check
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ok(int rc, string op)
    {
        if (rc != 0) Throw(op);
    }

    /// <summary>Wraps a new native tensor, or throws (and releases the empty handle) when the call failed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tensor Result(int rc, TensorHandle handle, string op)
    {
        if (rc != 0)
        {
            handle.Dispose();
            Throw(op);
        }
        return new Tensor(handle);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void Throw(string op) =>
        throw new TorchException(op, Marshal.PtrToStringUTF8(NativeMethods.dst_last_error()) ?? "(no message)");
}
