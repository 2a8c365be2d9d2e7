using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Training;

/// <summary>
/// How the ranks of a data-parallel world combine their gradients: the step calls it between backward and
/// clipping. Each rank's gradients are already scaled by 1 / (samples in the global step), so the SUM over ranks
/// is the gradient of the global batch. Buckets are <see cref="FlatParameters"/>' flat gradient buffers, the same
/// layout on every rank (parameters are bucketed in module order).
/// </summary>
public interface IGradientSync
{
    /// <summary>The number of ranks it reduces over (must equal the session's world size).</summary>
    int WorldSize { get; }

    /// <summary>
    /// The step's last backward pass is about to start: the last micro-batch's last one (an AutoCompressor document
    /// runs one backward per substep, and the objective calls this right before its last substep's). From here an
    /// implementation may reduce a bucket as soon as backward has finished writing it (overlap), e.g. by watching
    /// the buckets in order; every backward before it only accumulates (DDP's no_sync).
    /// </summary>
    void LastBackwardStarting(FlatParameters parameters);

    /// <summary>Backward is done: when this returns, every trainable bucket's gradient holds the sum over all ranks.</summary>
    void LastBackwardFinished(FlatParameters parameters);

    /// <summary>Sums <paramref name="values"/> over all ranks, in place (loss sums, sample and token counts).</summary>
    void AllReduceSum(Span<double> values);

    /// <summary>Overwrites <paramref name="tensor"/> on every rank with rank <paramref name="root"/>'s (the replica state of a new world).</summary>
    void Broadcast(Tensor tensor, int root);
}

/// <summary>World size 1: nothing to combine.</summary>
public sealed class NoGradientSync : IGradientSync
{
    public static readonly NoGradientSync Instance = new();

    public int WorldSize => 1;

    public void LastBackwardStarting(FlatParameters parameters)
    {
    }

    public void LastBackwardFinished(FlatParameters parameters)
    {
    }

    public void AllReduceSum(Span<double> values)
    {
    }

    public void Broadcast(Tensor tensor, int root)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "a world of one rank has only rank 0");
    }
}
