using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Objectives.Lm;

/// <summary>
/// Plain next-token prediction on windows of seq_len + 1 tokens (<see cref="LmSampler"/>). Every window has the
/// same length, so a micro-batch is one (b, T + 1) tensor and the mean over its b·T targets is the mean of the
/// samples' token means. Evaluation: the held-out loss.
/// </summary>
public sealed class LmObjective : Objective<int[]>
{
    private readonly CausalLm _model;

    public LmObjective(CausalLm model, ISampleSource<int[]> train, ISampleSource<int[]> heldOut)
        : base(train, heldOut) => _model = model;

    public override string Name => "lm";

    public override CausalLm Model => _model;

    public override Module Module => _model;

    /// <summary>Positions a window of <paramref name="seqLen"/> inputs uses.</summary>
    public static ContextRequirement Requirement(int seqLen) =>
        new(seqLen, $"windows of seq_len {seqLen} tokens", "lower seq_len");

    protected override long TokensOf(int[] sample) => sample.Length - 1;

    protected override Tensor ForwardBackward(IReadOnlyList<int[]> samples, double lossScale, Action? beforeLastBackward)
    {
        var mean = Loss(samples);
        beforeLastBackward?.Invoke(); // the micro-batch's only backward
        // The mean over b samples times b·lossScale (exactly 1 when one micro-batch holds the whole global batch).
        (mean * (samples.Count * lossScale)).Backward();
        return mean.Detach() * samples.Count;
    }

    protected override double[] Evaluate(IReadOnlyList<int[]> samples)
    {
        using var noGrad = NoGradScope.Begin();
        return [Loss(samples).Item() * samples.Count, samples.Count];
    }

    public override int EvaluationLength => 2;

    public override Evaluation Summarize(double[] sums)
    {
        var loss = sums[0] / Math.Max(1, sums[1]);
        return new Evaluation(loss, [("loss", loss), ("perplexity", Math.Exp(loss))], (long)sums[1]);
    }

    public override GenerationResult Generate(int[] context, int[] prompt, int maxTokens)
    {
        using var scope = TensorScope.Begin();
        int[] all = [.. context, .. prompt];
        if (all.Length == 0) throw new Training.JobException("lm generation needs text to continue: give --prompt or --context");
        maxTokens = TokenBudget(all.Length, maxTokens, "--context and --prompt");
        var ids = Tensor.FromArray(all.Select(t => (long)t).ToArray(), 1, all.Length).To(Device());
        var output = Generation.Generate(_model, ids, new SamplingOptions(maxTokens, EosTokenId: _model.EosTokenId));
        return new GenerationResult("continuation", [.. output[0].Select(t => (int)t)]);
    }

    // Mean next-token loss of a (b, T + 1) batch.
    private Tensor Loss(IReadOnlyList<int[]> samples)
    {
        var t1 = samples[0].Length;
        var batch = new long[samples.Count, t1];
        for (var b = 0; b < samples.Count; b++)
            for (var t = 0; t < t1; t++) batch[b, t] = samples[b][t];
        var all = Tensor.FromMatrix(batch, Device());
        long n = samples.Count, len = t1 - 1;
        var inputs = all.Narrow(1, 0, len);
        var targets = all.Narrow(1, 1, len);
        var positions = Tensor.Arange(len, device: inputs.Device).Unsqueeze(0).Expand(n, len); // (B, T)
        var logits = _model.Logits(_model.Hidden(_model.EmbedTokens(inputs), positions));     // (B, T, V)
        return Functional.CrossEntropy(logits.View(n * len, -1), targets.Reshape(n * len), reduction: Reduction.Mean);
    }

    private Device Device() => _model.Parameters().First().Data.Device;
}
