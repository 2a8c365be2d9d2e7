using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Nn;

/// <summary>A lookup table of <c>count</c> vectors of size <c>dim</c>, initialised N(0, std).</summary>
public sealed class Embedding : Module
{
    public Embedding(long count, long dim, Generator? generator = null, double std = 1.0)
    {
        Weight = RegisterParameter("weight", ParameterInit.Normal(Tensor.Empty([count, dim]), std, generator));
    }

    public Parameter Weight { get; }

    public Tensor Forward(Tensor ids) => Functional.Embedding(Weight.Data, ids);
}
