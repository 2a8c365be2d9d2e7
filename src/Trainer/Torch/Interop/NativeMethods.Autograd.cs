using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

// Mirrors Native/dst_autograd.cpp.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dst_autograd_set_requires_grad(TensorHandle t, int requiresGrad);
    [LibraryImport(Lib)] internal static partial int dst_autograd_requires_grad(TensorHandle t, out int result);
    [LibraryImport(Lib)] internal static partial int dst_autograd_is_leaf(TensorHandle t, out int result);
    [LibraryImport(Lib)] internal static partial int dst_autograd_grad(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_autograd_set_grad(TensorHandle t, TensorHandle grad);
    [LibraryImport(Lib)] internal static partial int dst_autograd_backward(TensorHandle t, TensorHandle grad, int retainGraph);
    [LibraryImport(Lib)] internal static partial int dst_autograd_detach(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_autograd_is_grad_enabled(out int result);
    [LibraryImport(Lib)] internal static partial int dst_autograd_set_grad_enabled(int enabled);
}
