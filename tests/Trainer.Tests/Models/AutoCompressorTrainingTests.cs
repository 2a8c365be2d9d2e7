using Distributed.Trainer.Tests.Training;
using Xunit.Abstractions;

namespace Distributed.Trainer.Tests.Models;

// A tiny AutoCompressor on real English text (Debian's licence texts, as bytes; see EnglishText) learns to
// use its summaries: after short training, late segments are predicted better with the summaries of the
// earlier segments than alone. Trained through the job's session, on the sampler's documents.
public sealed class AutoCompressorTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Late_segments_have_lower_loss_with_summaries_than_without_after_short_training()
    {
        const int segment = 32;
        var job = TinyJobs.Job("autocompressor") with
        {
            Config = System.Text.Json.JsonDocument.Parse("""
                { "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                  "num_key_value_heads": 2, "tie_word_embeddings": true, "initializer_range": 0.05, "eos_token_id": 10 }
                """).RootElement.Clone(),
            Seed = 1,
            Kappa = 4,
            Substeps = 2,
            SegmentsPerSubstep = 2,
            SubstepTokens = 2 * segment,
            SegmentMin = segment,
            SegmentMax = segment,
            Batch = 8,
            Steps = 250,
            Lr = 3e-3,
            MinLr = 3e-4,
            WarmupSteps = 20,
            EvalSamples = 48,
        };
        using var session = await TinyJobs.SessionAsync(job);
        for (var step = 0; step < job.Steps; step++) session.Step();
        var eval = session.Evaluate();
        double With(int i) => eval[$"segment_{i}_loss_with_summaries"];
        double Without(int i) => eval[$"segment_{i}_loss_without"];
        for (var i = 0; i < 4; i++) output.WriteLine($"segment {i}: with summaries {With(i):F3}, without {Without(i):F3}");
        // The first segment has nothing to summarise: both conditions see the same tokens.
        Assert.Equal(Without(0), With(0), 4);
        // Late segments: full-length samples have 4 segments of 32 tokens, so each position weighs the same.
        var with = Enumerable.Range(1, 3).Average(With);
        var without = Enumerable.Range(1, 3).Average(Without);
        Assert.True(with < without - 0.02, $"late segments: {with:F3} with summaries vs {without:F3} without");
    }
}
