using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Models;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;

namespace Distributed.Trainer.Tests.Training;

public sealed class LmTrainerTests
{
    private static Llama Model() => new(new LlamaConfig
    {
        VocabSize = 32,
        HiddenSize = 16,
        IntermediateSize = 24,
        NumHiddenLayers = 1,
        NumAttentionHeads = 2,
        MaxPositionEmbeddings = 32,
    }, new Generator(4));

    [Fact]
    public void Accumulating_two_micro_batches_takes_the_same_step_as_one_batch_of_both()
    {
        var rng = new Random(2);
        var batch = new long[4, 9];
        for (var b = 0; b < 4; b++)
            for (var t = 0; t < 9; t++) batch[b, t] = rng.Next(32);
        long[,] Half(int from)
        {
            var h = new long[2, 9];
            for (var b = 0; b < 2; b++)
                for (var t = 0; t < 9; t++) h[b, t] = batch[from + b, t];
            return h;
        }
        var options = new LmTrainingOptions(WarmupSteps: 1, TotalSteps: 10);
        using var whole = Model();
        using var split = Model();
        using var a = new LmTrainer(whole, Device.Cpu, DType.Float64, options);
        using var b2 = new LmTrainer(split, Device.Cpu, DType.Float64, options);
        var r1 = a.Step([batch]);
        var r2 = b2.Step([Half(0), Half(2)]);
        Assert.Equal(r1.Loss, r2.Loss, 12);
        Assert.Equal(r1.GradNorm, r2.GradNorm, 12);
        var pa = a.Parameters.Buckets.SelectMany(x => x.Data.ToDoubleArray()).ToArray();
        var pb = b2.Parameters.Buckets.SelectMany(x => x.Data.ToDoubleArray()).ToArray();
        Assert.Equal(pa.Length, pb.Length);
        for (var i = 0; i < pa.Length; i++) Assert.Equal(pa[i], pb[i], 12);
    }
}
