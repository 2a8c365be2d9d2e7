using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Tests.Torch;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Nn;

public sealed class LoraTests
{
    private static Llama Model() => new(new LlamaConfig
    {
        VocabSize = 40,
        HiddenSize = 16,
        IntermediateSize = 24,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 32,
        InitializerRange = 0.3,
    }, new Generator(8));

    private static double[] Logits(Llama m, Tensor ids) =>
        m.Logits(m.Hidden(m.EmbedTokens(ids), Tensor.Arange(ids.Size(1)).Unsqueeze(0))).ToDoubleArray();

    [Fact]
    public void Adapters_attach_to_the_query_and_value_projections_and_start_as_no_change()
    {
        using var model = Model();
        model.Freeze();
        var adapters = Lora.Apply(model, Lora.QueryValue, rank: 4, alpha: 8, new Generator(1));
        using var flat = FlatParameters.Build(model, Device.Cpu, DType.Float64);
        using var scope = TensorScope.Begin();
        var ids = Tensor.FromArray(new long[] { 1, 5, 9, 2 }, 1, 4);
        Lora.SetEnabled(model, false);
        var before = Logits(model, ids);
        Lora.SetEnabled(model, true);
        Assert.Equal(4, adapters.Count);
        Assert.Equal(
            ["layers.0.attn.q.lora.a", "layers.0.attn.q.lora.b", "layers.0.attn.v.lora.a", "layers.0.attn.v.lora.b"],
            model.NamedParameters().Select(x => x.Name).Where(n => n.Contains("lora") && n.StartsWith("layers.0", StringComparison.Ordinal)).ToArray());
        Assert.Equal(2.0, adapters[0].Scaling);
        Assert.Equal(before, Logits(model, ids));
        Assert.Throws<ArgumentException>(() => Lora.Apply(model, ["nothing"], 4, 8));
    }

    [Fact]
    public void Training_moves_only_lora_and_merged_or_disabled_adapters_compute_what_they_should()
    {
        using var model = Model();
        model.Freeze();
        Lora.Apply(model, Lora.QueryValue, rank: 4, alpha: 8, new Generator(1));
        using var flat = FlatParameters.Build(model, Device.Cpu, DType.Float64);
        using var adam = new AdamW(flat, new AdamWOptions(WeightDecay: 0));
        var baseBefore = model.NamedParameters().Where(x => !x.Name.Contains("lora")).ToDictionary(x => x.Name, x => x.Parameter.Data.ToDoubleArray());
        using var scope = TensorScope.Begin();
        var ids = Tensor.FromArray(new long[] { 1, 5, 9, 2, 7, 7, 3 }, 1, 7);
        var plain = Logits(model, ids);
        for (var i = 0; i < 5; i++)
        {
            flat.ZeroGrad();
            var logits = model.Logits(model.Hidden(model.EmbedTokens(ids.Narrow(1, 0, 6)), Tensor.Arange(6).Unsqueeze(0)));
            Functional.CrossEntropy(logits.Reshape(-1, 40), ids.Narrow(1, 1, 6).Reshape(-1)).Backward();
            adam.Step(1e-2);
        }
        // The base weights are bit-identical; the adapters moved.
        foreach (var (name, p) in model.NamedParameters().Where(x => !x.Name.Contains("lora")))
            Assert.Equal(baseBefore[name], p.Data.ToDoubleArray());
        var tuned = Logits(model, ids);
        Assert.NotEqual(plain, tuned);
        // Switched off: exactly the base model again.
        Lora.SetEnabled(model, false);
        Assert.Equal(plain, Logits(model, ids));
        Lora.SetEnabled(model, true);
        // Merged into the weights: the same outputs as unmerged; unmerged again: the base weights come back.
        Lora.Merge(model);
        Ref.Close(tuned, Tensor.FromArray(Logits(model, ids)), 1e-12, "merged vs unmerged");
        Lora.Unmerge(model);
        foreach (var (name, p) in model.NamedParameters().Where(x => !x.Name.Contains("lora")))
            Ref.Close(baseBefore[name], p.Data, 1e-14, $"{name} after unmerge");
        Ref.Close(tuned, Tensor.FromArray(Logits(model, ids)), 1e-12, "unmerged");
    }
}
