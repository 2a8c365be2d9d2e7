using Distributed.Trainer.Checkpoint;
using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.Logging.Abstractions;

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
    public void A_job_file_names_only_what_it_changes_and_its_input_paths_are_relative_to_it()
    {
        var job = JobFile.Load(Write("""{ "objective": "autocompressor", "kappa": 4, /* a comment */ "steps": 7, "dataset": "data/set", "instructions": null, }"""));
        Assert.Equal("autocompressor", job.Objective);
        Assert.Equal(4, job.Kappa);
        Assert.Equal(7, job.Steps);
        Assert.Equal(new JobFile().Batch, job.Batch);
        Assert.Equal("llama", job.Family);
        Assert.Equal(Path.Combine(_dir, "data", "set"), job.Dataset);
        Assert.Equal("blob://c/p", JobFile.Load(Write("""{ "dataset": "blob://c/p" }""")).Dataset);
    }

    [Fact]
    public void Unknown_fields_and_bad_values_are_errors_that_name_them()
    {
        var e = Assert.Throws<JobException>(() => JobFile.Load(Write("""{ "stepz": 3 }""")));
        Assert.Contains("'stepz'", e.Message);
        Assert.Contains("job.json", e.Message);
        var bad = JobFile.Load(Write("""{ "objective": "icea", "config": {} }"""));
        Assert.Contains("objective 'icea'", Assert.Throws<JobException>(bad.Validate).Message);
        Assert.Throws<JobException>(() => JobFile.Load(Write("{ not json")));
        Assert.Contains("--batch", Assert.Throws<JobException>((bad with { Objective = "lm", Batch = 0 }).Validate).Message);
        Assert.Contains("model_dir", Assert.Throws<JobException>(new JobFile().Validate).Message);
        var ac = bad with { Objective = "autocompressor", SegmentMin = 100, SegmentMax = 200, SubstepTokens = 1000 };
        Assert.Contains("substep_tokens 1000", Assert.Throws<JobException>(ac.Validate).Message);
        Assert.Contains("instructions", Assert.Throws<JobException>((bad with { Objective = "icae-finetune" }).Validate).Message);
    }

    [Fact]
    public async Task A_model_too_small_for_the_data_or_the_objective_is_refused_naming_the_fields()
    {
        var job = TinyJobs.Job("lm");
        var small = job with { Config = System.Text.Json.JsonDocument.Parse("""{ "vocab_size": 100, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4 }""").RootElement.Clone() };
        var e = await Assert.ThrowsAsync<JobException>(() => TinyJobs.SessionAsync(small));
        Assert.Contains("256 token ids", e.Message);
        Assert.Contains("vocab_size 100", e.Message);
        var shortContext = job with { Config = System.Text.Json.JsonDocument.Parse("""{ "max_position_embeddings": 16, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4 }""").RootElement.Clone() };
        e = await Assert.ThrowsAsync<JobException>(() => TinyJobs.SessionAsync(shortContext with { Objective = "icae" }));
        Assert.Contains("max_position_embeddings 16", e.Message);
        Assert.Contains("span_tokens", e.Message);
        // Left out, the context follows the objective: ICAE with its default layout just works.
        using var icae = await TinyJobs.SessionAsync(job with { Objective = "icae", SpanTokens = new JobFile().SpanTokens, MemoryTokens = new JobFile().MemoryTokens, Batch = 2 });
        Assert.True(double.IsFinite(icae.Step().Loss));
        Assert.Equal(128 + 513, icae.Objective.Model.MaxPositions);
    }

    [Fact]
    public async Task A_run_saves_a_committed_checkpoint_that_hugging_face_layout_readers_load()
    {
        var output = Path.Combine(_dir, "run");
        var job = TinyJobs.Job("autocompressor") with { Steps = 8, SaveEvery = 3, KeepCheckpoints = 2, EvalEvery = 4 };
        var result = await new TrainingRun(NullLoggerFactory.Instance).RunAsync(job, output, null, CancellationToken.None);
        Assert.False(result.Stopped);
        Assert.True(result.After!.Loss < result.Before.Loss, $"{result.Before.Loss:F3} -> {result.After.Loss:F3}");
        // Saved at 3 and 6 (in the background) and 8; the oldest went beyond keep_checkpoints.
        var checkpoints = Path.Combine(output, CheckpointLayout.Folder);
        Assert.Equal(["step-00000006", "step-00000008"], Directory.GetDirectories(checkpoints).Select(d => Path.GetFileName(d)!).Order().ToArray());
        Assert.Equal(Path.Combine(checkpoints, "step-00000008"), result.Checkpoint);
        using var model = HfCheckpoint.Load(result.Checkpoint);
        Assert.Equal(256, model.VocabSize);
        using var objective = SafetensorsFile.Open(Path.Combine(result.Checkpoint, CheckpointLayout.Objective));
        Assert.Equal(["summary"], objective.Names.ToArray());
        Assert.Equal([3L, 32L], objective.GetEntry("summary").Shape);
        var lines = File.ReadAllLines(Path.Combine(output, "metrics.jsonl"));
        Assert.Equal(8 + 3, lines.Length); // 8 steps, evaluations before, at 4 and after
        Assert.Contains("\"tokens_per_s\"", lines[1]);
        Assert.Contains("\"segment_1_loss_with_summaries\"", lines[0]);
    }

    [Fact]
    public async Task An_icae_run_trains_its_adapters_and_keeps_the_base_model()
    {
        var output = Path.Combine(_dir, "icae");
        var job = TinyJobs.Job("icae") with { Steps = 4 };
        using (var fresh = await TinyJobs.SessionAsync(job))
        {
            var result = await new TrainingRun(NullLoggerFactory.Instance).RunAsync(job, output, null, CancellationToken.None);
            using var objective = SafetensorsFile.Open(Path.Combine(result.Checkpoint, CheckpointLayout.Objective));
            Assert.Contains("memory", objective.Names);
            Assert.Contains("special", objective.Names);
            Assert.Contains("model.layers.0.attn.q.lora.b", objective.Names);
            Assert.DoesNotContain(objective.Names, n => n.Contains("lora") && n.Contains("attn.k"));
            using var trained = HfCheckpoint.Load(result.Checkpoint);
            foreach (var ((name, before), (_, after)) in fresh.Objective.Model.NamedParameters().Where(x => !x.Name.Contains("lora")).Zip(trained.NamedParameters()))
                Assert.True(before.Data.ToFloatArray().SequenceEqual(after.Data.ToFloatArray()), $"{name} changed");
        }
    }

    [Fact]
    public async Task A_job_trains_on_a_tokenized_dataset_from_disk()
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
              "dataset": "dataset", "steps": 30, "batch": 4, "seq_len": 32, "lr": 1e-2, "log_every": 10, "eval_samples": 8,
              "config": { "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1, "num_attention_heads": 2, "tie_word_embeddings": true }
            }
            """));
        var result = await new TrainingRun(NullLoggerFactory.Instance).RunAsync(job, Path.Combine(_dir, "run"), null, CancellationToken.None);
        Assert.True(result.After!.Loss < result.Before.Loss - 1, $"{result.Before.Loss:F3} -> {result.After.Loss:F3}");
        using var model = HfCheckpoint.Load(result.Checkpoint);
        Assert.Equal(64, model.VocabSize); // left out of the config: it followed the dataset
    }
}
