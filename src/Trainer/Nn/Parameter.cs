using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Nn;

/// <summary>
/// A learnable tensor of a module. Its data starts as a standalone tensor and is re-pointed into a flat
/// bucket by <see cref="FlatParameters"/>; modules always read <see cref="Data"/>, so they never notice.
/// </summary>
public sealed class Parameter : IDisposable
{
    private Tensor _data;

    public Parameter(Tensor data, bool trainable = true)
    {
        TensorScope.Untrack(data);
        _data = data;
        Trainable = trainable;
    }

    /// <summary>The parameter's tensor: a leaf that requires grad while trainable.</summary>
    public Tensor Data => _data;

    public long[] Shape => _data.Shape;

    public long NumEl => _data.NumEl;

    /// <summary>Frozen parameters keep their values and receive no gradient.</summary>
    public bool Trainable
    {
        get => _data.RequiresGrad;
        set => _data.RequiresGrad = value;
    }

    /// <summary>Whether weight decay applies: matrices and embeddings, not biases or norm gains.</summary>
    public bool Decays => _data.Dim >= 2;

    /// <summary>A new handle to the gradient (null before the first backward), to be disposed by the caller.</summary>
    public Tensor? Grad() => _data.Grad();

    /// <summary>Replaces the underlying tensor (a view into a bucket), keeping the trainable flag.</summary>
    internal void Rebind(Tensor view)
    {
        var trainable = Trainable;
        _data.Dispose();
        TensorScope.Untrack(view);
        _data = view;
        _data.RequiresGrad = trainable;
    }

    public void Dispose() => _data.Dispose();
}
