using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Optim;

public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/>. Returns the norm
    /// before clipping as a 0-d float32 tensor on the device (reading it syncs; the caller decides when).
    /// </summary>
    public static Tensor ClipGradNorm(FlatParameters parameters, double maxNorm)
    {
        var grads = parameters.TrainableBuckets.Select(b => b.Grad!).ToList();
        if (grads.Count == 0) throw new InvalidOperationException("ClipGradNorm: no trainable parameters");
        return OptimizerKernels.ClipGradNorm_(grads, maxNorm);
    }
}
