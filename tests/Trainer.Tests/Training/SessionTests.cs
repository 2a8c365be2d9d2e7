using System.Text.Json;
using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Objectives;
using Distributed.Trainer.Objectives.Lm;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
using Xunit.Abstractions;

namespace Distributed.Trainer.Tests.Training;

// The training step's contract: data-parallel equivalence (W ranks = 1 rank), micro-batch accumulation, and
// exact resumption from a checkpoint.
public sealed class SessionTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("session-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(double[] Losses, double[] Weights)> TrainAsync(JobFile job, int steps)
    {
        using var session = await TinyJobs.SessionAsync(job);
        var losses = Enumerable.Range(0, steps).Select(_ => session.Step().Loss).ToArray();
        return (losses, TinyJobs.Weights(session));
    }

    [Theory]
    [InlineData("lm")]
    [InlineData("autocompressor")]
    [InlineData("icae")]
    public async Task Two_ranks_sharing_each_step_take_the_same_steps_as_one_rank(string objective)
    {
        var job = TinyJobs.Job(objective);
        var (single, singleWeights) = await TrainAsync(job, 4);
        var world = new InProcessWorld(2);
        var data = await TinyJobs.DataAsync();
        var ranks = InProcessWorld.Run(2, rank =>
        {
            using var session = TrainingSession.CreateAsync(job, new WorldInfo(rank, 2), world.Rank(rank), data: data).GetAwaiter().GetResult();
            var steps = Enumerable.Range(0, 4).Select(_ => session.Step()).ToList();
            var evaluation = session.Evaluate();
            return (Losses: steps.Select(s => s.Loss).ToArray(), Samples: steps.Select(s => s.Samples).ToArray(), Weights: TinyJobs.Weights(session), evaluation.Loss);
        });
        output.WriteLine($"1 rank: {string.Join(", ", single.Select(l => l.ToString("F6")))}; 2 ranks: {string.Join(", ", ranks[0].Losses.Select(l => l.ToString("F6")))}");
        Assert.Equal([1, 1], world.LastBackwardStarts.Select(n => n / 4));
        foreach (var r in ranks)
        {
            Assert.All(r.Samples, n => Assert.Equal(job.Batch, n));
            for (var s = 0; s < single.Length; s++)
                Assert.True(Math.Abs(r.Losses[s] - single[s]) <= 1e-5 * Math.Abs(single[s]), $"step {s + 1}: {r.Losses[s]} with 2 ranks, {single[s]} with 1");
            AssertClose(singleWeights, r.Weights, 2e-5);
        }
        Assert.Equal(ranks[0].Weights, ranks[1].Weights);
        Assert.Equal(ranks[0].Loss, ranks[1].Loss);
    }

    [Fact]
    public async Task The_lm_step_is_bit_for_bit_the_textbook_step_on_the_same_samples()
    {
        // The reference: mean cross-entropy of the step's windows, backward, clip, AdamW, on a twin model.
        var job = TinyJobs.Job("lm");
        using var session = await TinyJobs.SessionAsync(job);
        var data = await TinyJobs.DataAsync();
        var (train, _) = HeldOutSplit.Of(new LmSampler(data.Dataset!, job.SeqLen + 1, (ulong)job.Seed), job.EvalSamples, "lm", data.Name);
        using var generator = new Generator(job.Seed);
        using var twin = new Llama(HfConfigFile.ParseLlama(JsonDocument.Parse(session.Objective.Model.ConfigJson()).RootElement, "twin"), generator);
        using var flat = FlatParameters.Build(twin, Device.Cpu, DType.Float32);
        using var adam = new AdamW(flat, new AdamWOptions(WeightDecay: job.WeightDecay));
        var schedule = new LrSchedule(job.Lr, job.WarmupSteps!.Value, job.Steps, job.Lr / 10);
        for (var step = 0; step < 4; step++)
        {
            var order = new SampleOrder(train.Count, train.Seed, session.Cursor.Epoch);
            var windows = Enumerable.Range(0, job.Batch).Select(j => train.Get(order[session.Cursor.Consumed + j], session.Cursor.Epoch)).ToList();
            double expected;
            using (var scope = TensorScope.Begin())
            {
                flat.ZeroGrad();
                var ids = Tensor.FromArray(windows.SelectMany(w => w.Select(t => (long)t)).ToArray(), job.Batch, job.SeqLen + 1);
                var positions = Tensor.Arange(job.SeqLen).Unsqueeze(0).Expand(job.Batch, job.SeqLen);
                var logits = twin.Logits(twin.Hidden(twin.EmbedTokens(ids.Narrow(1, 0, job.SeqLen)), positions));
                var loss = Functional.CrossEntropy(logits.View(job.Batch * job.SeqLen, -1), ids.Narrow(1, 1, job.SeqLen).Reshape(job.Batch * job.SeqLen));
                loss.Backward();
                GradientClipping.ClipGradNorm(flat, job.GradClip);
                adam.Step(schedule.At(step));
                expected = loss.Item();
            }
            Assert.Equal(expected, session.Step().Loss);
        }
        Assert.Equal(twin.Parameters().SelectMany(p => p.Data.ToDoubleArray()), TinyJobs.Weights(session));
    }

    [Fact]
    public async Task Micro_batches_accumulate_to_the_step_of_the_whole_batch()
    {
        var job = TinyJobs.Job("lm", dtype: "f64");
        var (whole, wholeWeights) = await TrainAsync(job, 3);
        var (split, splitWeights) = await TrainAsync(job with { MicroBatch = 3 }, 3);
        for (var s = 0; s < whole.Length; s++) Assert.Equal(whole[s], split[s], 12);
        AssertClose(wholeWeights, splitWeights, 1e-12);
    }

    [Theory]
    [InlineData("lm")]
    [InlineData("autocompressor")]
    public async Task A_resumed_run_takes_exactly_the_steps_of_the_uninterrupted_one(string objective)
    {
        var job = TinyJobs.Job(objective) with { Steps = 6 };
        var (uninterrupted, weights) = await TrainAsync(job, 6);

        string checkpoint;
        var losses = new List<double>();
        using (var first = await TinyJobs.SessionAsync(job))
        {
            for (var i = 0; i < 3; i++) losses.Add(first.Step().Loss);
            var writer = new CheckpointWriter(new LocalCheckpointStore(_dir), 2, Microsoft.Extensions.Logging.Abstractions.NullLogger<CheckpointWriter>.Instance);
            checkpoint = await writer.WriteAsync(first.Snapshot());
            // Steps after the snapshot do not leak into the checkpoint.
            first.Step();
        }
        var (store, name) = await CheckpointReader.ResolveAsync(checkpoint);
        var snapshot = await CheckpointReader.LoadAsync(store, name);
        Assert.Equal(3, snapshot.Step);
        using (var resumed = await TinyJobs.SessionAsync(snapshot.Job, resume: snapshot))
        {
            Assert.Equal(3, resumed.StepCount);
            for (var i = 3; i < 6; i++) losses.Add(resumed.Step().Loss);
            Assert.Equal(uninterrupted, losses);
            Assert.Equal(weights, TinyJobs.Weights(resumed));
        }

        // The state does not depend on the world size: two ranks continue it too.
        var world = new InProcessWorld(2);
        var data = await TinyJobs.DataAsync();
        var ranks = InProcessWorld.Run(2, rank =>
        {
            using var session = TrainingSession.CreateAsync(snapshot.Job, new WorldInfo(rank, 2), world.Rank(rank), resume: snapshot, data: data).GetAwaiter().GetResult();
            return Enumerable.Range(3, 3).Select(_ => session.Step().Loss).ToArray();
        });
        for (var s = 0; s < 3; s++)
            Assert.True(Math.Abs(ranks[0][s] - uninterrupted[s + 3]) <= 1e-5 * uninterrupted[s + 3], $"step {s + 4}: {ranks[0][s]} vs {uninterrupted[s + 3]}");
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual).Select((p, i) => (Error: Math.Abs(p.First - p.Second) / Math.Max(1e-3, Math.Abs(p.First)), i)).MaxBy(x => x.Error);
        Assert.True(worst.Error <= tolerance, $"weight {worst.i}: {actual[worst.i]} vs {expected[worst.i]} (relative error {worst.Error:E2})");
    }
}
