using System.Text.Json;
using Distributed.Trainer.Data;
using Distributed.Trainer.Training;

namespace Distributed.Trainer.Tests.Training;

/// <summary>Tiny jobs of every objective over real English text as bytes (the licence texts of <see cref="EnglishText"/>, one paragraph per document).</summary>
internal static class TinyJobs
{
    private static readonly Lazy<Task<TokenizedDataset>> English = new(() =>
    {
        var text = new string([.. EnglishText.Bytes.Select(b => (char)b)]);
        var paragraphs = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(p => p.Length > 20);
        return ByteCorpus.FromDocumentsAsync(paragraphs, "licences");
    });

    public static async Task<JobData> DataAsync() => JobData.FromDataset(await English.Value, "licences", Trainer.Tokenizers.ByteTokenizer.Instance);

    public static JobFile Job(string objective, string dtype = "f32") => new()
    {
        Objective = objective,
        Config = JsonDocument.Parse("""
            { "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "tie_word_embeddings": true, "initializer_range": 0.05 }
            """).RootElement.Clone(),
        DType = dtype,
        Seed = 3,
        Steps = 6,
        Batch = 8,
        Lr = 3e-3,
        WarmupSteps = 2,
        EvalSamples = 8,
        SeqLen = 32,
        Kappa = 3,
        Substeps = 2,
        SubstepTokens = 32,
        SegmentsPerSubstep = 2,
        SegmentMin = 12,
        SegmentMax = 20,
        MemoryTokens = 4,
        SpanTokens = 24,
        ContinuationTokens = 8,
        LoraRank = 4,
        WeightDecay = 0.1,
    };

    public static async Task<TrainingSession> SessionAsync(JobFile job, WorldInfo? world = null, IGradientSync? sync = null,
        Trainer.Training.Checkpoints.TrainingSnapshot? resume = null) =>
        await TrainingSession.CreateAsync(job, world ?? WorldInfo.Single, sync, resume: resume, data: await DataAsync());

    /// <summary>Every parameter of the session's module, flattened in module order, as doubles.</summary>
    public static double[] Weights(TrainingSession session) =>
        [.. session.Objective.Module.Parameters().SelectMany(p => p.Data.ToDoubleArray())];
}
