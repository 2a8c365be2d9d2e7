using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

// Autograd (mirrors Native/dst_autograd.cpp). The graph and its backward are libtorch's.
public sealed partial class Tensor
{
    public bool RequiresGrad
    {
        get
        {
            Check.Ok(dst_autograd_requires_grad(Handle, out var r), nameof(RequiresGrad));
            return r != 0;
        }
        set => Check.Ok(dst_autograd_set_requires_grad(Handle, value ? 1 : 0), nameof(RequiresGrad));
    }

    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    public bool IsLeaf
    {
        get
        {
            Check.Ok(dst_autograd_is_leaf(Handle, out var r), nameof(IsLeaf));
            return r != 0;
        }
    }

    /// <summary>A new handle to the accumulated gradient, or null when backward has not reached this tensor.</summary>
    public Tensor? Grad()
    {
        Check.Ok(dst_autograd_grad(Handle, out var h), nameof(Grad));
        if (h.IsInvalid)
        {
            h.Dispose();
            return null;
        }
        return new Tensor(h);
    }

    /// <summary>
    /// Sets the gradient tensor (null clears it). Backward then accumulates into it in place, so a view of
    /// a flat buffer keeps receiving this tensor's gradients.
    /// </summary>
    public void SetGrad(Tensor? grad) => Check.Ok(dst_autograd_set_grad(Handle, HandleOrNull(grad)), nameof(SetGrad));

    public void Backward(Tensor? gradient = null, bool retainGraph = false) =>
        Check.Ok(dst_autograd_backward(Handle, HandleOrNull(gradient), retainGraph ? 1 : 0), nameof(Backward));

    /// <summary>The same data, cut from the autograd graph.</summary>
    public Tensor Detach() => Check.Result(dst_autograd_detach(Handle, out var h), h, nameof(Detach));
}
