using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Collectives;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Torch;

namespace Distributed.Collectives.TestHost;

/// <summary>
/// The bucket reducer on a tiny Llama: every rank accumulates its own micro-batches (only the last backward
/// synchronized), and the summed gradients must equal, within float32 rounding, those of one process that
/// runs every rank's micro-batches. It also prints when each bucket became ready and was launched.
/// </summary>
internal static class ReducerCheck
{
    private const int MicroBatches = 3, Steps = 3, Batch = 2, Tokens = 24;

    private static readonly LlamaConfig Config = new()
    {
        VocabSize = 64,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 3,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 64,
        InitializerRange = 0.1,
        TieWordEmbeddings = false,
    };

    public static void Run(Options o, Report report)
    {
        using var group = ProcessGroup.Join(o.Rendezvous(), Device.Cpu);
        // The same initial weights everywhere (same seed); small buckets, so that there are several.
        using var g = new Generator(5);
        using var model = new Llama(Config, g);
        using var flat = FlatParameters.Build(model, Device.Cpu, DType.Float32, bucketElements: 3000);
        using var g2 = new Generator(5);
        using var single = new Llama(Config, g2);
        using var singleFlat = FlatParameters.Build(single, Device.Cpu, DType.Float32, bucketElements: 3000);
        using var reducer = new BucketAllReducer(flat, group);
        Report.Line($"BUCKETS count={reducer.Buckets.Count} elements=[{string.Join(",", reducer.Buckets.Select(b => b.Elements))}]");
        var scale = 1.0 / (MicroBatches * o.World);
        for (var step = 0; step < Steps; step++)
        {
            flat.ZeroGrad();
            using (var scope = TensorScope.Begin())
            {
                for (var m = 0; m < MicroBatches; m++)
                {
                    var loss = Loss(model, Ids(step, o.Rank, m)) * scale;
                    if (m == MicroBatches - 1) reducer.BeginLastBackward();
                    loss.Backward();
                }
            }
            reducer.FinishAndWait();
            var t = reducer.LastTimings!;
            var lastReady = t.ReadyNs.Max();
            Report.Line($"TIMINGS step={step} launchedDuringBackward={t.LaunchedDuringBackward} launchedBeforeLastReady={t.LaunchNs.Count(x => x != 0 && x < lastReady)} readyOrder=[{string.Join(",", t.ReadyOrder)}] launchOrder=[{string.Join(",", reducer.LaunchOrder)}] readyUs=[{string.Join(",", t.ReadyNs.Select(x => (x - t.FinishNs) / 1000))}] launchUs=[{string.Join(",", t.LaunchNs.Select(x => (x - t.FinishNs) / 1000))}]");

            // One process over the union of every rank's micro-batches.
            singleFlat.ZeroGrad();
            for (var r = 0; r < o.World; r++)
                for (var m = 0; m < MicroBatches; m++)
                {
                    using var scope = TensorScope.Begin();
                    (Loss(single, Ids(step, r, m)) * scale).Backward();
                }
            var worst = 0.0;
            var worstRelative = 0.0;
            var ok = true;
            foreach (var (mine, reference) in flat.TrainableBuckets.Zip(singleFlat.TrainableBuckets))
            {
                var a = mine.Grad!.ToFloatArray();
                var b = reference.Grad!.ToFloatArray();
                var scaleOf = b.Max(x => Math.Abs(x));
                for (var i = 0; i < a.Length; i++)
                {
                    var err = Math.Abs(a[i] - b[i]);
                    worst = Math.Max(worst, err);
                    worstRelative = Math.Max(worstRelative, err / scaleOf);
                    if (err > 1e-5 * scaleOf + 1e-8) ok = false;
                }
                if (scaleOf == 0) ok = false; // a bucket without any gradient would prove nothing
            }
            report.Check($"reducer-step{step}", ok, $"max|error|={worst:G3} relative={worstRelative:G3}");
        }
        double[] scalars = [group.Rank + 1, 0.5];
        reducer.AllReduceScalars(scalars);
        var expectedSum = o.World * (o.World + 1) / 2.0;
        report.Check("reducer-scalars", scalars[0] == expectedSum && scalars[1] == 0.5 * o.World, $"got [{scalars[0]}, {scalars[1]}]");
    }

    private static long[,] Ids(int step, int rank, int micro)
    {
        var rng = new Random((step * 1000) + (rank * 10) + micro);
        var ids = new long[Batch, Tokens + 1];
        for (var b = 0; b < Batch; b++)
            for (var t = 0; t <= Tokens; t++) ids[b, t] = rng.Next(Config.VocabSize);
        return ids;
    }

    // Mean next-token cross-entropy of a (B, T + 1) batch.
    private static Tensor Loss(Llama model, long[,] batch)
    {
        var all = Tensor.FromMatrix(batch);
        var inputs = all.Narrow(1, 0, Tokens); // (B, T)
        var targets = all.Narrow(1, 1, Tokens);
        var positions = Tensor.Arange(Tokens).Unsqueeze(0).Expand(Batch, Tokens); // (B, T)
        var logits = model.Logits(model.Hidden(model.EmbedTokens(inputs), positions)); // (B, T, V)
        return Functional.CrossEntropy(logits.View(Batch * Tokens, -1), targets.Reshape(Batch * Tokens));
    }
}
