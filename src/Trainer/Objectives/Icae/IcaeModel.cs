using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;
using F = Distributed.Trainer.Torch.Functional;

namespace Distributed.Trainer.Objectives.Icae;

/// <summary>Settings of the In-Context Autoencoder (arXiv 2307.06945).</summary>
public sealed record IcaeConfig(
    int MemoryTokens = 128,
    int SpanLength = 512,
    int LoraRank = 8,
    double LoraAlpha = 16,
    string[]? LoraTargets = null,
    double AutoencodeRatio = 0.5,
    long EosTokenId = 2);

/// <summary>Which special token opens the decoder's input.</summary>
public enum IcaeTask
{
    Autoencode = 0,
    LanguageModel = 1,
    FineTune = 2,
}

/// <summary>
/// ICAE: the encoder is the base LM with LoRA on, reading a context followed by k memory tokens; the final
/// hidden states at the memory tokens are the memory slots. The decoder is the same base weights with LoRA
/// off, frozen; it reads [slots, special token, ...] and is trained to reconstruct the context ([AE]),
/// continue it ([LM]) or answer a prompt about it ([FT], loss on the response only). Gradients flow through
/// the frozen decoder into the slots, the memory embeddings, the special embeddings and LoRA. Long contexts
/// are cut into spans compressed independently and their slots concatenated. Positions run on
/// consecutively over every input.
/// </summary>
public sealed class IcaeModel : Module
{
    private readonly CausalLm _lm;

    public IcaeModel(CausalLm lm, IcaeConfig config, Generator? generator = null)
    {
        _lm = lm;
        Config = config;
        lm.Freeze();
        Model = RegisterModule("model", lm);
        Adapters = Nn.Lora.Apply(lm, config.LoraTargets ?? Nn.Lora.QueryValue, config.LoraRank, config.LoraAlpha, generator);
        // New embeddings at the scale of the vocabulary's.
        using var scope = TensorScope.Begin();
        var std = lm.EmbedTokens(Tensor.Arange(Math.Min(lm.VocabSize, 512))).To(DType.Float32).Square().Mean().Sqrt().Item();
        Memory = RegisterParameter("memory", ParameterInit.Normal(Tensor.Empty([config.MemoryTokens, lm.HiddenSize]), std, generator));
        Special = RegisterParameter("special", ParameterInit.Normal(Tensor.Empty([3, lm.HiddenSize]), std, generator));
    }

    public IcaeConfig Config { get; }

    public CausalLm Model { get; }

    public IReadOnlyList<LoraAdapter> Adapters { get; }

    /// <summary>The k memory-token embeddings, (k, E).</summary>
    public Parameter Memory { get; }

    /// <summary>The [AE], [LM] and [FT] embeddings, (3, E).</summary>
    public Parameter Special { get; }

    /// <summary>(B, T) context ids to (B, ⌈T / span⌉ · k, E) memory slots, LoRA on.</summary>
    public Tensor Encode(Tensor context)
    {
        Nn.Lora.SetEnabled(Model, true);
        var b = context.Size(0);
        var k = Config.MemoryTokens;
        var slots = new List<Tensor>();
        for (long start = 0; start < context.Size(1); start += Config.SpanLength)
        {
            var span = context.Narrow(1, start, Math.Min(Config.SpanLength, context.Size(1) - start)); // (B, S)
            var memory = Memory.Data.Unsqueeze(0).Expand(b, k, _lm.HiddenSize);                        // (B, k, E)
            var x = Tensor.Cat([_lm.EmbedTokens(span), memory], 1);                                      // (B, S + k, E)
            var h = _lm.Hidden(x, Positions(b, x.Size(1), context.Device));
            slots.Add(h.Narrow(1, h.Size(1) - k, k));
        }
        return slots.Count == 1 ? slots[0] : Tensor.Cat(slots, 1);
    }

    /// <summary>
    /// Mean next-token loss of the frozen decoder (LoRA off) over <paramref name="target"/>, reading
    /// [slots, special(task), prompt, target]. Only target tokens count (see <see cref="Labels"/>).
    /// </summary>
    public Tensor DecoderLoss(Tensor slots, IcaeTask task, Tensor? prompt, Tensor target)
    {
        var (logits, labels) = DecoderLogits(slots, task, prompt, target);
        return F.CrossEntropy(logits.Reshape(-1, _lm.VocabSize).To(DType.Float32), labels.Reshape(-1), ignoreIndex: -100);
    }

    /// <summary>
    /// Labels of the decoder's input positions [slots, special, prompt, target without its last token]:
    /// position p is trained to predict labels[p]. -100 (no loss) everywhere except from the last prompt
    /// position (the special token when there is no prompt) on, which predict the target tokens in order.
    /// </summary>
    public static long[] Labels(long slots, long promptLength, long[] target)
    {
        var labels = Enumerable.Repeat(-100L, (int)(slots + promptLength + target.Length)).ToArray();
        target.CopyTo(labels, (int)(slots + promptLength));
        return labels;
    }

    /// <summary>Greedy reconstruction of the context from its slots ([slots, AE] as the prompt), stopping after EOS when given.</summary>
    public long[][] Reconstruct(Tensor slots, int maxTokens, long? eosTokenId = null)
    {
        Nn.Lora.SetEnabled(Model, false);
        using var scope = TensorScope.Begin();
        var prompt = Tensor.Cat([slots, SpecialEmbedding(IcaeTask.Autoencode, slots.Size(0))], 1);
        return Generation.GenerateFromEmbeddings(_lm, prompt, new SamplingOptions(maxTokens, EosTokenId: eosTokenId));
    }

    /// <summary>Greedy answer to a prompt about the compressed context ([slots, FT, prompt] as the prompt).</summary>
    public long[][] Answer(Tensor slots, Tensor prompt, int maxTokens, long? eosTokenId = null)
    {
        Nn.Lora.SetEnabled(Model, false);
        using var scope = TensorScope.Begin();
        var x = Tensor.Cat([slots, SpecialEmbedding(IcaeTask.FineTune, slots.Size(0)), _lm.EmbedTokens(prompt)], 1);
        return Generation.GenerateFromEmbeddings(_lm, x, new SamplingOptions(maxTokens, EosTokenId: eosTokenId));
    }

    /// <summary>One pretraining loss: autoencoding of the context, or continuation of it ([LM]).</summary>
    public Tensor PretrainLoss(Tensor context, Tensor continuation, IcaeTask task)
    {
        var slots = Encode(context);
        return task == IcaeTask.Autoencode
            ? DecoderLoss(slots, IcaeTask.Autoencode, null, context)
            : DecoderLoss(slots, IcaeTask.LanguageModel, null, continuation);
    }

    /// <summary>Instruction fine-tuning: compress the context, then answer the prompt; loss on the response only.</summary>
    public Tensor FineTuneLoss(Tensor context, Tensor prompt, Tensor response) => DecoderLoss(Encode(context), IcaeTask.FineTune, prompt, response);

    /// <summary>Mean loss of a continuation after the original context itself (the frozen LM, no compression).</summary>
    public Tensor ContinuationLossWithContext(Tensor context, Tensor continuation)
    {
        Nn.Lora.SetEnabled(Model, false);
        var x = Tensor.Cat([_lm.EmbedTokens(context), _lm.EmbedTokens(continuation.Narrow(1, 0, continuation.Size(1) - 1))], 1);
        var h = _lm.Hidden(x, Positions(context.Size(0), x.Size(1), context.Device));
        var logits = _lm.Logits(h.Narrow(1, context.Size(1) - 1, continuation.Size(1)));             // (B, T, V)
        return F.CrossEntropy(logits.Reshape(-1, _lm.VocabSize).To(DType.Float32), continuation.Reshape(-1));
    }

    private (Tensor Logits, Tensor Labels) DecoderLogits(Tensor slots, IcaeTask task, Tensor? prompt, Tensor target)
    {
        Nn.Lora.SetEnabled(Model, false);
        long b = slots.Size(0), promptLength = prompt?.Size(1) ?? 0;
        var parts = new List<Tensor> { slots, SpecialEmbedding(task, b) };
        if (prompt is not null) parts.Add(_lm.EmbedTokens(prompt));
        parts.Add(_lm.EmbedTokens(target.Narrow(1, 0, target.Size(1) - 1)));
        var x = Tensor.Cat(parts, 1);                                                              // (B, slots + 1 + P + T - 1, E)
        var h = _lm.Hidden(x, Positions(b, x.Size(1), slots.Device));
        var labels = new long[b, x.Size(1)];
        var targets = target.ToLongArray();
        var t = target.Size(1);
        for (var i = 0; i < b; i++)
        {
            var row = Labels(slots.Size(1), promptLength, targets.AsSpan((int)(i * t), (int)t).ToArray());
            for (var p = 0; p < x.Size(1); p++) labels[i, p] = row[p];
        }
        return (_lm.Logits(h), Tensor.FromMatrix(labels, slots.Device));
    }

    private Tensor SpecialEmbedding(IcaeTask task, long batch) =>
        Special.Data.Narrow(0, (long)task, 1).Unsqueeze(0).Expand(batch, 1, _lm.HiddenSize); // (B, 1, E)

    private static Tensor Positions(long batch, long length, Device device) =>
        Tensor.Arange(length, device: device).Unsqueeze(0).Expand(batch, length);
}
