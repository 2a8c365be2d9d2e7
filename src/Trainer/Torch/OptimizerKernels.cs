using Distributed.Trainer.Torch.Interop;
using static Distributed.Trainer.Torch.Interop.NativeMethods;

namespace Distributed.Trainer.Torch;

/// <summary>
/// In-place optimizer kernels over lists of tensors (mirrors Native/dst_optim.cpp), so optimizers are plain C#
/// over the public tensor API, as <see cref="Functional"/> is for modules.
/// </summary>
public static unsafe class OptimizerKernels
{
    /// <summary>
    /// One AdamW update (PyTorch's formulation, decoupled weight decay) of <paramref name="parameters"/> in place,
    /// with their gradients and first and second moments, all lists of equal length and matching shapes.
    /// <paramref name="step"/> is the 1-based step count after this update (bias corrections). Runs libtorch's
    /// fused kernel when <paramref name="allowFused"/> and libtorch has one for the device (CUDA, libtorch &gt;= 2.0;
    /// CPU too from 2.4), otherwise its foreach kernels. Returns whether the fused kernel ran.
    /// </summary>
    public static bool AdamW_(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> grads, IReadOnlyList<Tensor> expAvgs,
        IReadOnlyList<Tensor> expAvgSqs, long step, double lr, double beta1, double beta2, double eps, double weightDecay, bool allowFused)
    {
        var n = parameters.Count;
        if (grads.Count != n || expAvgs.Count != n || expAvgSqs.Count != n)
            throw new ArgumentException($"AdamW_: {n} parameters, {grads.Count} gradients, {expAvgs.Count} and {expAvgSqs.Count} moments");
        return Tensor.WithHandles(parameters, ph => Tensor.WithHandles(grads, gh => Tensor.WithHandles(expAvgs, mh => Tensor.WithHandles(expAvgSqs, vh =>
        {
            fixed (nint* pp = ph, gp = gh, mp = mh, vp = vh)
            {
                Check.Ok(dst_optim_adamw(pp, gp, mp, vp, n, step, lr, beta1, beta2, eps, weightDecay, allowFused ? 1 : 0, out var fused),
                    nameof(AdamW_));
                return fused != 0;
            }
        }))));
    }

    /// <summary>
    /// Scales <paramref name="grads"/> in place so that their global L2 norm is at most <paramref name="maxNorm"/>.
    /// Returns the norm before clipping as a 0-d float32 tensor on the device; reading it syncs, so the caller
    /// decides when.
    /// </summary>
    public static Tensor ClipGradNorm_(IReadOnlyList<Tensor> grads, double maxNorm)
    {
        if (grads.Count == 0) throw new ArgumentException("ClipGradNorm_: no gradients", nameof(grads));
        return Tensor.WithHandles(grads, handles =>
        {
            fixed (nint* p = handles)
                return Check.Result(dst_optim_clip_grad_norm(p, handles.Length, maxNorm, out var h), h, nameof(ClipGradNorm_));
        });
    }
}
