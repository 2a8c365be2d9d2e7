using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Nn;

/// <summary>A small model with every kind of parameter the optimizer groups: matrices, biases, norm gains, an embedding.</summary>
internal sealed class TinyMlp : Module
{
    public TinyMlp(Generator g, int vocab = 11, int dim = 8)
    {
        Embed = RegisterModule("embed", new Embedding(vocab, dim, g, 0.5));
        Norm = RegisterModule("norm", new LayerNorm(dim));
        Up = RegisterModule("up", new Linear(dim, 2 * dim, bias: true, g));
        Down = RegisterModule("down", new Linear(2 * dim, vocab, bias: false, g));
    }

    public Embedding Embed { get; }

    public LayerNorm Norm { get; }

    public Linear Up { get; }

    public Linear Down { get; }

    public Tensor Forward(Tensor ids) => Down.Forward(Up.Forward(Norm.Forward(Embed.Forward(ids))).Gelu());

    public Tensor Loss(Tensor ids, Tensor targets)
    {
        var logits = Forward(ids);
        return Functional.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), targets.Reshape(-1));
    }
}
