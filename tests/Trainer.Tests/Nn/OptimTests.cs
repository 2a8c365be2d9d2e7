using Distributed.Trainer.Nn;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Nn;

public sealed class OptimTests
{
    [Fact]
    public void AdamW_matches_a_from_scratch_implementation()
    {
        using var g = new Generator(1);
        using var model = new TinyMlp(g);
        using var flat = FlatParameters.Build(model, Device.Cpu, DType.Float64);
        var options = new AdamWOptions(Beta1: 0.8, Beta2: 0.95, Eps: 1e-6, WeightDecay: 0.3);
        using var opt = new AdamW(flat, options);
        var buckets = flat.TrainableBuckets.ToList();
        var p = buckets.Select(b => b.Data.ToDoubleArray()).ToArray();
        var m = p.Select(x => new double[x.Length]).ToArray();
        var v = p.Select(x => new double[x.Length]).ToArray();
        var ids = Tensor.FromArray(new long[] { 1, 5, 7, 2, 9, 3 }, 2, 3);
        var targets = Tensor.FromArray(new long[] { 5, 7, 2, 9, 3, 1 }, 2, 3);
        for (var step = 1; step <= 5; step++)
        {
            var lr = 0.01 * step;
            using (var scope = TensorScope.Begin())
            {
                flat.ZeroGrad();
                model.Loss(ids, targets).Backward();
            }
            for (var b = 0; b < buckets.Count; b++)
            {
                var grad = buckets[b].Grad!.ToDoubleArray();
                Assert.Contains(grad, x => x != 0);
                var wd = buckets[b].Decays ? options.WeightDecay : 0;
                for (var i = 0; i < p[b].Length; i++)
                {
                    p[b][i] *= 1 - lr * wd;
                    m[b][i] = options.Beta1 * m[b][i] + (1 - options.Beta1) * grad[i];
                    v[b][i] = options.Beta2 * v[b][i] + (1 - options.Beta2) * grad[i] * grad[i];
                    var mHat = m[b][i] / (1 - Math.Pow(options.Beta1, step));
                    var vHat = v[b][i] / (1 - Math.Pow(options.Beta2, step));
                    p[b][i] -= lr * mHat / (Math.Sqrt(vHat) + options.Eps);
                }
            }
            opt.Step(lr);
            for (var b = 0; b < buckets.Count; b++)
                Torch.Ref.Close(p[b], buckets[b].Data, 1e-12, $"step {step} bucket {b}");
        }
        Assert.Equal(5, opt.StepCount);
        ids.Dispose();
        targets.Dispose();
    }

    [Fact]
    public void Clipping_scales_to_the_max_norm_and_reports_the_norm_before()
    {
        using var g = new Generator(2);
        using var model = new TinyMlp(g);
        using var flat = FlatParameters.Build(model, Device.Cpu, DType.Float64);
        using var scope = TensorScope.Begin();
        model.Loss(Tensor.FromArray(new long[] { 1, 2, 3 }, 1, 3), Tensor.FromArray(new long[] { 2, 3, 4 }, 1, 3)).Backward();
        var before = flat.TrainableBuckets.SelectMany(b => b.Grad!.ToDoubleArray()).ToArray();
        var norm = Math.Sqrt(before.Sum(x => x * x));
        var reported = GradientClipping.ClipGradNorm(flat, norm / 4).Item();
        Assert.Equal(norm, reported, 5);
        var after = flat.TrainableBuckets.SelectMany(b => b.Grad!.ToDoubleArray()).ToArray();
        Assert.Equal(norm / 4, Math.Sqrt(after.Sum(x => x * x)), 5);
        // Below the limit nothing changes.
        GradientClipping.ClipGradNorm(flat, norm);
        Assert.Equal(after, flat.TrainableBuckets.SelectMany(b => b.Grad!.ToDoubleArray()).ToArray());
    }

    [Fact]
    public void Lr_schedule_warms_up_then_decays()
    {
        var cosine = new LrSchedule(1.0, WarmupSteps: 10, TotalSteps: 110, MinLr: 0.1);
        Assert.Equal(0.1, cosine.At(0), 12);
        Assert.Equal(1.0, cosine.At(9), 12);
        Assert.Equal(1.0, cosine.At(10), 12);
        Assert.Equal(0.55, cosine.At(60), 12);
        Assert.Equal(0.1, cosine.At(110), 12);
        Assert.Equal(0.1, cosine.At(500), 12);
        var linear = cosine with { Shape = DecayShape.Linear };
        Assert.Equal(0.1 + 0.9 * 0.75, linear.At(35), 12);
        Assert.Equal(1.0, (cosine with { Shape = DecayShape.Constant }).At(1000), 12);
    }
}
