using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Nn;

/// <summary>RMS norm over the last dimension with a gain (ones), as in Llama.</summary>
public sealed class RmsNorm : Module
{
    private readonly double _eps;

    public RmsNorm(long dim, double eps = 1e-6)
    {
        _eps = eps;
        Weight = RegisterParameter("weight", Tensor.Ones([dim]));
    }

    public Parameter Weight { get; }

    public Tensor Forward(Tensor x) => Functional.RmsNorm(x, Weight.Data, _eps);
}
