using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Nn;

public sealed class ModuleTests
{
    [Fact]
    public void Parameters_have_dotted_names_and_a_state_dict_round_trips()
    {
        using var g = new Generator(3);
        using var a = new TinyMlp(g);
        using var b = new TinyMlp(g);
        Assert.Equal(
            ["embed.weight", "norm.weight", "norm.bias", "up.weight", "up.bias", "down.weight"],
            a.NamedParameters().Select(x => x.Name).ToArray());
        Assert.Equal(11 * 8 + 8 + 8 + 16 * 8 + 16 + 11 * 16, a.ParameterCount);
        Assert.NotEqual(a.Up.Weight.Data.ToFloatArray(), b.Up.Weight.Data.ToFloatArray());
        b.LoadStateDict(a.StateDict());
        Assert.Equal(a.Up.Weight.Data.ToFloatArray(), b.Up.Weight.Data.ToFloatArray());
    }

    [Fact]
    public void Loading_a_state_dict_with_wrong_names_or_shapes_names_them()
    {
        using var g = new Generator(3);
        using var a = new TinyMlp(g);
        using var bad = Tensor.Zeros([3, 3]);
        var state = a.StateDict();
        state.Remove("up.bias");
        state["extra"] = bad;
        var e = Assert.Throws<ArgumentException>(() => a.LoadStateDict(state));
        Assert.Contains("missing [up.bias]", e.Message);
        Assert.Contains("unexpected [extra]", e.Message);
        var wrong = a.StateDict();
        wrong["norm.weight"] = bad;
        e = Assert.Throws<ArgumentException>(() => a.LoadStateDict(wrong));
        Assert.Contains("'norm.weight' has shape [3, 3]", e.Message);
    }

    [Fact]
    public void Flat_buckets_hold_the_values_and_receive_the_gradients()
    {
        using var g = new Generator(4);
        using var model = new TinyMlp(g);
        var before = model.NamedParameters().ToDictionary(x => x.Name, x => x.Parameter.Data.ToFloatArray());
        model.Norm.Weight.Trainable = false;
        using var flat = FlatParameters.Build(model, Device.Cpu, DType.Float32, bucketElements: 150);
        // Values survive the move; every parameter is now a view of its bucket.
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.Equal(before[name], p.Data.ToFloatArray());
            Assert.True(p.Data.IsLeaf);
            Assert.Contains(flat.Buckets, b => p.Data.SharesStorageWith(b.Data));
        }
        // Groups: trainable matrices (split at 150 elements), trainable vectors, frozen.
        Assert.Equal([true, true, true, false, false], flat.Buckets.Select(b => b.Decays).ToArray());
        Assert.Null(flat.Buckets[^1].Grad);
        Assert.False(model.Norm.Weight.Trainable);
        using (var scope = TensorScope.Begin())
        {
            model.Loss(Tensor.FromArray(new long[] { 1, 2 }, 1, 2), Tensor.FromArray(new long[] { 3, 4 }, 1, 2)).Backward();
            foreach (var (name, p, offset) in flat.TrainableBuckets.SelectMany(b => b.Parameters.Select(x => (x.Name, x.Parameter, x.Offset))))
            {
                var viaParam = p.Grad()!.ToFloatArray();
                var bucket = flat.Buckets.Single(b => b.Parameters.Any(x => x.Name == name));
                var viaBucket = bucket.Grad!.Narrow(0, offset, p.NumEl).ToFloatArray();
                Assert.Equal(viaParam, viaBucket);
            }
            Assert.Contains(flat.Buckets[0].Grad!.ToFloatArray(), x => x != 0);
        }
        flat.ZeroGrad();
        Assert.All(flat.TrainableBuckets.SelectMany(b => b.Grad!.ToFloatArray()), x => Assert.Equal(0f, x));
        Assert.Null(model.Norm.Weight.Grad());
    }

    [Fact]
    public void Freeze_stops_gradients()
    {
        using var g = new Generator(5);
        using var model = new TinyMlp(g);
        model.Up.Freeze();
        using var scope = TensorScope.Begin();
        model.Loss(Tensor.FromArray(new long[] { 1 }, 1, 1), Tensor.FromArray(new long[] { 2 }, 1, 1)).Backward();
        Assert.Null(model.Up.Weight.Grad());
        Assert.NotNull(model.Down.Weight.Grad());
    }
}
