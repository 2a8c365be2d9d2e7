using System.Text.Json;
using Distributed.Grains.Jobs;
using Distributed.Trainer.Training;

namespace Distributed.TestSupport;

/// <summary>The cluster tests' job: a tiny AutoCompressor (the main job's shape, smaller) on the packaged corpus, fast on CPU workers.</summary>
public static class ClusterTestJobs
{
    public static JobFile File(int steps) => new()
    {
        Objective = "autocompressor",
        Config = JsonDocument.Parse("""
            { "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "tie_word_embeddings": true }
            """).RootElement.Clone(),
        Kappa = 3,
        Substeps = 2,
        SubstepTokens = 32,
        SegmentsPerSubstep = 2,
        SegmentMin = 12,
        SegmentMax = 20,
        Batch = 6,
        Steps = steps,
        Lr = 3e-3,
        EvalSamples = 4,
        Seed = 7,
        LogEvery = 5,
    };

    /// <summary>What a client submits: the job with its world bounds (<paramref name="min"/>..<paramref name="max"/> workers) and checkpoint policy.</summary>
    public static JobSpec Spec(JobFile job, int min, int max, string storage, int checkpointEvery = 0) =>
        new(job.ToJson(), min, max, new CheckpointPolicy(checkpointEvery, 2, 0), storage, "test");
}
