using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Nn;

/// <summary>y = x W^T + b with W (out, in). Default init is PyTorch's: uniform in ±1/sqrt(in).</summary>
public sealed class Linear : Module
{
    public Linear(long inFeatures, long outFeatures, bool bias = true, Generator? generator = null, double? initStd = null)
    {
        var bound = 1.0 / Math.Sqrt(inFeatures);
        var w = Tensor.Empty([outFeatures, inFeatures]);
        if (initStd is { } std) w.Normal_(0, std, generator);
        else w.Uniform_(-bound, bound, generator);
        Weight = RegisterParameter("weight", w);
        if (bias)
        {
            var b = Tensor.Empty([outFeatures]);
            if (initStd is not null) b.Zero_();
            else b.Uniform_(-bound, bound, generator);
            Bias = RegisterParameter("bias", b);
        }
    }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    public Tensor Forward(Tensor x) => Functional.Linear(x, Weight.Data, Bias?.Data);
}
