using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Objectives.AutoCompressor;

/// <summary>
/// AutoCompressor training (arXiv 2305.14788) on documents from <see cref="AutoCompressorSampler"/>: each sample
/// has its own segment plan, drawn from (seed, epoch, sample index), so a sample runs as its own document
/// (batch 1); its loss is the token mean over its predicted segment tokens. Evaluation: loss per segment
/// position with the summaries of the earlier segments and without them, on each held-out sample's own plan.
/// </summary>
public sealed class AutoCompressorObjective : Objective<AutoCompressorSample>
{
    private readonly AutoCompressorModel _model;
    private readonly int _maxSegments;
    private readonly int _segmentMax;

    public AutoCompressorObjective(AutoCompressorModel model, ISampleSource<AutoCompressorSample> train, ISampleSource<AutoCompressorSample> heldOut,
        int maxSegments, int segmentMax)
        : base(train, heldOut)
    {
        _model = model;
        _maxSegments = maxSegments;
        _segmentMax = segmentMax;
    }

    public override string Name => "autocompressor";

    public override CausalLm Model => _model.Model;

    public override Module Module => _model;

    public AutoCompressorModel AutoCompressor => _model;

    /// <summary>
    /// Positions a document uses: a segment of up to segment_max tokens, plus, where positions run on over the
    /// summaries (Llama), κ for each segment compressed so far and κ for its own summary tokens.
    /// </summary>
    public static ContextRequirement Requirement(SummaryPositions positions, int kappa, int segments, int segmentMax) =>
        positions == SummaryPositions.Consecutive
            ? new(kappa * segments + segmentMax,
                $"{segments} segments (substeps × segments_per_substep) of up to segment_max {segmentMax} tokens, each adding kappa {kappa} summary positions",
                "lower segment_max, kappa or substeps")
            : new(segmentMax, $"segments of up to segment_max {segmentMax} tokens", "lower segment_max");

    protected override long TokensOf(AutoCompressorSample sample) => sample.Tokens.Length;

    protected override Tensor ForwardBackward(IReadOnlyList<AutoCompressorSample> samples, double lossScale, Action? beforeLastBackward)
    {
        Tensor? sum = null;
        for (var i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            // The model runs forward and backward per substep (memory follows the substep), scaled by lossScale;
            // the last document's last substep runs the micro-batch's last backward.
            var loss = _model.TrainDocument(Ids(s.Tokens), s.Substeps, lossScale, beforeLastBackward: i == samples.Count - 1 ? beforeLastBackward : null);
            sum = sum is null ? loss : sum + loss;
        }
        return sum!;
    }

    // Per segment position i: loss with summaries, loss without, tokens; then the number of samples.
    public override int EvaluationLength => (3 * _maxSegments) + 1;

    protected override double[] Evaluate(IReadOnlyList<AutoCompressorSample> samples)
    {
        var sums = new double[EvaluationLength];
        foreach (var s in samples)
        {
            using var scope = TensorScope.Begin();
            foreach (var e in _model.Evaluate(Ids(s.Tokens), s.SegmentLengths).Where(e => e.Segment < _maxSegments))
            {
                sums[3 * e.Segment] += e.LossWithSummaries;
                sums[(3 * e.Segment) + 1] += e.LossWithout;
                sums[(3 * e.Segment) + 2] += e.Tokens;
            }
            sums[^1]++;
        }
        return sums;
    }

    public override Evaluation Summarize(double[] sums)
    {
        double with = 0, without = 0, tokens = 0;
        var metrics = new List<(string, double)>();
        for (var i = 0; i < _maxSegments; i++)
        {
            var n = sums[(3 * i) + 2];
            if (n == 0) continue;
            with += sums[3 * i];
            without += sums[(3 * i) + 1];
            tokens += n;
            metrics.Add(($"segment_{i}_loss_with_summaries", sums[3 * i] / n));
            metrics.Add(($"segment_{i}_loss_without", sums[(3 * i) + 1] / n));
        }
        var loss = with / Math.Max(1, tokens);
        metrics.InsertRange(0, [("loss_with_summaries", loss), ("loss_without_summaries", without / Math.Max(1, tokens))]);
        return new Evaluation(loss, metrics, (long)sums[^1]);
    }

    /// <summary>Compresses the context in segments of up to segment_max tokens, then continues the prompt from the summaries.</summary>
    public override GenerationResult Generate(int[] context, int[] prompt, int maxTokens)
    {
        if (prompt.Length == 0) throw new Training.JobException("autocompressor generation needs text to continue after the compressed context: give --prompt");
        using var scope = TensorScope.Begin();
        var segments = new List<int>();
        for (var left = context.Length; left > 0; left -= segments[^1]) segments.Add(Math.Min(left, _segmentMax));
        if (segments.Count > _maxSegments)
            throw new Training.JobException(
                $"--context is {context.Length} tokens, {segments.Count} segments of up to segment_max {_segmentMax}; the model was trained on at most {_maxSegments}: shorten --context");
        var kappa = _model.Options.Kappa;
        maxTokens = _model.Options.Positions == SummaryPositions.Consecutive
            ? TokenBudget((kappa * segments.Count) + prompt.Length, maxTokens, "the summaries of --context and --prompt")
            : TokenBudget(prompt.Length, maxTokens, "--prompt");
        var output = _model.Generate(Ids(context), segments, Ids(prompt), new SamplingOptions(maxTokens, EosTokenId: _model.Model.EosTokenId));
        return new GenerationResult($"continuation from the summaries of {segments.Count} segments", [.. output[0].Select(t => (int)t)]);
    }

    private Tensor Ids(int[] tokens) =>
        Tensor.FromArray(tokens.Select(t => (long)t).ToArray(), 1, tokens.Length).To(_model.Summary.Data.Device); // (1, N)
}
