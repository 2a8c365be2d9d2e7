using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Training;

/// <summary>Settings of plain next-token training.</summary>
public sealed record LmTrainingOptions(
    double MaxLr = 1e-3,
    double MinLr = 1e-4,
    int WarmupSteps = 20,
    int TotalSteps = 300,
    double GradClip = 1.0,
    AdamWOptions? AdamW = null);

/// <summary>What one optimizer step measured.</summary>
public readonly record struct StepResult(long Step, double Loss, double GradNorm, double Lr, int Tokens);

/// <summary>
/// Trains a causal LM on next-token prediction: flat parameter buckets, AdamW, clipping, warmup + cosine.
/// The step is in one place (<see cref="Step"/>); a distributed worker adds the all-reduce where marked.
/// </summary>
public sealed class LmTrainer : IDisposable
{
    private readonly CausalLm _model;
    private readonly FlatParameters _parameters;
    private readonly AdamW _optimizer;
    private readonly LrSchedule _schedule;

    public LmTrainer(CausalLm model, Device device, DType dtype, LmTrainingOptions options)
    {
        _model = model;
        Options = options;
        _parameters = FlatParameters.Build(model, device, dtype);
        _optimizer = new AdamW(_parameters, options.AdamW);
        _schedule = new LrSchedule(options.MaxLr, options.WarmupSteps, options.TotalSteps, options.MinLr);
        Device = device;
    }

    public LmTrainingOptions Options { get; }

    public Device Device { get; }

    public FlatParameters Parameters => _parameters;

    public long StepCount => _optimizer.StepCount;

    /// <summary>
    /// One optimizer step accumulated over the given micro-batches, each (B, T + 1) token ids on the
    /// host: inputs are the first T, targets the last T.
    /// </summary>
    public StepResult Step(IReadOnlyList<long[,]> microBatches)
    {
        using var scope = TensorScope.Begin();
        var lr = _schedule.At(_optimizer.StepCount);
        _parameters.ZeroGrad();
        Tensor? lossSum = null;
        var tokens = 0;
        foreach (var batch in microBatches)
        {
            var (inputs, targets) = Split(batch);
            var loss = Loss(inputs, targets);
            (loss / microBatches.Count).Backward();
            var detached = loss.Detach();
            lossSum = lossSum is null ? detached : lossSum + detached;
            tokens += (int)targets.NumEl;
        }
        // (distributed) all-reduce the gradient buckets here.
        var gradNorm = GradientClipping.ClipGradNorm(_parameters, Options.GradClip);
        _optimizer.Step(lr);
        // Reading the values syncs with the device: once per step, after the work is queued.
        return new StepResult(_optimizer.StepCount, lossSum!.Item() / microBatches.Count, gradNorm.Item(), lr, tokens);
    }

    /// <summary>Mean next-token loss over (B, T + 1) batches without updating anything.</summary>
    public double Evaluate(IEnumerable<long[,]> batches)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        double sum = 0;
        var n = 0;
        foreach (var batch in batches)
        {
            var (inputs, targets) = Split(batch);
            sum += Loss(inputs, targets).Item();
            n++;
        }
        return sum / Math.Max(n, 1);
    }

    private Tensor Loss(Tensor inputs, Tensor targets)
    {
        long b = inputs.Size(0), t = inputs.Size(1);
        var positions = Tensor.Arange(t, device: Device).Unsqueeze(0).Expand(b, t); // (B, T)
        var logits = _model.Logits(_model.Hidden(_model.EmbedTokens(inputs), positions)); // (B, T, V)
        return Functional.CrossEntropy(logits.View(b * t, -1), targets.Reshape(b * t), reduction: Reduction.Mean);
    }

    private (Tensor Inputs, Tensor Targets) Split(long[,] batch)
    {
        var t1 = batch.GetLength(1);
        var all = Tensor.FromMatrix(batch, Device);
        return (all.Narrow(1, 0, t1 - 1), all.Narrow(1, 1, t1 - 1));
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _parameters.Dispose();
    }
}
