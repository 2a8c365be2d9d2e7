using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Objectives;

/// <summary>
/// What a training objective owns: its samples (a training catalog and a held-out one), how a micro-batch of them
/// becomes a loss and gradients, its evaluation, its extra parameters (in <see cref="Module"/> beside the model),
/// and the context length it needs. The training loop (<see cref="Training.TrainingSession"/>) owns everything
/// else: scheduling, accumulation, gradient sync, clipping, the optimizer, checkpoints.
/// Loss convention: every sample's loss is its token mean; a step's loss is the mean over its samples, so
/// <see cref="ForwardBackward"/> scales each sample's gradient by lossScale = 1 / (samples in the global step)
/// and the gradients of all ranks add up to the single-process gradient.
/// </summary>
public abstract class Objective : IDisposable
{
    /// <summary>The job-file name: "lm", "autocompressor", "icae", "icae-finetune".</summary>
    public abstract string Name { get; }

    public abstract CausalLm Model { get; }

    /// <summary>The module whose parameters the optimizer sees: the model, or a wrapper holding it as "model" and its own parameters.</summary>
    public abstract Module Module { get; }

    public abstract SampleCatalog Train { get; }

    public abstract SampleCatalog HeldOut { get; }

    /// <summary>Host side (the step's "data" time): the samples at these catalog indices.</summary>
    public abstract MicroBatch Load(SampleCatalog catalog, IReadOnlyList<long> indices, int epoch);

    /// <summary>
    /// Forward and backward of one micro-batch: gradients accumulate into the parameters scaled by
    /// <paramref name="lossScale"/> per sample. Returns the sum of the samples' losses, unscaled, as a detached
    /// 0-d tensor on the device (reading it syncs: the caller reads once per step).
    /// <paramref name="beforeLastBackward"/>, when given, is called exactly once, right before the micro-batch's
    /// last backward pass (an AutoCompressor runs one per substep, ICAE one per group): a data-parallel gradient
    /// sync arms its all-reduce there, overlapped with that backward, while the passes before it accumulate
    /// locally (DDP's no_sync).
    /// </summary>
    public abstract Tensor ForwardBackward(MicroBatch batch, double lossScale, Action? beforeLastBackward = null);

    /// <summary>
    /// Evaluation sums of one held-out micro-batch (no gradients): a vector of <see cref="EvaluationLength"/>
    /// numbers that add up over micro-batches and ranks; <see cref="Summarize"/> turns the total into metrics.
    /// </summary>
    public abstract double[] Evaluate(MicroBatch batch);

    public abstract int EvaluationLength { get; }

    public abstract Evaluation Summarize(double[] sums);

    /// <summary>Decoding for `distributed generate`: what the objective does with a context and a prompt.</summary>
    public abstract GenerationResult Generate(int[] context, int[] prompt, int maxTokens);

    /// <summary>
    /// New tokens that fit the model's positions after <paramref name="used"/> of them: at most
    /// <paramref name="maxTokens"/>; an error naming the flags when none fit.
    /// </summary>
    protected int TokenBudget(int used, int maxTokens, string usedBy)
    {
        var left = Model.MaxPositions - used;
        if (left < 1)
            throw new Training.JobException(
                $"{usedBy} take {used} of the model's {Model.MaxPositions} positions (max_position_embeddings), leaving none to generate: shorten --context or --prompt");
        return Math.Min(maxTokens, left);
    }

    public virtual void Dispose()
    {
        Module.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A catalog's identity and size, without its sample type: what the loop needs to order and slice it.</summary>
public sealed record SampleCatalog(string DatasetId, ulong Seed, long Count);

/// <summary>Samples loaded on the host, ready for <see cref="Objective.ForwardBackward"/>; Tokens counts what the model reads.</summary>
public abstract record MicroBatch(int Samples, long Tokens);

/// <summary>What `distributed generate` prints: the decoded ids, and a label for what they are.</summary>
public sealed record GenerationResult(string What, int[] Tokens);
