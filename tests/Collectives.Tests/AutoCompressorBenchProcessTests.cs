using System.Globalization;
using System.Text.Json;
using Distributed.Bench.AutoCompressorBench;
using Distributed.Collectives.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Distributed.Collectives.Tests;

// bench/AutoCompressorBench's data-parallel mode (what infra/gpu/autocompressor-ddp.sh runs on GPUs) on the CPU:
// tiny OPT shapes, Gloo, real rank processes. It is the cluster worker's path (TrainingSession +
// CollectiveGradientSync), so a 2-rank world must take the same steps as 1 rank with the same global batch.
public sealed class AutoCompressorBenchProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    // 2 substeps x 2 segments x 16 tokens, κ 4: every document runs two backward passes, and only the second may
    // be reduced. The learning rate is large enough that a wrong gradient shows in the next step's loss.
    private static readonly string[] Workload =
    [
        "--size", "tiny", "--vocab", "300", "--substeps", "2", "--segs-per-substep", "2", "--seglen", "16", "--kappa", "4",
        "--warmup", "1", "--steps", "3", "--device", "cpu", "--lr", "0.01", "--report-weights",
    ];

    private readonly string _cache = Directory.CreateTempSubdirectory("ac-bench-cache-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public async Task Two_rank_processes_over_Gloo_take_the_same_steps_as_one_rank_with_the_same_global_batch()
    {
        // One rank, both documents of each step in turn; flags give rank, world and port.
        var single = await RunWorldAsync(1, (rank, port) => ([.. Workload, "--world", "1", "--global-batch", "2", "--port", Invariant(port)], null));
        // Two ranks, one document each; torchrun's variables give rank, world and store address.
        var pair = await RunWorldAsync(2, (rank, port) => (Workload, new Dictionary<string, string>
        {
            ["RANK"] = Invariant(rank),
            ["LOCAL_RANK"] = Invariant(rank),
            ["WORLD_SIZE"] = "2",
            ["MASTER_ADDR"] = "127.0.0.1",
            ["MASTER_PORT"] = Invariant(port),
        }));

        var one = single[0];
        Assert.Equal(1, one.GetProperty("world").GetInt32());
        var losses = Losses(one);
        output.WriteLine($"1 rank: {string.Join(", ", losses.Select(l => l.ToString("F7", CultureInfo.InvariantCulture)))}");
        Assert.Equal(4, losses.Length);
        // The steps must move the model, or equal losses would show nothing.
        Assert.True(Math.Abs(losses[^1] - losses[0]) > 1e-3 * Math.Abs(losses[0]), $"the loss hardly moved: {losses[0]} -> {losses[^1]}");
        foreach (var r in pair)
        {
            var rank = r.GetProperty("rank").GetInt32();
            Assert.Equal(2, r.GetProperty("world").GetInt32());
            Assert.Equal("Gloo", r.GetProperty("backend").GetString());
            Assert.Equal(2, r.GetProperty("global_batch").GetInt32());
            var theirs = Losses(r);
            output.WriteLine($"2 ranks, rank {rank}: {string.Join(", ", theirs.Select(l => l.ToString("F7", CultureInfo.InvariantCulture)))}");
            Assert.Equal(losses.Length, theirs.Length);
            for (var s = 0; s < losses.Length; s++)
                Assert.True(Math.Abs(theirs[s] - losses[s]) <= 1e-5 * Math.Abs(losses[s]), $"step {s + 1}: {theirs[s]} on rank {rank} of 2, {losses[s]} with 1 rank");
            foreach (var field in new[] { "weights_sum", "weights_sum_of_squares" })
            {
                double a = one.GetProperty(field).GetDouble(), b = r.GetProperty(field).GetDouble();
                Assert.True(Math.Abs(a - b) <= 1e-5 * Math.Abs(a), $"{field} after training: {b} on rank {rank} of 2, {a} with 1 rank");
            }
            // The gradient buckets were reduced while the last substep's backward ran, not after it.
            Assert.True(r.GetProperty("buckets_launched_during_backward").GetInt32() > 0, $"rank {rank}: no bucket was reduced during backward");
        }
        Assert.Equal(Losses(pair[0]), Losses(pair[1]));
        Assert.Equal(pair[0].GetProperty("weights_sum").GetDouble(), pair[1].GetProperty("weights_sum").GetDouble());
        var shares = pair[0].GetProperty("allreduce_share_per_rank").EnumerateArray().Select(x => x.GetDouble()).ToList();
        Assert.Equal(2, shares.Count);
        Assert.All(shares, s => Assert.InRange(s, 0, 1));
    }

    [Fact]
    public void Bad_flags_are_refused_together_naming_each_flag()
    {
        var e = Assert.Throws<BenchUsageException>(() => BenchOptions.Parse(
            ["--world", "2", "--rank", "2", "--size", "3b", "--seglen", "x", "--allreduce", "--bogus", "1"], _ => null));
        output.WriteLine(e.Message);
        Assert.Contains(e.Problems, p => p.Contains("rank 2 is outside a world of 2", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("--size '3b'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("--seglen 'x'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("--allreduce", StringComparison.Ordinal) && p.Contains("bench/AllReduceBench", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("--bogus", StringComparison.Ordinal));
        var single = Assert.Throws<BenchUsageException>(() => BenchOptions.Parse(["--rank", "1"], _ => null));
        Assert.Contains(single.Problems, p => p.Contains("add --world", StringComparison.Ordinal));
    }

    [Fact]
    public void The_reference_flags_give_the_reference_workload_and_torchrun_variables_give_the_place()
    {
        // The defaults and flags of ../shared/bench/ref_autocompressor_ddp.py, as infra/gpu/autocompressor-ddp.sh passes them.
        var env = new Dictionary<string, string> { ["WORLD_SIZE"] = "2", ["RANK"] = "1", ["LOCAL_RANK"] = "1", ["MASTER_ADDR"] = "10.0.0.5", ["MASTER_PORT"] = "29511", ["TORCHELASTIC_USE_AGENT_STORE"] = "True" };
        var o = BenchOptions.Parse(["--size", "1.3b", "--substeps", "10", "--segs-per-substep", "2", "--seglen", "1536", "--kappa", "50", "--steps", "3"], env.GetValueOrDefault);
        Assert.Equal((2, 1, 1, "10.0.0.5", 29511, true), (o.World, o.Rank, o.LocalRank, o.MasterAddress, o.Port, o.AgentStore));
        Assert.Equal((30_720, 20, 2, "bf16", false), (o.DocumentTokens, o.Segments, o.EffectiveGlobalBatch, o.DType, o.Cpu));
        Assert.Equal(1536 + (50 * 21) + 8, o.MaxPositions); // the reference's max_position_embeddings
        var job = DataParallelBench.Job(o, Trainer.Torch.Device.Cuda(o.LocalRank));
        job.Validate();
        Assert.Equal(("cuda:1", 2, 1, 1536, 1536, 3072, 10), (job.Device, job.Batch, job.MicroBatch, job.SegmentMin, job.SegmentMax, job.SubstepTokens, job.Substeps));
    }

    private async Task<IReadOnlyList<JsonElement>> RunWorldAsync(int world, Func<int, int, (string[] Args, Dictionary<string, string>? Environment)> rankArgs)
    {
        var port = TestWorld.FreePort();
        var ranks = Enumerable.Range(0, world).Select(rank =>
        {
            var (args, environment) = rankArgs(rank, port);
            environment = new Dictionary<string, string>(environment ?? []) { ["DISTRIBUTED_SHARD_CACHE"] = _cache };
            return RankProcess.StartProgram("autocompressor-bench.dll", rank, args, environment);
        }).ToList();
        try
        {
            var phase = $"the bench's world of {world}";
            await Task.WhenAll(ranks.Select(r => r.WaitForExitAsync(RunTimeout, phase)));
            foreach (var r in ranks) Assert.True(r.ExitCode == 0, $"{phase}: rank {r.Rank} exited with {r.ExitCode}. Output:\n{r.Output}");
            var lines = await Task.WhenAll(ranks.Select(r => r.WaitForLineAsync("{", RunTimeout, $"{phase}, its result line")));
            return [.. lines.Select(l => JsonDocument.Parse(l).RootElement.Clone())];
        }
        finally
        {
            foreach (var r in ranks) r.Dispose();
        }
    }

    private static double[] Losses(JsonElement result) => [.. result.GetProperty("losses").EnumerateArray().Select(x => x.GetDouble())];

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
