using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Training;

/// <summary>
/// Trains an <see cref="AutoCompressor"/>: each optimizer step accumulates over a few documents (each a batch
/// of (B, N) token ids with its segment plan), then clips, and steps AdamW on flat buckets.
/// </summary>
public sealed class AutoCompressorTrainer : IDisposable
{
    private readonly AutoCompressor _model;
    private readonly FlatParameters _parameters;
    private readonly AdamW _optimizer;
    private readonly LrSchedule _schedule;
    private readonly double _gradClip;

    /// <summary>Builds the flat buckets on the device: construct the AutoCompressor on the CPU first.</summary>
    public AutoCompressorTrainer(AutoCompressor model, Device device, DType dtype, LrSchedule schedule, double gradClip = 1.0, AdamWOptions? adamW = null)
    {
        _model = model;
        _parameters = FlatParameters.Build(model, device, dtype);
        _optimizer = new AdamW(_parameters, adamW);
        _schedule = schedule;
        _gradClip = gradClip;
        Device = device;
    }

    public Device Device { get; }

    public FlatParameters Parameters => _parameters;

    public StepResult Step(IReadOnlyList<(long[,] Ids, int[][] Plan)> documents)
    {
        using var scope = TensorScope.Begin();
        var lr = _schedule.At(_optimizer.StepCount);
        _parameters.ZeroGrad();
        Tensor? lossSum = null;
        var tokens = 0;
        foreach (var (ids, plan) in documents)
        {
            var t = Tensor.FromMatrix(ids, Device);
            var loss = _model.TrainDocument(t, plan, 1.0 / documents.Count);
            lossSum = lossSum is null ? loss : lossSum + loss;
            tokens += ids.Length;
        }
        // (distributed) all-reduce the gradient buckets here.
        var gradNorm = GradientClipping.ClipGradNorm(_parameters, _gradClip);
        _optimizer.Step(lr);
        return new StepResult(_optimizer.StepCount, lossSum!.Item() / documents.Count, gradNorm.Item(), lr, tokens);
    }

    /// <summary>Summed per-segment losses over documents that all have the same segment lengths.</summary>
    public IReadOnlyList<SegmentEvaluation> Evaluate(IEnumerable<long[,]> documents, IReadOnlyList<int> segments)
    {
        var sums = new Dictionary<int, SegmentEvaluation>();
        foreach (var ids in documents)
        {
            using var scope = TensorScope.Begin();
            foreach (var e in _model.Evaluate(Tensor.FromMatrix(ids, Device), segments))
                sums[e.Segment] = sums.TryGetValue(e.Segment, out var s)
                    ? s with { LossWithSummaries = s.LossWithSummaries + e.LossWithSummaries, LossWithout = s.LossWithout + e.LossWithout, Tokens = s.Tokens + e.Tokens }
                    : e;
        }
        return sums.Values.OrderBy(e => e.Segment).ToList();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _parameters.Dispose();
    }
}
