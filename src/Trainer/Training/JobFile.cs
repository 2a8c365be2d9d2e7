using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distributed.Trainer.Training;

/// <summary>
/// A training job as a JSON file: the objective, the model (a Hugging Face directory to start from, or a
/// family and an HF-style config to initialise), the data, and the schedule. Every field has a default,
/// so a job file names only what it changes. Unknown fields are an error, so a typo does not silently fall
/// back to a default. Properties are settable rather than init-only: the source-generated deserializer
/// would otherwise overwrite the defaults of the fields a file leaves out.
/// </summary>
public sealed record JobFile
{
    /// <summary>"lm" (next-token prediction), "autocompressor" or "icae" (pretraining: autoencoding and continuation).</summary>
    [JsonPropertyName("objective")] public string Objective { get; set; } = "lm";

    /// <summary>A Hugging Face model directory (config.json + safetensors) to start from; null: initialise from <see cref="Config"/>.</summary>
    [JsonPropertyName("model_dir")] public string? ModelDirectory { get; set; }

    /// <summary>"llama" or "opt", with <see cref="Config"/> when no model_dir is given.</summary>
    [JsonPropertyName("family")] public string Family { get; set; } = "llama";

    /// <summary>An HF config.json object for a freshly initialised model; null: a small byte-level Llama.</summary>
    [JsonPropertyName("config")] public JsonElement? Config { get; set; }

    /// <summary>A tokenized dataset (from `distributed tokenize`): a directory or blob://CONTAINER/PREFIX; null: the packaged English corpus as UTF-8 bytes.</summary>
    [JsonPropertyName("dataset")] public string? Dataset { get; set; }

    [JsonPropertyName("device")] public string Device { get; set; } = "cpu";
    [JsonPropertyName("dtype")] public string DType { get; set; } = "f32";
    [JsonPropertyName("seed")] public int Seed { get; set; } = 1;
    [JsonPropertyName("steps")] public int Steps { get; set; } = 300;
    [JsonPropertyName("lr")] public double Lr { get; set; } = 2e-3;
    [JsonPropertyName("min_lr")] public double? MinLr { get; set; }
    [JsonPropertyName("warmup_steps")] public int? WarmupSteps { get; set; }
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; set; } = 0.1;
    [JsonPropertyName("grad_clip")] public double GradClip { get; set; } = 1.0;
    [JsonPropertyName("batch")] public int Batch { get; set; } = 16;
    [JsonPropertyName("log_every")] public int LogEvery { get; set; } = 20;

    /// <summary>lm: tokens per training window.</summary>
    [JsonPropertyName("seq_len")] public int SeqLen { get; set; } = 128;

    /// <summary>autocompressor: summary tokens κ, segments per substep, substeps per document, segment length range.</summary>
    [JsonPropertyName("kappa")] public int Kappa { get; set; } = 50;
    [JsonPropertyName("segments_per_substep")] public int SegmentsPerSubstep { get; set; } = 2;
    [JsonPropertyName("substeps")] public int Substeps { get; set; } = 2;
    [JsonPropertyName("segment_min")] public int SegmentMin { get; set; } = 1024;
    [JsonPropertyName("segment_max")] public int SegmentMax { get; set; } = 2048;
    [JsonPropertyName("substep_tokens")] public int SubstepTokens { get; set; } = 3072;

    /// <summary>icae: memory tokens per span, span (context) length, continuation length, LoRA rank/alpha, autoencoding share.</summary>
    [JsonPropertyName("memory_tokens")] public int MemoryTokens { get; set; } = 128;
    [JsonPropertyName("span_tokens")] public int SpanTokens { get; set; } = 512;
    [JsonPropertyName("continuation_tokens")] public int ContinuationTokens { get; set; } = 128;
    [JsonPropertyName("lora_rank")] public int LoraRank { get; set; } = 8;
    [JsonPropertyName("lora_alpha")] public double LoraAlpha { get; set; } = 16;
    [JsonPropertyName("autoencode_ratio")] public double AutoencodeRatio { get; set; } = 0.5;

    /// <summary>Where the trained model is saved in Hugging Face layout; null: not saved.</summary>
    [JsonPropertyName("output_dir")] public string? OutputDirectory { get; set; }

    public static JobFile Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), JobFileJsonContext.Default.JobFile)
                ?? throw new InvalidDataException($"{path}: the job file is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid job file: {e.Message}", e);
        }
    }

    /// <summary>Throws naming the first field that cannot work.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException($"job file: {message}");
        }
        Require(Objective is "lm" or "autocompressor" or "icae", $"objective '{Objective}': expected \"lm\", \"autocompressor\" or \"icae\"");
        Require(Family is "llama" or "opt", $"family '{Family}': expected \"llama\" or \"opt\"");
        Require(Steps > 0 && Batch > 0 && SeqLen > 1, "steps, batch and seq_len must be positive");
        Require(Lr > 0, "lr must be positive");
        Require(Kappa > 0 && SegmentsPerSubstep > 0 && Substeps > 0, "kappa, segments_per_substep and substeps must be positive");
        Require(MemoryTokens > 0 && SpanTokens > 0 && ContinuationTokens > 1 && LoraRank > 0, "memory_tokens, span_tokens, continuation_tokens and lora_rank must be positive");
        Require(AutoencodeRatio is >= 0 and <= 1, $"autoencode_ratio {AutoencodeRatio}: expected a share between 0 and 1");
    }
}

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(JobFile))]
internal sealed partial class JobFileJsonContext : JsonSerializerContext;
