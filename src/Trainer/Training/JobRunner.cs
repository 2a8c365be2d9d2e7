using System.Diagnostics;
using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Torch;
using Serilog;

namespace Distributed.Trainer.Training;

/// <summary>What a finished job measured.</summary>
public sealed record JobResult(double HeldOutBefore, double HeldOutAfter, long Steps, double Seconds, IReadOnlyList<SegmentEvaluation>? Segments);

/// <summary>
/// Runs a <see cref="JobFile"/> in this process on one device: the single-process trainer that the
/// distributed workers will drive step by step. Logs progress through Serilog.
/// </summary>
public static class JobRunner
{
    public static async Task<JobResult> RunAsync(JobFile job, ILogger log, CancellationToken cancellationToken = default)
    {
        job.Validate();
        var device = Torch.Device.Parse(job.Device);
        var dtype = DTypeExtensions.Parse(job.DType);
        var tokens = await LoadTokensAsync(job, log, cancellationToken).ConfigureAwait(false);
        using var generator = new Generator(job.Seed);
        var module = BuildModel(job, generator);
        using var disposeModel = module;
        log.Information("Model: {Family}, {Parameters:N0} parameters, objective {Objective}, on {Device} in {DType} (libtorch {Version})",
            job.Family, module.ParameterCount, job.Objective, device, dtype, LibTorch.Version);
        var schedule = new LrSchedule(job.Lr, job.WarmupSteps ?? Math.Min(20, job.Steps / 10), job.Steps, job.MinLr ?? job.Lr / 10);
        var result = job.Objective switch
        {
            "autocompressor" => TrainAutoCompressor(job, module, tokens, device, dtype, schedule, log, cancellationToken),
            "icae" => TrainIcae(job, module, tokens, device, dtype, schedule, log, cancellationToken),
            _ => TrainLm(job, module, tokens, device, dtype, schedule, log, cancellationToken),
        };
        return result;
    }

    private static JobResult TrainLm(JobFile job, CausalLm module, int[] tokens, Device device, DType dtype, LrSchedule schedule,
        ILogger log, CancellationToken cancellationToken)
    {
        var windows = new TokenWindows(tokens, job.SeqLen, heldOutFraction: 0.05, job.Seed);
        var options = new LmTrainingOptions(MaxLr: schedule.MaxLr, MinLr: schedule.MinLr, WarmupSteps: (int)schedule.WarmupSteps,
            TotalSteps: job.Steps, GradClip: job.GradClip, AdamW: new AdamWOptions(WeightDecay: job.WeightDecay));
        using var trainer = new LmTrainer(module, device, dtype, options);
        var heldOut = windows.HeldOutBatches(job.Batch, 8).ToList();
        var before = trainer.Evaluate(heldOut);
        log.Information("Held-out loss before training: {Loss:F3}", before);
        var clock = Stopwatch.StartNew();
        long seen = 0;
        for (var step = 0; step < job.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var r = trainer.Step([windows.NextTrainBatch(job.Batch)]);
            seen += r.Tokens;
            LogStep(log, job, r, seen, clock);
        }
        var after = trainer.Evaluate(heldOut);
        log.Information("Held-out loss after {Steps} steps: {Loss:F3} (was {Before:F3}); {Seconds:F1} s", job.Steps, after, before, clock.Elapsed.TotalSeconds);
        Save(job, module, null, log);
        return new JobResult(before, after, job.Steps, clock.Elapsed.TotalSeconds, null);
    }

    private static JobResult TrainAutoCompressor(JobFile job, CausalLm module, int[] tokens, Device device, DType dtype, LrSchedule schedule,
        ILogger log, CancellationToken cancellationToken)
    {
        var planner = new SegmentPlanner(job.SubstepTokens, job.SegmentsPerSubstep, job.SegmentMin, job.SegmentMax);
        var documentTokens = job.Substeps * job.SubstepTokens;
        var windows = new TokenWindows(tokens, documentTokens, heldOutFraction: 0.05, job.Seed);
        var positions = module is Opt ? SummaryPositions.Padding : SummaryPositions.Consecutive;
        using var ac = new AutoCompressor(module, new AutoCompressorConfig(job.Kappa, job.SegmentsPerSubstep, positions, EosTokenId(module)));
        using var trainer = new AutoCompressorTrainer(ac, device, dtype, schedule, job.GradClip, new AdamWOptions(WeightDecay: job.WeightDecay));
        // Evaluation cuts held-out documents into equal segments, the middle of the training range.
        var evalSegments = Enumerable.Repeat(documentTokens / (job.Substeps * job.SegmentsPerSubstep), job.Substeps * job.SegmentsPerSubstep).ToArray();
        var heldOut = windows.HeldOutBatches(job.Batch, 4).Select(b => Documents(b, evalSegments.Sum())).ToList();
        static double WithSummaries(IReadOnlyList<SegmentEvaluation> s) => s.Sum(e => e.LossWithSummaries) / Math.Max(1, s.Sum(e => e.Tokens));
        var before = WithSummaries(trainer.Evaluate(heldOut, evalSegments));
        log.Information("Held-out loss before training: {Loss:F3}", before);
        var clock = Stopwatch.StartNew();
        long seen = 0;
        for (var step = 0; step < job.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var plan = planner.Plan(job.Substeps, (ulong)job.Seed, (ulong)step);
            var r = trainer.Step([(Documents(windows.NextTrainBatch(job.Batch), documentTokens), plan)]);
            seen += r.Tokens;
            LogStep(log, job, r, seen, clock);
        }
        var segments = trainer.Evaluate(heldOut, evalSegments);
        foreach (var s in segments)
            log.Information("Segment {Segment}: loss {With:F3} with summaries, {Without:F3} without", s.Segment, s.LossWithSummaries / s.Tokens, s.LossWithout / s.Tokens);
        var after = WithSummaries(segments);
        log.Information("Held-out loss after {Steps} steps: {Loss:F3} (was {Before:F3}); {Seconds:F1} s", job.Steps, after, before, clock.Elapsed.TotalSeconds);
        Save(job, module, ac, log);
        return new JobResult(before, after, job.Steps, clock.Elapsed.TotalSeconds, segments);
    }

    private static JobResult TrainIcae(JobFile job, CausalLm module, int[] tokens, Device device, DType dtype, LrSchedule schedule,
        ILogger log, CancellationToken cancellationToken)
    {
        var windows = new TokenWindows(tokens, job.SpanTokens + job.ContinuationTokens, heldOutFraction: 0.05, job.Seed);
        var config = new IcaeConfig(job.MemoryTokens, job.SpanTokens, job.LoraRank, job.LoraAlpha, AutoencodeRatio: job.AutoencodeRatio,
            EosTokenId: EosTokenId(module));
        using var generator = new Generator(job.Seed + 1);
        using var icae = new Icae(module, config, generator);
        using var trainer = new IcaeTrainer(icae, device, dtype, schedule, (ulong)job.Seed, job.GradClip);
        (long[,] Context, long[,] Continuation) Split(long[,] window)
        {
            int b = window.GetLength(0), c = job.SpanTokens, u = job.ContinuationTokens;
            var context = new long[b, c];
            var continuation = new long[b, u];
            for (var i = 0; i < b; i++)
            {
                for (var t = 0; t < c; t++) context[i, t] = window[i, t];
                for (var t = 0; t < u; t++) continuation[i, t] = window[i, c + t];
            }
            return (context, continuation);
        }
        var heldOut = Split(windows.HeldOutBatches(job.Batch, 1).First());
        var before = trainer.Evaluate(heldOut.Context, heldOut.Continuation);
        log.Information("Before: reconstruction BLEU-4 {Bleu:F3}, exact prefix {Prefix:F3}; continuation loss {WithSlots:F3} from slots, {WithContext:F3} from the context",
            before.Bleu4, before.ExactPrefix, before.ContinuationLossWithSlots, before.ContinuationLossWithContext);
        var clock = Stopwatch.StartNew();
        long seen = 0;
        for (var step = 0; step < job.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (context, continuation) = Split(windows.NextTrainBatch(job.Batch));
            var r = trainer.PretrainStep(context, continuation);
            seen += r.Tokens;
            LogStep(log, job, r, seen, clock);
        }
        var after = trainer.Evaluate(heldOut.Context, heldOut.Continuation);
        log.Information("After {Steps} steps: reconstruction BLEU-4 {Bleu:F3}, exact prefix {Prefix:F3}; continuation loss {WithSlots:F3} from slots, {WithContext:F3} from the context",
            job.Steps, after.Bleu4, after.ExactPrefix, after.ContinuationLossWithSlots, after.ContinuationLossWithContext);
        Save(job, module, icae, log);
        return new JobResult(before.ContinuationLossWithSlots, after.ContinuationLossWithSlots, job.Steps, clock.Elapsed.TotalSeconds, null);
    }

    /// <summary>
    /// The base model in Hugging Face layout, and beside it, for an objective that adds parameters of its own
    /// (summary embeddings; ICAE's memory and special embeddings and LoRA adapters), those in objective.safetensors
    /// under our names. Before the objective's module is disposed, since that disposes the base model too.
    /// </summary>
    private static void Save(JobFile job, Module module, Module? objective, ILogger log)
    {
        if (job.OutputDirectory is not { } output) return;
        HfCheckpoint.Save((CausalLm)module, output);
        if (objective is not null)
        {
            var writer = new SafetensorsWriter();
            foreach (var (name, p) in objective.NamedParameters().Where(x => !x.Name.StartsWith("model.", StringComparison.Ordinal) || x.Name.Contains(".lora.")))
                TensorFiles.Add(writer, name, p.Data);
            writer.Write(Path.Combine(output, ObjectiveFileName));
        }
        log.Information("Saved the model in Hugging Face layout to {Directory}", output);
    }

    /// <summary>The objective's own parameters beside a saved model.</summary>
    public const string ObjectiveFileName = "objective.safetensors";

    /// <summary>The model's end-of-sequence token from its config (2, as in OPT and Llama 2, when the config names none).</summary>
    private static long EosTokenId(CausalLm module) => module.EosTokenId;

    // The first n tokens of each (B, T + 1) window.
    private static long[,] Documents(long[,] windows, int n)
    {
        var docs = new long[windows.GetLength(0), n];
        for (var b = 0; b < docs.GetLength(0); b++)
            for (var t = 0; t < n; t++) docs[b, t] = windows[b, t];
        return docs;
    }

    private static void LogStep(ILogger log, JobFile job, StepResult r, long seen, Stopwatch clock)
    {
        if (r.Step % job.LogEvery == 0 || r.Step == job.Steps)
            log.Information("step {Step}/{Steps} ({Percent:F0}%) loss {Loss:F3} grad-norm {GradNorm:F2} lr {Lr:E2} {TokensPerSecond:N0} tok/s",
                r.Step, job.Steps, 100.0 * r.Step / job.Steps, r.Loss, r.GradNorm, r.Lr, seen / clock.Elapsed.TotalSeconds);
    }

    private static CausalLm BuildModel(JobFile job, Generator generator)
    {
        if (job.ModelDirectory is { } dir) return HfCheckpoint.Load(dir, generator);
        if (job.Family == "opt")
        {
            var config = job.Config is { } c ? HfConfigFile.ParseOpt(c, "job file config") : throw new ArgumentException("job file: family \"opt\" needs a config");
            return new Opt(config, generator);
        }
        var llamaConfig = job.Config is { } lc ? HfConfigFile.ParseLlama(lc, "job file config") : SmallByteLlama(job);
        return new Llama(llamaConfig, generator);
    }

    /// <summary>The main job's model: a small Llama over UTF-8 bytes (vocabulary 256), small enough for a CPU.</summary>
    public static LlamaConfig SmallByteLlama(JobFile job) => new()
    {
        VocabSize = 256,
        HiddenSize = 128,
        IntermediateSize = 352,
        NumHiddenLayers = 4,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = Math.Max(256, job.Objective == "autocompressor" ? job.Substeps * job.SubstepTokens + job.Kappa * job.Substeps * job.SegmentsPerSubstep + 8 : job.SeqLen),
        TieWordEmbeddings = true,
        BosTokenId = 1,
        EosTokenId = [10],
    };

    private static async Task<int[]> LoadTokensAsync(JobFile job, ILogger log, CancellationToken cancellationToken)
    {
        if (job.Dataset is { } dir)
        {
            var dataset = await TokenizedDataset.OpenAsync(ShardStores.Open(dir), cancellationToken: cancellationToken).ConfigureAwait(false);
            var all = new List<int>();
            for (long d = 0; d < dataset.DocumentCount; d++) all.AddRange(dataset.GetTokens(d));
            log.Information("Dataset {Directory}: {Documents:N0} documents, {Tokens:N0} tokens", dir, dataset.DocumentCount, all.Count);
            return [.. all];
        }
        var files = RealTextCorpus.Locate();
        var bytes = files.SelectMany(File.ReadAllBytes).Select(b => (int)b).ToArray();
        log.Information("Corpus: Debian package {Package}, {Files} files, {Bytes:N0} bytes of UTF-8 text as byte tokens", RealTextCorpus.DebianPackage, files.Count, bytes.Length);
        return bytes;
    }
}
