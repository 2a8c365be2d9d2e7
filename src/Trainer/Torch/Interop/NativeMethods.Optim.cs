using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

// Mirrors Native/dst_optim.cpp.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int dst_optim_adamw(nint* parameters, nint* grads, nint* expAvgs, nint* expAvgSqs, int n, long step,
        double lr, double beta1, double beta2, double eps, double weightDecay, int allowFused, out int fused);

    [LibraryImport(Lib)] internal static partial int dst_optim_clip_grad_norm(nint* grads, int n, double maxNorm, out TensorHandle totalNorm);
}
