using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distributed.Bench.CheckpointBench;

/// <summary>
/// The cost of checkpoints to training (issue 10: "training stalls &lt;= 2 s, and step time with a checkpoint every
/// 50 steps is within 1% of step time without"). One TrainingSession (the worker's step: LM objective, OPT shapes,
/// random weights, synthetic random tokens) alternates blocks of --steps steps without checkpoints and with a
/// checkpoint every --every steps, --rounds times each, after --warmup steps. A checkpoint is what a worker does:
/// session.Snapshot() on the training thread (the stall: weights and AdamW moments copied to host memory), then the
/// checkpoint files written to local disk (--output) on a background task while training goes on (the trainer's
/// CheckpointWriter: the same files, manifest and retention as a cluster checkpoint of world 1). A block's step time
/// is its wall clock over its steps, stalls included; a write still running when its block ends is waited for
/// outside the clock and reported as overrun. Before the blocks, one check that a snapshot is its step boundary's state
/// although the next steps run while it is copied (the weights read synchronously before it, compared with its bytes
/// once two more steps have run). Prints one JSON line.
/// Usage: checkpoint-bench [--size 2.7b|1.3b|125m|tiny] [--device cuda:0|cpu] [--dtype bf16|f32] [--batch 8] [--seq-len 2048]
///        [--steps 100] [--every 50] [--rounds 2] [--warmup 5] [--output /tmp/checkpoint-bench]
/// </summary>
public static class Program
{
    private static readonly Dictionary<string, (int Layers, int Hidden, int Heads, int Vocabulary)> Sizes = new()
    {
        ["tiny"] = (2, 64, 4, 512),
        ["125m"] = (12, 768, 12, 50272),
        ["1.3b"] = (24, 2048, 32, 50272),
        ["2.7b"] = (32, 2560, 32, 50272),
    };

    public static async Task<int> Main(string[] args)
    {
        string Arg(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        int Int(string name, int fallback) => int.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var size = Arg("--size", "2.7b");
        if (!Sizes.TryGetValue(size, out var shape))
        {
            Console.Error.WriteLine($"checkpoint-bench: --size {size}: expected one of {string.Join(", ", Sizes.Keys)}");
            return 2;
        }
        var device = Arg("--device", "cuda:0");
        var dtype = Arg("--dtype", "bf16");
        int batch = Int("--batch", 8), seqLen = Int("--seq-len", 2048), steps = Int("--steps", 100), every = Int("--every", 50);
        int rounds = Int("--rounds", 2), warmup = Int("--warmup", 5);
        var output = Arg("--output", Path.Combine(Path.GetTempPath(), "checkpoint-bench"));
        if (every < 1 || steps < every || rounds < 1)
        {
            Console.Error.WriteLine("checkpoint-bench: need --every >= 1, --steps >= --every and --rounds >= 1");
            return 2;
        }
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);

        var totalSteps = warmup + (2 * rounds * steps);
        var job = new JobFile
        {
            Objective = "lm",
            Family = "opt",
            Config = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["vocab_size"] = shape.Vocabulary,
                ["hidden_size"] = shape.Hidden,
                ["num_hidden_layers"] = shape.Layers,
                ["ffn_dim"] = 4 * shape.Hidden,
                ["num_attention_heads"] = shape.Heads,
                ["max_position_embeddings"] = seqLen,
                ["word_embed_proj_dim"] = shape.Hidden,
                ["do_layer_norm_before"] = true,
                ["dropout"] = 0.0,
                ["attention_dropout"] = 0.0,
            }),
            Device = device,
            DType = dtype,
            Seed = 1,
            Steps = totalSteps,
            Lr = 1e-5,
            MinLr = 1e-5,
            WarmupSteps = 0,
            WeightDecay = 0.01,
            Batch = batch,
            MicroBatch = batch,
            SeqLen = seqLen,
            EvalSamples = 1,
        };
        var build = Stopwatch.StartNew();
        using var dataset = await DocumentsAsync(shape.Vocabulary, seqLen, (batch * totalSteps) + 8);
        using var session = await TrainingSession.CreateAsync(job, WorldInfo.Single, data: JobData.FromDataset(dataset, "synthetic random tokens"));
        Console.Error.WriteLine($"checkpoint-bench: built {size} ({session.ParameterCount:N0} parameters) on {device} in {build.Elapsed.TotalSeconds:F1} s");
        var writer = new CheckpointWriter(new LocalCheckpointStore(output), keep: 1, NullLogger<CheckpointWriter>.Instance);

        for (var i = 0; i < warmup; i++) session.Step();
        var boundary = CheckBoundary(session);
        Console.Error.WriteLine($"checkpoint-bench: boundary check: {boundary.Report}");
        var without = new List<double>();
        var with = new List<double>();
        var stalls = new List<double>();
        var writes = new List<double>();
        var overruns = new List<double>();
        var copies = new List<double>();
        long checkpointBytes = 0;
        for (var round = 0; round < rounds; round++)
        {
            // Alternated, so that drift (clocks, thermals, the page cache) falls on both sides.
            without.Add(Block(session, steps, every: 0, writer, stalls, writes, overruns, copies));
            with.Add(Block(session, steps, every, writer, stalls, writes, overruns, copies));
            checkpointBytes = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            Console.Error.WriteLine(FormattableString.Invariant(
                $"checkpoint-bench: round {round + 1}/{rounds}: {without[^1]:F4} s/step without, {with[^1]:F4} s/step with a checkpoint every {every}"));
        }
        var stepWithout = without.Average();
        var stepWith = with.Average();
        var result = new Dictionary<string, object>
        {
            ["impl"] = "distributed (C#)",
            ["size"] = size,
            ["params"] = session.ParameterCount,
            ["device"] = device,
            ["dtype"] = dtype,
            ["batch"] = batch,
            ["seq_len"] = seqLen,
            ["steps_per_block"] = steps,
            ["every"] = every,
            ["rounds"] = rounds,
            ["step_s_without"] = Math.Round(stepWithout, 5),
            ["step_s_with"] = Math.Round(stepWith, 5),
            ["overhead_pct"] = Math.Round(100 * ((stepWith / stepWithout) - 1), 3),
            ["blocks_without_s_per_step"] = without.Select(x => Math.Round(x, 5)).ToArray(),
            ["blocks_with_s_per_step"] = with.Select(x => Math.Round(x, 5)).ToArray(),
            ["stall_s"] = stalls.Select(x => Math.Round(x, 3)).ToArray(),
            ["stall_max_s"] = Math.Round(stalls.Max(), 3),
            ["copy_s"] = copies.Select(x => Math.Round(x, 3)).ToArray(),
            ["write_s"] = writes.Select(x => Math.Round(x, 2)).ToArray(),
            ["write_overrun_s"] = overruns.Select(x => Math.Round(x, 2)).ToArray(),
            ["checkpoint_bytes"] = checkpointBytes,
            ["write_gb_per_s"] = Math.Round(checkpointBytes / writes.Average() / 1e9, 2),
            ["boundary_check"] = boundary.Report,
            ["boundary_check_ok"] = boundary.Ok,
            ["goal_stall_le_2s"] = stalls.Max() <= 2.0,
            ["goal_overhead_le_1pct"] = stepWith <= stepWithout * 1.01,
            ["torch"] = LibTorch.Version.ToString(),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        Directory.Delete(output, recursive: true);
        return boundary.Ok ? 0 : 1;
    }

    /// <summary>
    /// The snapshot of a step boundary equals the weights read synchronously at that boundary, although two steps
    /// run while it is copied; and those steps did change the weights (else the check could not fail).
    /// </summary>
    private static (bool Ok, string Report) CheckBoundary(TrainingSession session)
    {
        var parameters = HfCheckpoint.BaseParameters(session.Objective.Model).Select(x => x.Parameter.Data).ToList();
        var reference = parameters.Select(p => HostTensor.Of("reference", p).Bytes.ToArray()).ToList();
        using var snapshot = session.Snapshot();
        session.Step();
        session.Step();
        snapshot.WaitCopied();
        var differ = Enumerable.Range(0, parameters.Count).Count(i => !snapshot.Model[i].Bytes.Span.SequenceEqual(reference[i]));
        var changed = Enumerable.Range(0, parameters.Count).Count(i => !HostTensor.Of("after", parameters[i]).Bytes.Span.SequenceEqual(reference[i]));
        var bytes = reference.Sum(r => (long)r.Length);
        return (differ == 0 && changed > 0 && snapshot.Model.Count == parameters.Count,
            FormattableString.Invariant($"{parameters.Count - differ} of {parameters.Count} weight tensors ({bytes / 1e9:F2} GB) of the snapshot equal the weights at its boundary; the 2 steps after it changed {changed}"));
    }

    /// <summary>Seconds per step over <paramref name="steps"/> steps; with <paramref name="every"/> > 0 a checkpoint every that many steps.</summary>
    private static double Block(TrainingSession session, int steps, int every, CheckpointWriter writer,
        List<double> stalls, List<double> writes, List<double> overruns, List<double> copies)
    {
        Task<double>? pending = null;
        var written = new List<Task<double>>();
        var clock = Stopwatch.StartNew();
        for (var s = 1; s <= steps; s++)
        {
            session.Step();
            // Checkpoints mid-way between block ends (every/2, every/2 + every, ...): each write has steps to overlap.
            if (every > 0 && s % every == every / 2)
            {
                var stall = Stopwatch.StartNew();
                // One write at a time, as the worker does: the previous one has had `every` steps to finish.
                pending?.GetAwaiter().GetResult();
                var snapshot = session.Snapshot();
                stalls.Add(stall.Elapsed.TotalSeconds);
                var taken = Stopwatch.GetTimestamp();
                pending = Task.Run(async () =>
                {
                    var write = Stopwatch.StartNew();
                    // When the bytes are on the host: the copies run while training goes on.
                    snapshot.WaitCopied();
                    lock (copies) copies.Add(Stopwatch.GetElapsedTime(taken).TotalSeconds);
                    await writer.WriteAsync(snapshot);
                    return write.Elapsed.TotalSeconds;
                });
                written.Add(pending);
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        if (pending is not null)
        {
            var overrun = Stopwatch.StartNew();
            pending.GetAwaiter().GetResult();
            overruns.Add(overrun.Elapsed.TotalSeconds);
        }
        // Each write's own duration, snapshot excluded.
        writes.AddRange(written.Select(t => t.Result));
        return seconds / steps;
    }

    private static async Task<TokenizedDataset> DocumentsAsync(int vocabulary, int seqLen, int count)
    {
        var rng = new SplitMix64(SplitMix64.Derive(1, 0xC4EC));
        var documents = new List<int[]>(count);
        for (var d = 0; d < count; d++)
        {
            var tokens = new int[seqLen + 1];
            for (var i = 0; i < tokens.Length; i++) tokens[i] = (int)rng.NextBelow((ulong)vocabulary);
            documents.Add(tokens);
        }
        return await ByteCorpus.FromTokensAsync(documents, vocabulary, "synthetic", "random");
    }
}
