using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Nn;

/// <summary>Layer norm over the last dimension with a gain (ones) and a bias (zeros).</summary>
public sealed class LayerNorm : Module
{
    private readonly double _eps;

    public LayerNorm(long dim, double eps = 1e-5, bool bias = true)
    {
        _eps = eps;
        Weight = RegisterParameter("weight", Tensor.Ones([dim]));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros([dim]));
    }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    public Tensor Forward(Tensor x) => Functional.LayerNorm(x, Weight.Data, Bias?.Data, _eps);
}
