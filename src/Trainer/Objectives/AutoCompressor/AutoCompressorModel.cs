using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;
using F = Distributed.Trainer.Torch.Functional;

namespace Distributed.Trainer.Objectives.AutoCompressor;

/// <summary>How positions are assigned around the summary tokens.</summary>
public enum SummaryPositions
{
    /// <summary>
    /// OPT, as in the AutoCompressors reference implementation: the accumulated summaries and the new
    /// summary tokens take the padding position (HF position id -1) and each segment's tokens restart at 0,
    /// so a segment uses no more learned positions than it has tokens.
    /// </summary>
    Padding,

    /// <summary>Llama, as in the reference implementation: RoPE positions run on over [summaries, segment, summary tokens].</summary>
    Consecutive,
}

/// <summary>Settings of the AutoCompressor objective (arXiv 2305.14788).</summary>
public sealed record AutoCompressorConfig(int Kappa = 50, int SegmentsPerSubstep = 2, SummaryPositions Positions = SummaryPositions.Padding, long EosTokenId = 2);

/// <summary>Per-segment results of an evaluation: summed next-token losses and how many tokens they cover.</summary>
public sealed record SegmentEvaluation(int Segment, double LossWithSummaries, double LossWithout, long Tokens);

/// <summary>
/// AutoCompressor: a decoder LM that compresses each segment into κ summary vectors. Segment i sees the
/// summary vectors of all earlier segments as a soft prompt: its input is [accumulated summaries | segment |
/// κ summary tokens], and the final hidden states at the summary tokens join the accumulator.
/// Training follows the published recipe: the document is cut into substeps of SegmentsPerSubstep
/// segments, each substep runs forward and backward, and the whole accumulator is detached at every substep
/// boundary (the "stop-gradient after 2 compression steps"). The loss is the token mean over every
/// predicted segment token of the document, so per-substep backward passes add up to its gradient. GPU
/// memory therefore follows the substep, not the document. The κ summary embeddings are trainable and
/// start as copies of the EOS embedding.
/// </summary>
public sealed class AutoCompressorModel : Module
{
    private readonly CausalLm _lm;

    public AutoCompressorModel(CausalLm lm, AutoCompressorConfig options)
    {
        _lm = lm;
        Options = options;
        Model = RegisterModule("model", lm);
        Tensor init;
        using (var scope = TensorScope.Begin())
        using (NoGradScope.Begin())
        {
            var eos = Tensor.FromArray(new[] { options.EosTokenId });
            init = scope.Detach(lm.EmbedTokens(eos).To(Device.Cpu, DType.Float32).Expand(options.Kappa, lm.HiddenSize).Contiguous());
        }
        Summary = RegisterParameter("summary", init);
    }

    public AutoCompressorConfig Options { get; }

    public CausalLm Model { get; }

    /// <summary>The κ trainable summary-token embeddings, (κ, E).</summary>
    public Parameter Summary { get; }

    /// <summary>
    /// Forward and backward over one batch of documents (B, N) split by <paramref name="plan"/> (segment
    /// lengths per substep, summing to N). Gradients accumulate into the parameters' .grad scaled by
    /// <paramref name="lossScale"/> (1 / the number of documents of an accumulated step). Returns the
    /// document's token-mean loss (a 0-d tensor on the device; reading it syncs).
    /// <paramref name="embed"/> replaces the token embedding (tests use it to watch gradients reach segments).
    /// <paramref name="beforeLastBackward"/> is called right before the last substep's backward (a data-parallel
    /// sync reduces the gradients as that backward finishes them; the substeps before it accumulate locally).
    /// </summary>
    public Tensor TrainDocument(Tensor ids, IReadOnlyList<int[]> plan, double lossScale = 1.0, Func<Tensor, Tensor>? embed = null,
        Action? beforeLastBackward = null)
    {
        using var documentScope = TensorScope.Begin();
        var predicted = ids.Size(0) * plan.Sum(s => s.Sum(len => len - 1L));
        var kappa = Options.Kappa;
        var acc = Empty(ids);
        Tensor? total = null;
        long start = 0;
        for (var k = 0; k < plan.Count; k++)
        {
            var substep = plan[k];
            // One scope per substep and per segment: after the substep's backward nothing of its graph is
            // held, so memory follows the substep and not the document.
            using var substepScope = TensorScope.Begin();
            var current = acc.Detach(); // stop-gradient: nothing before this substep receives gradient from it
            Tensor? loss = null;
            foreach (var length in substep)
            {
                using var segmentScope = TensorScope.Begin();
                var segment = ids.Narrow(1, start, length);                 // (B, L)
                var x = Input(current, (embed ?? _lm.EmbedTokens)(segment)); // (B, n + L + κ, E)
                var h = _lm.Hidden(x, Positions(ids.Size(0), current.Size(1), length, ids.Device));
                var sum = SegmentLoss(h.Narrow(1, current.Size(1), length - 1), segment.Narrow(1, 1, length - 1));
                loss = segmentScope.MoveToOuter(loss is null ? sum : loss + sum);
                current = segmentScope.MoveToOuter(Tensor.Cat([current, h.Narrow(1, h.Size(1) - kappa, kappa)], 1));
                start += length;
            }
            var scaled = loss! / predicted;
            if (k == plan.Count - 1) beforeLastBackward?.Invoke();
            (scaled * lossScale).Backward();
            var value = scaled.Detach();
            total = substepScope.MoveToOuter(total is null ? value : total + value);
            acc = substepScope.MoveToOuter(current.Detach());
        }
        if (start != ids.Size(1))
            throw new ArgumentException($"the plan covers {start} tokens but the documents have {ids.Size(1)}", nameof(plan));
        return documentScope.MoveToOuter(total!);
    }

    /// <summary>
    /// Next-token loss of every segment with the summaries of the earlier segments and without them (the
    /// segment alone, the baseline), for perplexity per segment position. No gradients.
    /// </summary>
    public IReadOnlyList<SegmentEvaluation> Evaluate(Tensor ids, IReadOnlyList<int> segments)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        var results = new List<SegmentEvaluation>();
        var acc = Empty(ids);
        long start = 0;
        for (var i = 0; i < segments.Count; i++)
        {
            var length = segments[i];
            var segment = ids.Narrow(1, start, length);
            var targets = segment.Narrow(1, 1, length - 1);
            var e = _lm.EmbedTokens(segment);
            var h = _lm.Hidden(Input(acc, e), Positions(ids.Size(0), acc.Size(1), length, ids.Device));
            var with = SegmentLoss(h.Narrow(1, acc.Size(1), length - 1), targets).Item();
            var alone = _lm.Hidden(e, Tensor.Arange(length, device: ids.Device).Unsqueeze(0).Expand(ids.Size(0), length));
            var without = SegmentLoss(alone.Narrow(1, 0, length - 1), targets).Item();
            results.Add(new SegmentEvaluation(i, with, without, ids.Size(0) * (length - 1L)));
            acc = Tensor.Cat([acc, h.Narrow(1, h.Size(1) - Options.Kappa, Options.Kappa)], 1);
            start += length;
        }
        return results;
    }

    /// <summary>
    /// Generation with the summaries of a context as the prompt: the context (B, N) is compressed segment by
    /// segment into accumulated summary vectors, then decoding continues from [summaries | prompt] (B, P), as the
    /// paper uses compressed demonstrations. No gradients.
    /// </summary>
    public long[][] Generate(Tensor context, IReadOnlyList<int> segments, Tensor prompt, SamplingOptions options)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        var acc = Summaries(context, segments);
        var b = prompt.Size(0);
        var p = prompt.Size(1);
        var x = Tensor.Cat([acc, _lm.EmbedTokens(prompt)], 1);                                  // (B, n + P, E)
        // The summaries sit where training put them: the padding position (OPT) or positions 0..n-1 (Llama).
        var positions = Options.Positions == SummaryPositions.Consecutive
            ? Tensor.Arange(x.Size(1), device: prompt.Device).Unsqueeze(0).Expand(b, x.Size(1))
            : Tensor.Cat([Tensor.Full([acc.Size(1)], -1, DType.Int64, prompt.Device), Tensor.Arange(p, device: prompt.Device)]).Unsqueeze(0).Expand(b, x.Size(1));
        var next = Options.Positions == SummaryPositions.Consecutive ? x.Size(1) : p;
        return Generation.GenerateFromEmbeddings(_lm, x, options, promptPositions: positions, nextPosition: next);
    }

    /// <summary>The accumulated summary vectors (B, κ · segments, E) of a context cut into <paramref name="segments"/>.</summary>
    public Tensor Summaries(Tensor ids, IReadOnlyList<int> segments)
    {
        using var scope = TensorScope.Begin();
        var acc = Empty(ids);
        long start = 0;
        foreach (var length in segments)
        {
            var h = _lm.Hidden(Input(acc, _lm.EmbedTokens(ids.Narrow(1, start, length))), Positions(ids.Size(0), acc.Size(1), length, ids.Device));
            acc = Tensor.Cat([acc, h.Narrow(1, h.Size(1) - Options.Kappa, Options.Kappa)], 1);
            start += length;
        }
        return scope.MoveToOuter(acc);
    }

    private Tensor Empty(Tensor ids) =>
        Tensor.Zeros([ids.Size(0), 0, _lm.HiddenSize], Summary.Data.DType, ids.Device); // (B, 0, E)

    // [accumulated summaries | segment | κ summary tokens]
    private Tensor Input(Tensor acc, Tensor segment)
    {
        var summary = Summary.Data.Unsqueeze(0).Expand(segment.Size(0), Options.Kappa, _lm.HiddenSize); // (B, κ, E)
        return Tensor.Cat([acc, segment, summary], 1);
    }

    /// <summary>(B, n + L + κ) position ids for n accumulated summaries and a segment of L tokens.</summary>
    internal Tensor Positions(long batch, long accumulated, long length, Device device)
    {
        var total = accumulated + length + Options.Kappa;
        Tensor row;
        if (Options.Positions == SummaryPositions.Consecutive)
        {
            row = Tensor.Arange(total, device: device);
        }
        else
        {
            var pad = Tensor.Full([accumulated], -1, DType.Int64, device);
            var summary = Tensor.Full([Options.Kappa], -1, DType.Int64, device);
            row = Tensor.Cat([pad, Tensor.Arange(length, device: device), summary]);
        }
        return row.Unsqueeze(0).Expand(batch, total);
    }

    // Summed cross-entropy of (B, L-1, E) hidden states against (B, L-1) next tokens; half-precision logits
    // are widened to float32 first, as the reference does.
    private Tensor SegmentLoss(Tensor hidden, Tensor targets)
    {
        var logits = _lm.Logits(hidden).Reshape(-1, _lm.VocabSize);        // (B·(L-1), V)
        if (logits.DType is DType.BFloat16 or DType.Float16) logits = logits.To(DType.Float32);
        return F.CrossEntropy(logits, targets.Reshape(-1), reduction: Reduction.Sum);
    }
}
