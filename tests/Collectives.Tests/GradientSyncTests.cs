using System.Text.Json;
using Distributed.Trainer.Collectives;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;
using Xunit.Abstractions;

namespace Distributed.Collectives.Tests;

// The cluster worker's gradient sync: two ranks of an in-process Gloo world, each stepping its own TrainingSession over
// CollectiveGradientSync (the bucket reducer and the group's scalar all-reduce), against one rank stepping alone.
public sealed class GradientSyncTests(ITestOutputHelper output)
{
    private const int Steps = 3;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static JobFile Job(string objective) => new()
    {
        Objective = objective,
        Config = JsonDocument.Parse("""
            { "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "tie_word_embeddings": true, "initializer_range": 0.05 }
            """).RootElement.Clone(),
        Seed = 5,
        Steps = 6,
        Batch = 6,
        Lr = 3e-3,
        WarmupSteps = 1,
        EvalSamples = 4,
        SeqLen = 32,
        Kappa = 3,
        Substeps = 2,
        SubstepTokens = 32,
        SegmentsPerSubstep = 2,
        SegmentMin = 12,
        SegmentMax = 20,
    };

    private static double[] Weights(TrainingSession session) => [.. session.Objective.Module.Parameters().SelectMany(p => p.Data.ToDoubleArray())];

    [Theory]
    [InlineData("lm")] // one backward per micro-batch: buckets all-reduced while backward runs
    [InlineData("autocompressor")] // one backward per substep: buckets all-reduced during the last substep's backward
    public async Task Two_gloo_ranks_through_the_gradient_sync_take_the_single_rank_steps(string objective)
    {
        var job = Job(objective);
        double[] single;
        double[] singleWeights;
        using (var session = await TrainingSession.CreateAsync(job, WorldInfo.Single))
        {
            single = [.. Enumerable.Range(0, Steps).Select(_ => session.Step().Loss)];
            singleWeights = Weights(session);
        }

        using var server = TcpStore.Serve("127.0.0.1", 0, Timeout);
        var worldId = "sync-" + Guid.NewGuid().ToString("N")[..8];
        var ranks = await Task.WhenAll(Enumerable.Range(0, 2).Select(rank => Task.Factory.StartNew(() =>
        {
            using var group = ProcessGroup.Join(new Rendezvous("127.0.0.1", server.Port, worldId, rank, 2, Timeout), Device.Cpu,
                rank == 0 ? server : null);
            using var sync = new CollectiveGradientSync(group, Timeout);
            using var session = TrainingSession.CreateAsync(job, new WorldInfo(rank, 2), sync).GetAwaiter().GetResult();
            var steps = Enumerable.Range(0, Steps).Select(_ => session.Step()).ToList();
            return (Losses: steps.Select(s => s.Loss).ToArray(), Samples: steps.Select(s => s.Samples).ToArray(), Weights: Weights(session),
                Buckets: sync.LastTimings?.ReadyOrder.Length ?? -1);
        }, TaskCreationOptions.LongRunning)));

        output.WriteLine($"{objective}: 1 rank {string.Join(", ", single.Select(l => l.ToString("F6")))}; 2 ranks {string.Join(", ", ranks[0].Losses.Select(l => l.ToString("F6")))}");
        foreach (var r in ranks)
        {
            Assert.All(r.Samples, n => Assert.Equal(job.Batch, n));
            for (var s = 0; s < Steps; s++)
                Assert.True(Math.Abs(r.Losses[s] - single[s]) <= 1e-5 * Math.Abs(single[s]), $"step {s + 1}: {r.Losses[s]} on 2 ranks, {single[s]} on 1");
            Assert.Equal(singleWeights.Length, r.Weights.Length);
            var worst = singleWeights.Zip(r.Weights, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 2e-5, $"the weights after {Steps} steps differ by up to {worst} from the single rank's");
            Assert.True(r.Buckets >= 0, "the bucket reducer never ran");
        }
        // Both replicas are the same model after every step: the all-reduce gave both the same gradient.
        Assert.Equal(ranks[0].Weights, ranks[1].Weights);
    }
}
