using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Optim;

public static unsafe class GradientClipping
{
    /// <summary>
    /// Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/>. Returns the norm
    /// before clipping as a 0-d float32 tensor on the device (reading it syncs; the caller decides when).
    /// </summary>
    public static Tensor ClipGradNorm(FlatParameters parameters, double maxNorm)
    {
        var grads = parameters.TrainableBuckets.Select(b => b.Grad!).ToList();
        if (grads.Count == 0) throw new InvalidOperationException("ClipGradNorm: no trainable parameters");
        return Tensor.WithHandles(grads, handles =>
        {
            fixed (nint* p = handles)
                return Check.Result(dst_optim_clip_grad_norm(p, handles.Length, maxNorm, out var h), h, nameof(ClipGradNorm));
        });
    }
}
