using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

// Mirrors Native/dst_shape.cpp.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dst_tensor_view(TensorHandle t, long* dims, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_reshape(TensorHandle t, long* dims, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_transpose(TensorHandle t, long dim0, long dim1, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_permute(TensorHandle t, long* dims, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_narrow(TensorHandle t, long dim, long start, long length, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_select(TensorHandle t, long dim, long index, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_expand(TensorHandle t, long* dims, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_contiguous(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_squeeze(TensorHandle t, long dim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_unsqueeze(TensorHandle t, long dim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_flatten(TensorHandle t, long startDim, long endDim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_repeat_interleave(TensorHandle t, long repeats, long dim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_cat(nint* tensors, int n, long dim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_stack(nint* tensors, int n, long dim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_index_select(TensorHandle t, long dim, TensorHandle index, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_gather(TensorHandle t, long dim, TensorHandle index, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_masked_fill(TensorHandle t, TensorHandle mask, double value, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_where(TensorHandle cond, TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_triu(TensorHandle t, long diagonal, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int dst_tensor_tril(TensorHandle t, long diagonal, out TensorHandle result);
}
