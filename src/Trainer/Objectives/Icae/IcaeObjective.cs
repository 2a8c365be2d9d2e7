using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Objectives.Icae;

/// <summary>
/// ICAE (arXiv 2307.06945) pretraining ("icae": autoencoding or continuation per sample, chosen by the sampler
/// from (seed, epoch, sample index)) and instruction fine-tuning ("icae-finetune": (context, prompt, response)
/// triples, loss on the response). Samples of equal shape and task run together; the decoder's token mean over
/// such a group is the mean of its samples' token means. Evaluation: the held-out loss, and for pretraining the
/// greedy reconstruction of each held-out context from its memory slots (corpus BLEU-4, exact match, exact
/// prefix) and the continuation loss from the slots against that from the context itself; for fine-tuning, the
/// greedy answer against the response.
/// </summary>
public sealed class IcaeObjective : Objective<IcaeExample>
{
    private const int BaseSums = 2 + Bleu.StatisticsLength + 2 + 3;
    private readonly IcaeModel _model;
    private readonly bool _fineTune;
    private readonly long? _eos;

    public IcaeObjective(IcaeModel model, ISampleSource<IcaeExample> train, ISampleSource<IcaeExample> heldOut, bool fineTune, int? eosId)
        : base(train, heldOut)
    {
        _model = model;
        _fineTune = fineTune;
        _eos = eosId;
    }

    public override string Name => _fineTune ? "icae-finetune" : "icae";

    public override CausalLm Model => _model.Model;

    public override Module Module => _model;

    public IcaeModel Icae => _model;

    /// <summary>
    /// Pretraining: the encoder reads span + k; the decoder k slots, [AE] and the context (+ EOS), or [LM] and the
    /// continuation; the evaluation's baseline reads the context and the continuation uncompressed.
    /// </summary>
    public static ContextRequirement PretrainingRequirement(int memoryTokens, int spanTokens, int continuationTokens) =>
        new(Math.Max(memoryTokens + Math.Max(spanTokens + 1, continuationTokens), spanTokens + continuationTokens - 1),
            $"memory_tokens {memoryTokens} slots plus a reconstruction of span_tokens {spanTokens} (+ EOS) or a continuation of continuation_tokens " +
            $"{continuationTokens}, and the uncompressed context before its continuation",
            "lower span_tokens, memory_tokens or continuation_tokens");

    /// <summary>Fine-tuning: the decoder reads k slots, [FT], the prompt and the response (longest in the data).</summary>
    public static ContextRequirement FineTuningRequirement(int memoryTokens, int spanTokens, int longestPromptAndResponse) =>
        new(memoryTokens + Math.Max(spanTokens, longestPromptAndResponse),
            $"memory_tokens {memoryTokens} slots plus the longest prompt and response in the instructions ({longestPromptAndResponse} tokens)",
            "lower memory_tokens or use shorter instructions");

    protected override long TokensOf(IcaeExample sample) => sample.Context.Length + sample.Prompt.Length + sample.Target.Length;

    protected override Tensor ForwardBackward(IReadOnlyList<IcaeExample> samples, double lossScale, Action? beforeLastBackward)
    {
        Tensor? sum = null;
        var groups = Groups(samples).ToList();
        for (var i = 0; i < groups.Count; i++)
        {
            var group = groups[i];
            var mean = Loss(group);
            if (i == groups.Count - 1) beforeLastBackward?.Invoke();
            (mean * (group.Count * lossScale)).Backward();
            var value = mean.Detach() * group.Count;
            sum = sum is null ? value : sum + value;
        }
        return sum!;
    }

    // loss sum, samples, BLEU statistics, exact matches, exact-prefix sum; then, over continuation samples, the
    // continuation loss from the slots and from the context itself (what compression costs), and their count.
    public override int EvaluationLength => BaseSums;

    protected override double[] Evaluate(IReadOnlyList<IcaeExample> samples)
    {
        var sums = new double[EvaluationLength];
        using var noGrad = NoGradScope.Begin();
        foreach (var group in Groups(samples))
        {
            using var scope = TensorScope.Begin();
            var loss = Loss(group).Item();
            sums[0] += loss * group.Count;
            sums[1] += group.Count;
            if (group[0].Task == IcaeTask.LanguageModel)
            {
                sums[4 + Bleu.StatisticsLength] += loss * group.Count;
                sums[5 + Bleu.StatisticsLength] += _model.ContinuationLossWithContext(Ids(group, e => e.Context), Ids(group, e => e.Target)).Item() * group.Count;
                sums[6 + Bleu.StatisticsLength] += group.Count;
            }
            var slots = _model.Encode(Ids(group, e => e.Context));
            // Pretraining reconstructs the context; fine-tuning answers the prompt. Both compare to a reference.
            var outputs = _fineTune
                ? _model.Answer(slots, Ids(group, e => e.Prompt), group.Max(e => e.Target.Length), _eos)
                : _model.Reconstruct(slots, group[0].Context.Length + (_eos is null ? 0 : 1), _eos);
            for (var i = 0; i < group.Count; i++)
            {
                var reference = (_fineTune ? group[i].Target : group[i].Context).Select(t => (long)t).Where(t => t != _eos).ToArray();
                var candidate = outputs[i].Where(t => t != _eos).ToArray();
                Bleu.Statistics(candidate, reference, sums.AsSpan(2, Bleu.StatisticsLength));
                sums[2 + Bleu.StatisticsLength] += candidate.SequenceEqual(reference) ? 1 : 0;
                sums[3 + Bleu.StatisticsLength] += Bleu.ExactPrefix(candidate, reference);
            }
        }
        return sums;
    }

    public override Evaluation Summarize(double[] sums)
    {
        var n = Math.Max(1, sums[1]);
        var loss = sums[0] / n;
        var what = _fineTune ? "answer" : "reconstruction";
        List<(string, double)> metrics =
        [
            ("loss", loss),
            ($"{what}_bleu4", Bleu.Score(sums.AsSpan(2, Bleu.StatisticsLength))),
            ($"{what}_exact_match", sums[2 + Bleu.StatisticsLength] / n),
            ($"{what}_exact_prefix", sums[3 + Bleu.StatisticsLength] / n),
        ];
        if (sums[6 + Bleu.StatisticsLength] is var continuations and > 0)
        {
            metrics.Add(("continuation_loss_from_slots", sums[4 + Bleu.StatisticsLength] / continuations));
            metrics.Add(("continuation_loss_from_context", sums[5 + Bleu.StatisticsLength] / continuations));
        }
        return new Evaluation(loss, metrics, (long)sums[1]);
    }

    /// <summary>Reconstructs the context from its memory slots, or, given a prompt, answers it from them.</summary>
    public override GenerationResult Generate(int[] context, int[] prompt, int maxTokens)
    {
        if (context.Length == 0) throw new Training.JobException("icae generation needs a context to compress: give --context");
        using var scope = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        var spans = (context.Length + _model.Config.SpanLength - 1) / _model.Config.SpanLength;
        maxTokens = TokenBudget((spans * _model.Config.MemoryTokens) + 1 + prompt.Length, maxTokens, "the memory slots of --context and --prompt");
        var slots = _model.Encode(Ids([new IcaeExample(0, IcaeTask.Autoencode, context, prompt, [])], e => e.Context));
        var output = prompt.Length == 0
            ? _model.Reconstruct(slots, maxTokens, _eos)
            : _model.Answer(slots, Ids([new IcaeExample(0, IcaeTask.FineTune, context, prompt, [])], e => e.Prompt), maxTokens, _eos);
        var what = prompt.Length == 0 ? $"reconstruction from {slots.Size(1)} memory slots" : $"answer from {slots.Size(1)} memory slots";
        return new GenerationResult(what, [.. output[0].Where(t => t != _eos).Select(t => (int)t)]);
    }

    // Mean decoder loss of a group of samples with one task and one shape.
    private Tensor Loss(IReadOnlyList<IcaeExample> group)
    {
        var slots = _model.Encode(Ids(group, e => e.Context));
        var prompt = group[0].Prompt.Length == 0 ? null : Ids(group, e => e.Prompt);
        return _model.DecoderLoss(slots, group[0].Task, prompt, Ids(group, e => e.Target));
    }

    private static IEnumerable<List<IcaeExample>> Groups(IReadOnlyList<IcaeExample> samples) =>
        samples.GroupBy(e => (e.Task, e.Context.Length, e.Prompt.Length, e.Target.Length)).Select(g => g.ToList());

    private Tensor Ids(IReadOnlyList<IcaeExample> group, Func<IcaeExample, int[]> part)
    {
        var width = part(group[0]).Length;
        var ids = new long[group.Count, width];
        for (var b = 0; b < group.Count; b++)
        {
            var row = part(group[b]);
            for (var t = 0; t < width; t++) ids[b, t] = row[t];
        }
        return Tensor.FromMatrix(ids, _model.Memory.Data.Device); // (B, width)
    }
}
