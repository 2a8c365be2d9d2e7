using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

// Views and shape operations (mirrors Native/dst_shape.cpp).
public sealed unsafe partial class Tensor
{
    public Tensor View(params long[] shape)
    {
        fixed (long* s = shape) return Check.Result(dst_tensor_view(Handle, s, shape.Length, out var h), h, nameof(View));
    }

    public Tensor Reshape(params long[] shape)
    {
        fixed (long* s = shape) return Check.Result(dst_tensor_reshape(Handle, s, shape.Length, out var h), h, nameof(Reshape));
    }

    public Tensor Transpose(long dim0, long dim1) =>
        Check.Result(dst_tensor_transpose(Handle, dim0, dim1, out var h), h, nameof(Transpose));

    public Tensor Permute(params long[] dims)
    {
        fixed (long* s = dims) return Check.Result(dst_tensor_permute(Handle, s, dims.Length, out var h), h, nameof(Permute));
    }

    public Tensor Narrow(long dim, long start, long length) =>
        Check.Result(dst_tensor_narrow(Handle, dim, start, length, out var h), h, nameof(Narrow));

    public Tensor Select(long dim, long index) => Check.Result(dst_tensor_select(Handle, dim, index, out var h), h, nameof(Select));

    public Tensor Expand(params long[] shape)
    {
        fixed (long* s = shape) return Check.Result(dst_tensor_expand(Handle, s, shape.Length, out var h), h, nameof(Expand));
    }

    public Tensor Contiguous() => Check.Result(dst_tensor_contiguous(Handle, out var h), h, nameof(Contiguous));

    public Tensor Squeeze(long dim) => Check.Result(dst_tensor_squeeze(Handle, dim, out var h), h, nameof(Squeeze));

    public Tensor Unsqueeze(long dim) => Check.Result(dst_tensor_unsqueeze(Handle, dim, out var h), h, nameof(Unsqueeze));

    public Tensor Flatten(long startDim = 0, long endDim = -1) =>
        Check.Result(dst_tensor_flatten(Handle, startDim, endDim, out var h), h, nameof(Flatten));

    public Tensor RepeatInterleave(long repeats, long dim) =>
        Check.Result(dst_tensor_repeat_interleave(Handle, repeats, dim, out var h), h, nameof(RepeatInterleave));

    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) =>
        WithHandles(tensors, handles =>
        {
            fixed (nint* p = handles) return Check.Result(dst_tensor_cat(p, handles.Length, dim, out var h), h, nameof(Cat));
        });

    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) =>
        WithHandles(tensors, handles =>
        {
            fixed (nint* p = handles) return Check.Result(dst_tensor_stack(p, handles.Length, dim, out var h), h, nameof(Stack));
        });

    public Tensor IndexSelect(long dim, Tensor index) =>
        Check.Result(dst_tensor_index_select(Handle, dim, index.Handle, out var h), h, nameof(IndexSelect));

    public Tensor Gather(long dim, Tensor index) => Check.Result(dst_tensor_gather(Handle, dim, index.Handle, out var h), h, nameof(Gather));

    public Tensor MaskedFill(Tensor mask, double value) =>
        Check.Result(dst_tensor_masked_fill(Handle, mask.Handle, value, out var h), h, nameof(MaskedFill));

    public static Tensor Where(Tensor condition, Tensor a, Tensor b) =>
        Check.Result(dst_tensor_where(condition.Handle, a.Handle, b.Handle, out var h), h, nameof(Where));

    public Tensor Triu(long diagonal = 0) => Check.Result(dst_tensor_triu(Handle, diagonal, out var h), h, nameof(Triu));

    public Tensor Tril(long diagonal = 0) => Check.Result(dst_tensor_tril(Handle, diagonal, out var h), h, nameof(Tril));
}
