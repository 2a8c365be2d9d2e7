using System.Diagnostics;
using System.Text.Json;
using Distributed.Trainer.Collectives;
using Distributed.Trainer.Data;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;

namespace Distributed.Bench.AutoCompressorBench;

/// <summary>
/// One rank of data-parallel AutoCompressor training through exactly the cluster worker's path: a
/// <see cref="TrainingSession"/> of an autocompressor job whose gradients a <see cref="CollectiveGradientSync"/>
/// sums over a <see cref="ProcessGroup"/> (NCCL on cuda:LOCAL_RANK, Gloo on the CPU), against
/// ../shared/bench/ref_autocompressor_ddp.py (PyTorch DDP) on the same workload: the reference's OPT shapes with
/// random weights, one document of random tokens per rank per step, fixed segments (segment_min = segment_max =
/// --seglen, so both sides cut every document alike), κ summary tokens, stop-gradient at each substep, AdamW with
/// the reference's lr and weight decay. The session adds what the worker does and the reference does not:
/// gradient clipping and reading the step's loss. Measurement as the reference: --warmup untimed steps, a barrier,
/// then the mean over --steps steps on rank 0, peak memory after the warm-up. Every rank prints one JSON line
/// (rank 0's carries every rank's peak memory and step-phase shares); progress goes to stderr.
/// </summary>
public static class DataParallelBench
{
    public static int Run(BenchOptions o)
    {
        var world = o.World ?? 1;
        var device = o.Cpu ? Device.Cpu : Device.Cuda(o.LocalRank);
        var clock = Stopwatch.StartNew();
        void Progress(string message)
        {
            if (o.Rank == 0) Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] rank 0/{world}: {message}");
        }

        var job = Job(o, device);
        var steps = o.Warmup + o.Steps;
        // Every rank makes the same documents (a function of the seed); the session's sample order gives rank r
        // every world-th document of a step, as it does in a cluster job.
        using var dataset = Documents(o, (o.EffectiveGlobalBatch * steps) + job.EvalSamples + 1);
        var data = JobData.FromDataset(dataset, "synthetic random tokens");

        // torchrun's agent serves the store itself (TORCHELASTIC_USE_AGENT_STORE); otherwise rank 0 serves it.
        var rendezvous = new Rendezvous(o.MasterAddress, o.Port, $"ac-bench-{o.Port}", o.Rank, world, o.Timeout) { JoinTimeout = o.Timeout };
        using var agentStore = o.AgentStore ? TcpStore.Connect(o.MasterAddress, o.Port, o.Timeout) : null;
        using var group = ProcessGroup.Join(rendezvous, device, agentStore);
        Progress($"joined the {group.Backend} world on {device} (store {o.MasterAddress}:{o.Port}{(o.AgentStore ? ", torchrun's" : "")})");
        using var sync = new CollectiveGradientSync(group, o.Timeout);
        using var session = TrainingSession.CreateAsync(job, new WorldInfo(o.Rank, world), sync, data: data).GetAwaiter().GetResult();
        Progress($"ours: {o.Describe(session.ParameterCount)}; world {world} over {group.Backend}, global batch {job.Batch} " +
            $"document(s) per step, micro-batch {job.MicroBatch}; lr {job.Lr}, weight decay {job.WeightDecay}, grad clip {job.GradClip}; " +
            $"{o.Warmup} warm-up + {o.Steps} timed steps");

        var losses = new List<double>();
        var timed = new List<StepMetrics>();
        for (var i = 0; i < steps; i++)
        {
            if (i == o.Warmup)
            {
                // Everyone finishes the warm-up before the clock starts, as the reference's synchronize + barrier.
                Synchronize(device);
                group.Barrier();
                Synchronize(device);
                if (device.IsCuda) Cuda.ResetPeakMemoryStats(device.Index);
                clock.Restart();
            }
            var m = session.Step();
            losses.Add(m.Loss);
            if (i >= o.Warmup) timed.Add(m);
            var expected = (long)job.Batch * o.DocumentTokens;
            if (m.Tokens != expected)
                throw new InvalidOperationException($"step {m.Step} read {m.Tokens} tokens over the world, expected {expected}: the documents are not the shape asked for");
            Progress($"step {i + 1}/{steps}{(i < o.Warmup ? " (warm-up)" : "")}: loss {m.Loss:F4}, {m.Seconds:F3} s " +
                $"(data {m.DataSeconds:F3}, compute {m.ComputeSeconds:F3}, sync {m.SyncSeconds:F3}, optimizer {m.OptimizerSeconds:F3})");
        }
        Synchronize(device);
        var elapsed = clock.Elapsed.TotalSeconds;

        // Per-rank figures to every rank: each fills its own slot of one vector, summed over the world.
        const int Fields = 6;
        var perRank = new double[Fields * world];
        var mine = perRank.AsSpan(Fields * o.Rank, Fields);
        mine[0] = device.IsCuda ? Cuda.MemoryStats(device.Index).PeakAllocated : 0;
        mine[1] = elapsed / o.Steps;
        mine[2] = timed.Sum(m => m.SyncSeconds);
        mine[3] = timed.Sum(m => m.ComputeSeconds);
        mine[4] = timed.Sum(m => m.DataSeconds + m.OptimizerSeconds);
        mine[5] = timed.Sum(m => m.Seconds);
        group.AllReduceSum(perRank);
        double Field(int rank, int field) => perRank[(Fields * rank) + field];
        IEnumerable<double> Each(Func<int, double> f) => Enumerable.Range(0, world).Select(f);

        var stepSeconds = Field(0, 1); // rank 0's clock, as the reference
        var timings = sync.LastTimings;
        var result = new Dictionary<string, object?>
        {
            ["impl"] = "ours",
            ["path"] = "TrainingSession + CollectiveGradientSync",
            ["rank"] = o.Rank,
            ["size"] = o.Size,
            ["params"] = session.ParameterCount,
            ["world"] = world,
            ["backend"] = group.Backend.ToString(),
            ["device"] = device.IsCuda ? $"cuda:{device.Index}" : "cpu",
            ["dtype"] = o.DType,
            ["substeps"] = o.Substeps,
            ["segs_per_substep"] = o.SegmentsPerSubstep,
            ["seglen"] = o.SegmentLength,
            ["kappa"] = o.Kappa,
            ["doc_tokens"] = o.DocumentTokens,
            ["global_batch"] = job.Batch,
            ["warmup"] = o.Warmup,
            ["steps"] = o.Steps,
            ["step_s"] = Math.Round(stepSeconds, 4),
            ["tokens_per_s"] = Math.Round(job.Batch * o.DocumentTokens / stepSeconds),
            ["tokens_per_s_per_gpu"] = Math.Round(job.Batch * o.DocumentTokens / stepSeconds / world),
            ["model_tflops_per_gpu"] = Math.Round(job.Batch * Workload.DocumentFlops(o, session.ParameterCount) / stepSeconds / world / 1e12, 1),
            ["peak_gib"] = device.IsCuda ? Math.Round(Field(0, 0) / Math.Pow(2, 30), 1) : null,
            ["peak_gib_per_rank"] = device.IsCuda ? Each(r => Math.Round(Field(r, 0) / Math.Pow(2, 30), 1)).ToArray() : null,
            ["step_s_per_rank"] = Each(r => Math.Round(Field(r, 1), 4)).ToArray(),
            // Exposed all-reduce: the step's wait for gradient buckets and scalars after its last backward; buckets
            // reduced during backward are hidden in compute.
            ["allreduce_share"] = Math.Round(Each(r => Field(r, 2) / Field(r, 5)).Max(), 4),
            ["allreduce_share_per_rank"] = Each(r => Math.Round(Field(r, 2) / Field(r, 5), 4)).ToArray(),
            ["compute_share"] = Math.Round(Field(0, 3) / Field(0, 5), 4),
            ["data_and_optimizer_share"] = Math.Round(Field(0, 4) / Field(0, 5), 4),
            ["buckets"] = timings?.ReadyNs.Length,
            ["buckets_launched_during_backward"] = timings?.LaunchedDuringBackward,
            ["losses"] = losses.ToArray(),
            ["torch"] = LibTorch.Version.ToString(),
        };
        if (o.ReportWeights)
        {
            double sum = 0, squares = 0;
            foreach (var p in session.Objective.Module.Parameters())
            {
                foreach (var x in p.Data.ToDoubleArray())
                {
                    sum += x;
                    squares += x * x;
                }
            }
            result["weights_sum"] = sum;
            result["weights_sum_of_squares"] = squares;
        }
        Console.WriteLine(JsonSerializer.Serialize(result));
        group.Barrier(); // nobody leaves (and tears the store down) while another rank still reduces
        return 0;
    }

    /// <summary>The autocompressor job a cluster worker would run for this workload.</summary>
    public static JobFile Job(BenchOptions o, Device device) => new()
    {
        Objective = "autocompressor",
        Family = "opt",
        Config = JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["vocab_size"] = o.Vocabulary,
            ["hidden_size"] = o.Shape.Hidden,
            ["num_hidden_layers"] = o.Shape.Layers,
            ["ffn_dim"] = 4 * o.Shape.Hidden,
            ["num_attention_heads"] = o.Shape.Heads,
            ["max_position_embeddings"] = o.MaxPositions,
            ["word_embed_proj_dim"] = o.Shape.Hidden,
            ["do_layer_norm_before"] = true,
            ["dropout"] = 0.0,
            ["attention_dropout"] = 0.0,
        }),
        Device = device.IsCuda ? $"cuda:{device.Index}" : "cpu",
        DType = o.DType,
        Seed = o.Seed,
        Steps = o.Warmup + o.Steps,
        Lr = o.Lr,
        MinLr = o.Lr, // constant, as the reference's AdamW
        WarmupSteps = 0,
        WeightDecay = 0.01, // torch.optim.AdamW's default, which the reference uses
        Batch = o.EffectiveGlobalBatch,
        MicroBatch = 1,
        EvalSamples = 1,
        Kappa = o.Kappa,
        Substeps = o.Substeps,
        SegmentsPerSubstep = o.SegmentsPerSubstep,
        SegmentMin = o.SegmentLength,
        SegmentMax = o.SegmentLength,
        SubstepTokens = o.SegmentsPerSubstep * o.SegmentLength,
        PackDocuments = false,
    };

    private static TokenizedDataset Documents(BenchOptions o, int count)
    {
        var rng = new SplitMix64(SplitMix64.Derive((ulong)o.Seed, 0xDA7A));
        var documents = new List<int[]>(count);
        for (var d = 0; d < count; d++)
        {
            var tokens = new int[o.DocumentTokens];
            for (var i = 0; i < tokens.Length; i++) tokens[i] = (int)rng.NextBelow((ulong)o.Vocabulary);
            documents.Add(tokens);
        }
        return ByteCorpus.FromTokensAsync(documents, o.Vocabulary, "synthetic", "random").GetAwaiter().GetResult();
    }

    private static void Synchronize(Device device)
    {
        if (device.IsCuda) Cuda.Synchronize(device.Index);
    }
}
