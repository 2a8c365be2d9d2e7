using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Models;

public sealed class HfCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hfckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static float[] Logits(CausalLm model)
    {
        using var scope = TensorScope.Begin();
        var ids = Tensor.FromArray(new long[] { 5, 9, 2, 44, 17, 3 }, 1, 6);
        var positions = Tensor.Arange(6).Unsqueeze(0);
        return model.Logits(model.Hidden(model.EmbedTokens(ids), positions)).ToFloatArray();
    }

    [Theory]
    [InlineData("opt-tiny", null)]
    [InlineData("opt-tiny-postln-proj", 20_000L)]
    [InlineData("llama-tiny-gqa", null)]
    [InlineData("llama-tiny-tied", 16_000L)]
    public void Saving_and_loading_again_keeps_the_model_exactly(string name, long? shardBytes)
    {
        var src = HfParityTests.Dir(name);
        var isOpt = HfCheckpoint.ModelType(src) == "opt";
        using var original = HfCheckpoint.Load(src);
        Assert.Equal(isOpt ? typeof(Opt) : typeof(Llama), original.GetType());
        HfCheckpoint.Save(original, _dir, shardBytes);
        Assert.Equal(shardBytes is null, File.Exists(Path.Combine(_dir, "model.safetensors")));
        Assert.Equal(shardBytes is not null, File.Exists(Path.Combine(_dir, "model.safetensors.index.json")));
        using var source = SafetensorsCheckpoint.Open(_dir);
        using var reference = SafetensorsCheckpoint.Open(src);
        // The same HF names as transformers wrote (a tied output layer stays out of the file).
        Assert.Equal(reference.Names.Order(StringComparer.Ordinal), source.Names.Order(StringComparer.Ordinal));
        using var reloaded = HfCheckpoint.Load(_dir);
        Assert.Equal(Logits(original), Logits(reloaded));
    }

    [Fact]
    public void A_checkpoint_that_does_not_match_the_config_is_refused_with_the_names()
    {
        var src = HfParityTests.Dir("opt-tiny");
        foreach (var f in Directory.GetFiles(src)) File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
        // Claim a third layer that the weights do not have.
        var config = File.ReadAllText(Path.Combine(_dir, "config.json")).Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");
        File.WriteAllText(Path.Combine(_dir, "config.json"), config);
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.LoadOpt(_dir));
        Assert.Contains("missing [model.decoder.layers.2.self_attn.q_proj.weight", e.Message);
    }

    [Fact]
    public void Rope_settings_from_transformers_5_configs_are_read()
    {
        var config = HfConfigFile.LoadLlama(Path.Combine(HfParityTests.Dir("llama-tiny-tied"), "config.json"));
        Assert.Equal(500000.0, config.EffectiveRopeTheta);
        Assert.Equal("default", config.RopeType);
    }
}
