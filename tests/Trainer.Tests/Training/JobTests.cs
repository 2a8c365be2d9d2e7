using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Training;
using Serilog;

namespace Distributed.Trainer.Tests.Training;

public sealed class JobTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("job-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "job.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void A_job_file_names_only_what_it_changes()
    {
        var job = JobFile.Load(Write("""{ "objective": "autocompressor", "kappa": 4, /* a comment */ "steps": 7, }"""));
        Assert.Equal("autocompressor", job.Objective);
        Assert.Equal(4, job.Kappa);
        Assert.Equal(7, job.Steps);
        Assert.Equal(new JobFile().Batch, job.Batch);
        Assert.Equal("llama", job.Family);
    }

    [Fact]
    public void Unknown_fields_and_bad_values_are_errors_that_name_them()
    {
        var e = Assert.Throws<InvalidDataException>(() => JobFile.Load(Write("""{ "stepz": 3 }""")));
        Assert.Contains("'stepz'", e.Message);
        Assert.Contains("job.json", e.Message);
        var bad = JobFile.Load(Write("""{ "objective": "icea" }"""));
        var v = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Contains("objective 'icea'", v.Message);
        Assert.Throws<InvalidDataException>(() => JobFile.Load(Write("{ not json")));
    }

    [Fact]
    public async Task An_lm_job_on_the_packaged_corpus_lowers_the_held_out_loss_and_saves_a_loadable_model()
    {
        var output = Path.Combine(_dir, "model");
        var job = new JobFile { Steps = 30, Batch = 4, SeqLen = 64, LogEvery = 10, Lr = 3e-3, OutputDirectory = output };
        var result = await JobRunner.RunAsync(job, new LoggerConfiguration().CreateLogger());
        Assert.True(result.HeldOutAfter < result.HeldOutBefore - 1, $"{result.HeldOutBefore:F3} -> {result.HeldOutAfter:F3}");
        using var reloaded = HfCheckpoint.LoadLlama(output);
        Assert.Equal(256, reloaded.Config.VocabSize);
    }

    [Fact]
    public async Task A_job_trains_on_a_tokenized_dataset_with_an_inline_model_config()
    {
        // Through the real shard format: 12 documents where each token is the previous one plus 7 (mod 64).
        var dataset = Path.Combine(_dir, "dataset");
        var store = new LocalDirectoryShardStore(dataset);
        var builder = new ShardBuilder(tokenWidth: 2);
        for (var d = 0; d < 12; d++) builder.Add(Enumerable.Range(0, 400).Select(i => (i * 7 + d) % 64).ToArray());
        var shard = await builder.WriteAsync(store, "shards/0.bin", CancellationToken.None);
        var manifest = new DatasetManifest { Name = "steps-of-7", Tokenizer = "synthetic", VocabularySize = 64, TokenWidth = 2, Shards = [shard] };
        var json = manifest.ToJsonBytes();
        await store.WriteAtomicAsync(DatasetManifest.DefaultName, (s, ct) => s.WriteAsync(json, ct).AsTask());
        var job = JobFile.Load(Write($$"""
            {
              "dataset": "{{dataset}}", "steps": 30, "batch": 4, "seq_len": 32, "lr": 1e-2, "log_every": 10,
              "config": { "vocab_size": 64, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1,
                          "num_attention_heads": 2, "max_position_embeddings": 64, "tie_word_embeddings": true }
            }
            """));
        var result = await JobRunner.RunAsync(job, new LoggerConfiguration().CreateLogger());
        Assert.True(result.HeldOutAfter < result.HeldOutBefore - 1, $"{result.HeldOutBefore:F3} -> {result.HeldOutAfter:F3}");
    }

    [Fact]
    public async Task An_autocompressor_job_reports_every_segment_and_saves_its_summary_embeddings()
    {
        var job = new JobFile
        {
            Objective = "autocompressor",
            Kappa = 4,
            Substeps = 2,
            SubstepTokens = 64,
            SegmentMin = 24,
            SegmentMax = 40,
            Batch = 2,
            Steps = 8,
            LogEvery = 4,
            OutputDirectory = Path.Combine(_dir, "ac"),
        };
        var result = await JobRunner.RunAsync(job, new LoggerConfiguration().CreateLogger());
        Assert.Equal(4, result.Segments!.Count);
        Assert.True(result.HeldOutAfter < result.HeldOutBefore, $"{result.HeldOutBefore:F3} -> {result.HeldOutAfter:F3}");
        using var objective = SafetensorsFile.Open(Path.Combine(job.OutputDirectory, JobRunner.ObjectiveFileName));
        Assert.Equal(["summary"], objective.Names.ToArray());
        Assert.Equal([4L, 128L], objective.GetEntry("summary").Shape);
        using var model = HfCheckpoint.LoadLlama(job.OutputDirectory);
    }

    [Fact]
    public async Task An_icae_job_trains_its_adapters_and_saves_them_beside_the_unchanged_base_model()
    {
        var job = new JobFile
        {
            Objective = "icae",
            MemoryTokens = 4,
            SpanTokens = 16,
            ContinuationTokens = 8,
            LoraRank = 4,
            Batch = 2,
            Steps = 6,
            LogEvery = 3,
            OutputDirectory = Path.Combine(_dir, "icae"),
        };
        await JobRunner.RunAsync(job, new LoggerConfiguration().CreateLogger());
        using var objective = SafetensorsFile.Open(Path.Combine(job.OutputDirectory, JobRunner.ObjectiveFileName));
        Assert.Contains("memory", objective.Names);
        Assert.Contains("special", objective.Names);
        Assert.Contains("model.layers.0.attn.q.lora.b", objective.Names);
        Assert.DoesNotContain(objective.Names, n => n.Contains("lora") && n.Contains("attn.k"));
        using var model = HfCheckpoint.LoadLlama(job.OutputDirectory);
    }
}
