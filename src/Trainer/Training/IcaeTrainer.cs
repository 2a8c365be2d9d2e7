using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Training;

/// <summary>
/// Trains an <see cref="Icae"/>: only LoRA and the memory and special embeddings are trainable (the base
/// model sits in frozen buckets). Pretraining picks autoencoding or continuation per step with probability
/// AutoencodeRatio from a seeded generator; fine-tuning trains on (context, prompt, response).
/// </summary>
public sealed class IcaeTrainer : IDisposable
{
    private readonly Icae _icae;
    private readonly FlatParameters _parameters;
    private readonly AdamW _optimizer;
    private readonly LrSchedule _schedule;
    private readonly double _gradClip;
    private SplitMix64 _rng;

    public IcaeTrainer(Icae icae, Device device, DType dtype, LrSchedule schedule, ulong seed, double gradClip = 1.0)
    {
        _icae = icae;
        _parameters = FlatParameters.Build(icae, device, dtype);
        _optimizer = new AdamW(_parameters, new AdamWOptions(WeightDecay: 0));
        _schedule = schedule;
        _gradClip = gradClip;
        _rng = new SplitMix64(seed);
        Device = device;
    }

    public Device Device { get; }

    public FlatParameters Parameters => _parameters;

    /// <summary>The task of the last pretraining step.</summary>
    public IcaeTask LastTask { get; private set; }

    /// <summary>One pretraining step on (B, T) contexts and their (B, U) continuations.</summary>
    public StepResult PretrainStep(long[,] context, long[,] continuation)
    {
        LastTask = _rng.NextDouble() < _icae.Config.AutoencodeRatio ? IcaeTask.Autoencode : IcaeTask.LanguageModel;
        return Step(() => _icae.PretrainLoss(Tensor.FromMatrix(context, Device), Tensor.FromMatrix(continuation, Device), LastTask), context.Length);
    }

    /// <summary>One instruction fine-tuning step; the loss covers the response only.</summary>
    public StepResult FineTuneStep(long[,] context, long[,] prompt, long[,] response) =>
        Step(() => _icae.FineTuneLoss(Tensor.FromMatrix(context, Device), Tensor.FromMatrix(prompt, Device), Tensor.FromMatrix(response, Device)),
            response.Length);

    /// <summary>Reconstruction BLEU-4 and exact prefix (greedy from the slots), and continuation losses with slots vs with the context.</summary>
    public IcaeEvaluation Evaluate(long[,] context, long[,] continuation)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        var c = Tensor.FromMatrix(context, Device);
        var u = Tensor.FromMatrix(continuation, Device);
        var slots = _icae.Encode(c);
        var reconstructed = _icae.Reconstruct(slots, context.GetLength(1));
        var references = Enumerable.Range(0, context.GetLength(0)).Select(b => Enumerable.Range(0, context.GetLength(1)).Select(t => context[b, t]).ToArray()).ToList();
        var bleu = Bleu.Corpus(reconstructed, references);
        var prefix = reconstructed.Zip(references, Bleu.ExactPrefix).Average();
        var withSlots = _icae.DecoderLoss(slots, IcaeTask.LanguageModel, null, u).Item();
        var withContext = _icae.ContinuationLossWithContext(c, u).Item();
        return new IcaeEvaluation(bleu, prefix, withSlots, withContext);
    }

    private StepResult Step(Func<Tensor> loss, int tokens)
    {
        using var scope = TensorScope.Begin();
        var lr = _schedule.At(_optimizer.StepCount);
        _parameters.ZeroGrad();
        var l = loss();
        l.Backward();
        // (distributed) all-reduce the gradient buckets here.
        var gradNorm = GradientClipping.ClipGradNorm(_parameters, _gradClip);
        _optimizer.Step(lr);
        return new StepResult(_optimizer.StepCount, l.Item(), gradNorm.Item(), lr, tokens);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _parameters.Dispose();
    }
}
