using System.Text.Json;
using System.Text.Json.Serialization;
using Distributed.Trainer.Data;

namespace Distributed.Trainer.Training;

/// <summary>
/// A training job as a JSON file: the objective, the model (a Hugging Face directory to start from, or a family
/// and an HF-style config to initialise), the data, the schedule and the objective's settings. Every field has a
/// default, so a job file names only what it changes; unknown fields are an error, so a typo does not silently
/// fall back to a default. jobs/README.md documents the fields and the batch semantics; jobs/*.json are examples.
/// Properties are settable rather than init-only: the source-generated deserializer would otherwise overwrite the
/// defaults of the fields a file leaves out.
/// </summary>
public sealed record JobFile
{
    public static readonly string[] Objectives = ["lm", "autocompressor", "icae", "icae-finetune"];

    /// <summary>"lm", "autocompressor", "icae" (pretraining: autoencoding and continuation) or "icae-finetune".</summary>
    [JsonPropertyName("objective")] public string Objective { get; set; } = "lm";

    /// <summary>A Hugging Face model directory (config.json + safetensors) to start from; null: initialise from <see cref="Config"/>.</summary>
    [JsonPropertyName("model_dir")] public string? ModelDirectory { get; set; }

    /// <summary>"llama" or "opt", with <see cref="Config"/> when no model_dir is given.</summary>
    [JsonPropertyName("family")] public string Family { get; set; } = "llama";

    /// <summary>
    /// An HF config.json object for a freshly initialised model. vocab_size, max_position_embeddings,
    /// bos_token_id and eos_token_id may be left out: they then follow the dataset and what the objective needs.
    /// </summary>
    [JsonPropertyName("config")] public JsonElement? Config { get; set; }

    /// <summary>A tokenized dataset (from `distributed tokenize`): a directory or blob://CONTAINER/PREFIX; null: the packaged English corpus as UTF-8 bytes.</summary>
    [JsonPropertyName("dataset")] public string? Dataset { get; set; }

    /// <summary>icae-finetune: a JSONL file of {"context", "prompt", "response"} objects.</summary>
    [JsonPropertyName("instructions")] public string? Instructions { get; set; }

    /// <summary>The tokenizer (tokenizer.json, or a GPT-2 vocab/merges folder) for icae-finetune and `generate`; null: UTF-8 bytes.</summary>
    [JsonPropertyName("tokenizer")] public string? Tokenizer { get; set; }

    /// <summary>A committed checkpoint whose weights (model and objective) this job starts from; its optimizer and data position are not taken.</summary>
    [JsonPropertyName("init_from")] public string? InitFrom { get; set; }

    [JsonPropertyName("device")] public string Device { get; set; } = "cpu";
    [JsonPropertyName("dtype")] public string DType { get; set; } = "f32";
    [JsonPropertyName("seed")] public int Seed { get; set; } = 1;
    [JsonPropertyName("steps")] public int Steps { get; set; } = 300;
    [JsonPropertyName("lr")] public double Lr { get; set; } = 2e-3;
    [JsonPropertyName("min_lr")] public double? MinLr { get; set; }
    [JsonPropertyName("warmup_steps")] public int? WarmupSteps { get; set; }
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; set; } = 0.1;
    [JsonPropertyName("grad_clip")] public double GradClip { get; set; } = 1.0;

    /// <summary>Samples per optimizer step over all ranks together (the global batch).</summary>
    [JsonPropertyName("batch")] public int Batch { get; set; } = 16;

    /// <summary>Samples per forward/backward on one rank; a rank accumulates its share of the batch in micro-batches. Null: the whole share at once.</summary>
    [JsonPropertyName("micro_batch")] public int? MicroBatch { get; set; }

    [JsonPropertyName("log_every")] public int LogEvery { get; set; } = 20;

    /// <summary>Held-out evaluation every this many steps (0: before and after training only).</summary>
    [JsonPropertyName("eval_every")] public int EvalEvery { get; set; }

    /// <summary>Samples at the end of the dataset held out for evaluation (never trained on).</summary>
    [JsonPropertyName("eval_samples")] public int EvalSamples { get; set; } = 64;

    /// <summary>Held-out samples per evaluation forward on one rank (decoding-heavy evaluations batch them).</summary>
    [JsonPropertyName("eval_batch")] public int EvalBatch { get; set; } = 32;

    /// <summary>A checkpoint every this many steps (0: only at the end, or when stopped).</summary>
    [JsonPropertyName("save_every")] public int SaveEvery { get; set; }

    /// <summary>Committed checkpoints kept; older ones are deleted once a newer one is committed.</summary>
    [JsonPropertyName("keep_checkpoints")] public int KeepCheckpoints { get; set; } = 3;

    /// <summary>The device's peak dense throughput in TFLOP/s at the training dtype; when given, metrics report MFU.</summary>
    [JsonPropertyName("peak_tflops")] public double? PeakTflops { get; set; }

    /// <summary>lm: tokens per training window.</summary>
    [JsonPropertyName("seq_len")] public int SeqLen { get; set; } = 128;

    /// <summary>autocompressor: summary tokens κ, segments per substep, substeps per document at most, segment length range, substep length.</summary>
    [JsonPropertyName("kappa")] public int Kappa { get; set; } = 50;
    [JsonPropertyName("segments_per_substep")] public int SegmentsPerSubstep { get; set; } = 2;
    [JsonPropertyName("substeps")] public int Substeps { get; set; } = 2;
    [JsonPropertyName("segment_min")] public int SegmentMin { get; set; } = 1024;
    [JsonPropertyName("segment_max")] public int SegmentMax { get; set; } = 2048;
    [JsonPropertyName("substep_tokens")] public int SubstepTokens { get; set; } = 3072;

    /// <summary>autocompressor: concatenate consecutive documents shorter than a substep into samples.</summary>
    [JsonPropertyName("pack_documents")] public bool PackDocuments { get; set; } = true;

    /// <summary>icae: memory tokens per span, span (context) length, continuation length, LoRA rank/alpha, autoencoding share.</summary>
    [JsonPropertyName("memory_tokens")] public int MemoryTokens { get; set; } = 128;
    [JsonPropertyName("span_tokens")] public int SpanTokens { get; set; } = 512;
    [JsonPropertyName("continuation_tokens")] public int ContinuationTokens { get; set; } = 128;
    [JsonPropertyName("lora_rank")] public int LoraRank { get; set; } = 8;
    [JsonPropertyName("lora_alpha")] public double LoraAlpha { get; set; } = 16;

    /// <summary>icae: regular expressions over our layer names that get LoRA adapters; null: the query and value projections (the paper's choice).</summary>
    [JsonPropertyName("lora_targets")] public string[]? LoraTargets { get; set; }
    [JsonPropertyName("autoencode_ratio")] public double AutoencodeRatio { get; set; } = 0.5;

    /// <summary>The run's directory: checkpoints (each a Hugging Face model plus training state), metrics.jsonl, train.log. Null: runs/&lt;time&gt;-&lt;objective&gt;.</summary>
    [JsonPropertyName("output_dir")] public string? OutputDirectory { get; set; }

    /// <summary>Reads a job file; relative input paths (model_dir, dataset, instructions, tokenizer, init_from) are relative to its folder.</summary>
    public static JobFile Load(string path)
    {
        if (!File.Exists(path)) throw new JobException($"{path}: no such job file (examples are in the repository's jobs/ folder)");
        JobFile job;
        try
        {
            job = JsonSerializer.Deserialize(File.ReadAllText(path), JobFileJsonContext.Default.JobFile)
                ?? throw new JobException($"{path}: the job file is empty");
        }
        catch (JsonException e)
        {
            throw new JobException($"{path}: not a valid job file: {e.Message}", e);
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string? Resolve(string? p) => p is null || p.StartsWith(ShardStores.BlobScheme, StringComparison.Ordinal) ? p : Path.GetFullPath(p, folder);
        return job with
        {
            ModelDirectory = Resolve(job.ModelDirectory),
            Dataset = Resolve(job.Dataset),
            Instructions = Resolve(job.Instructions),
            Tokenizer = Resolve(job.Tokenizer),
            InitFrom = Resolve(job.InitFrom),
        };
    }

    public static JobFile Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, JobFileJsonContext.Default.JobFile) ?? throw new JobException($"{source}: the job is empty");
        }
        catch (JsonException e)
        {
            throw new JobException($"{source}: not a valid job: {e.Message}", e);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, JobFileJsonContext.Default.JobFile);

    /// <summary>Throws a <see cref="JobException"/> naming the first field that cannot work, and the flag that sets it when there is one.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new JobException($"job file: {message}");
        }
        Require(Objectives.Contains(Objective), $"objective '{Objective}': expected one of {string.Join(", ", Objectives.Select(o => $"\"{o}\""))} (--objective)");
        Require(Family is "llama" or "opt", $"family '{Family}': expected \"llama\" or \"opt\"");
        Require(ModelDirectory is not null || Config is not null,
            "no model: give model_dir (a Hugging Face model folder, or --model-dir) or an inline config (see jobs/lm.json)");
        Require(Steps > 0, $"steps {Steps}: must be at least 1 (--steps)");
        Require(Batch > 0, $"batch {Batch}: must be at least 1 (--batch)");
        Require(MicroBatch is null or > 0, $"micro_batch {MicroBatch}: must be at least 1, or left out to run a rank's whole share at once");
        Require(Lr > 0 && double.IsFinite(Lr), $"lr {Lr}: must be positive (--lr)");
        Require(MinLr is null or >= 0, $"min_lr {MinLr}: must not be negative");
        Require(WarmupSteps is null or >= 0, $"warmup_steps {WarmupSteps}: must not be negative");
        Require(GradClip > 0, $"grad_clip {GradClip}: must be positive");
        Require(WeightDecay >= 0, $"weight_decay {WeightDecay}: must not be negative");
        Require(LogEvery > 0, $"log_every {LogEvery}: must be at least 1");
        Require(EvalEvery >= 0, $"eval_every {EvalEvery}: must not be negative (0: before and after training only; --eval-every)");
        Require(EvalSamples > 0, $"eval_samples {EvalSamples}: must be at least 1");
        Require(EvalBatch > 0, $"eval_batch {EvalBatch}: must be at least 1");
        Require(SaveEvery >= 0, $"save_every {SaveEvery}: must not be negative (0: at the end only; --save-every)");
        Require(KeepCheckpoints > 0, $"keep_checkpoints {KeepCheckpoints}: must be at least 1");
        Require(PeakTflops is null or > 0, $"peak_tflops {PeakTflops}: must be positive");
        switch (Objective)
        {
            case "lm":
                Require(SeqLen > 1, $"seq_len {SeqLen}: must be at least 2");
                break;
            case "autocompressor":
                Require(Kappa > 0, $"kappa {Kappa}: must be at least 1");
                Require(Substeps > 0 && SegmentsPerSubstep > 0, $"substeps {Substeps}, segments_per_substep {SegmentsPerSubstep}: must be at least 1");
                Require(SegmentMin >= 2 && SegmentMax >= SegmentMin, $"segment_min {SegmentMin}, segment_max {SegmentMax}: need 2 <= segment_min <= segment_max");
                Require((long)SegmentsPerSubstep * SegmentMin <= SubstepTokens && (long)SegmentsPerSubstep * SegmentMax >= SubstepTokens,
                    $"{SegmentsPerSubstep} segments (segments_per_substep) of segment_min {SegmentMin} to segment_max {SegmentMax} tokens cannot " +
                    $"make a substep of substep_tokens {SubstepTokens}: change one of them");
                break;
            default:
                Require(MemoryTokens > 0, $"memory_tokens {MemoryTokens}: must be at least 1");
                Require(SpanTokens > 1, $"span_tokens {SpanTokens}: must be at least 2");
                Require(ContinuationTokens > 1, $"continuation_tokens {ContinuationTokens}: must be at least 2");
                Require(LoraRank > 0, $"lora_rank {LoraRank}: must be at least 1");
                Require(AutoencodeRatio is >= 0 and <= 1, $"autoencode_ratio {AutoencodeRatio}: expected a share between 0 and 1");
                Require(Objective != "icae-finetune" || Instructions is not null,
                    "objective icae-finetune needs instructions: a JSONL file of {\"context\", \"prompt\", \"response\"} objects");
                break;
        }
    }
}

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobFile))]
internal sealed partial class JobFileJsonContext : JsonSerializerContext;
