using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Optim;

/// <summary>Hyper-parameters of AdamW (PyTorch's defaults except the weight decay, which is GPT's usual 0.1).</summary>
public sealed record AdamWOptions(double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 0.1, bool AllowFused = true);

/// <summary>
/// AdamW with decoupled weight decay, stepping each trainable bucket of <see cref="FlatParameters"/> as one
/// tensor. Decay applies to buckets of matrices only. Moments are flat buffers of the buckets' dtype, as PyTorch keeps them.
/// On libtorch's fused kernel where it exists (CUDA, libtorch >= 2.0), otherwise the foreach kernels.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly FlatParameters _parameters;
    private readonly List<(ParameterBucket Bucket, Tensor ExpAvg, Tensor ExpAvgSq)> _state = [];

    public AdamW(FlatParameters parameters, AdamWOptions? options = null)
    {
        _parameters = parameters;
        Options = options ?? new AdamWOptions();
        foreach (var b in parameters.TrainableBuckets)
        {
            var m = Tensor.Zeros(b.Data.Shape, b.Data.DType, b.Data.Device);
            var v = Tensor.Zeros(b.Data.Shape, b.Data.DType, b.Data.Device);
            TensorScope.Untrack(m);
            TensorScope.Untrack(v);
            _state.Add((b, m, v));
        }
    }

    public AdamWOptions Options { get; }

    /// <summary>Number of steps taken (the bias corrections use it).</summary>
    public long StepCount { get; private set; }

    /// <summary>True when the last step ran libtorch's fused kernel.</summary>
    public bool LastStepFused { get; private set; }

    /// <summary>First and second moments per trainable bucket, for checkpoints.</summary>
    public IReadOnlyList<(ParameterBucket Bucket, Tensor ExpAvg, Tensor ExpAvgSq)> State => _state;

    public void Step(double lr)
    {
        StepCount++;
        var fused = true;
        foreach (var decays in new[] { true, false })
        {
            var group = _state.Where(s => s.Bucket.Decays == decays).ToList();
            if (group.Count == 0) continue;
            var wd = decays ? Options.WeightDecay : 0.0;
            var ranFused = OptimizerKernels.AdamW_(
                group.Select(s => s.Bucket.Data).ToList(), group.Select(s => s.Bucket.Grad!).ToList(),
                group.Select(s => s.ExpAvg).ToList(), group.Select(s => s.ExpAvgSq).ToList(),
                StepCount, lr, Options.Beta1, Options.Beta2, Options.Eps, wd, Options.AllowFused);
            fused &= ranFused;
        }
        LastStepFused = fused;
    }

    /// <summary>Restores the step count from a checkpoint (moments are restored through <see cref="State"/>).</summary>
    public void SetStepCount(long steps) => StepCount = steps;

    public void Dispose()
    {
        foreach (var (_, m, v) in _state)
        {
            m.Dispose();
            v.Dispose();
        }
        _state.Clear();
    }
}
