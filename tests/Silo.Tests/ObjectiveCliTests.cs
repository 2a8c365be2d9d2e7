using System.Text.Json.Nodes;
using static Distributed.Silo.Tests.CliProcess;

namespace Distributed.Silo.Tests;

// Every objective from its shipped CPU job file, through the CLI as a real process, on text tokenized with the
// GPT-2 tokenizer by `distributed tokenize`; then `eval` and `generate` on what it saved.
public sealed class ObjectiveCliTests(Gpt2Dataset data) : IClassFixture<Gpt2Dataset>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-objective-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Train(string job, int steps, params string[] more)
    {
        Assert.True(data.Code == 0, data.Output);
        var output = Path.Combine(_dir, Path.GetFileNameWithoutExtension(job));
        var (code, log) = Run(["train", "--job", Job(job), "--dataset", data.Path, "--steps", steps.ToString(), "--output", output, .. more]);
        Assert.True(code == 0, log);
        Assert.Contains($"data {data.Path}", log);
        Assert.Contains($"Checkpoint of step {steps} committed", log);
        Assert.True(File.Exists(Path.Combine(output, "metrics.jsonl")) && File.Exists(Path.Combine(output, "train.log")), log);
        return output;
    }

    [Fact]
    public void The_lm_job_trains_and_generates()
    {
        var run = Train("lm.json", 12);
        var (code, output) = Run("generate", "--checkpoint", run, "--tokenizer", Gpt2Tokenizer, "--prompt", "The meaning of life", "--max-tokens", "8");
        Assert.True(code == 0, output);
        Assert.Contains("continuation (", output);
    }

    [Fact]
    public void The_autocompressor_job_trains_and_its_checkpoint_evaluates_per_segment_and_generates_from_summaries()
    {
        var run = Train("autocompressor.json", 6);
        var (code, output) = Run("eval", "--checkpoint", run);
        Assert.True(code == 0, output);
        Assert.Matches(@"segment_1_loss_with_summaries\s+[0-9.]+", output);
        Assert.Matches(@"segment_1_loss_without\s+[0-9.]+", output);
        (code, output) = Run("generate", "--checkpoint", run, "--tokenizer", Gpt2Tokenizer,
            "--context", "A fortune is a short text. This one is about the sea, the wind and a small boat.", "--prompt", "The boat", "--max-tokens", "6");
        Assert.True(code == 0, output);
        Assert.Contains("continuation from the summaries of", output);
    }

    [Fact]
    public void The_icae_jobs_pretrain_then_fine_tune_from_the_pretrained_checkpoint()
    {
        var pretrained = Train("icae.json", 4);
        var (code, output) = Run("eval", "--checkpoint", pretrained);
        Assert.True(code == 0, output);
        Assert.Matches(@"reconstruction_bleu4\s+[0-9.]+", output);
        Assert.Matches(@"reconstruction_exact_match\s+[0-9.]+", output);
        (code, output) = Run("generate", "--checkpoint", pretrained, "--tokenizer", Gpt2Tokenizer, "--context", "The quick brown fox jumps over the lazy dog.");
        Assert.True(code == 0, output);
        Assert.Contains("reconstruction from 8 memory slots", output);

        var tuned = Path.Combine(_dir, "finetune");
        var (tuneCode, log) = Run("train", "--job", Job("icae-finetune.json"), "--tokenizer", Gpt2Tokenizer, "--init-from", pretrained, "--steps", "4",
            "--output", tuned);
        Assert.True(tuneCode == 0, log);
        Assert.Contains("Weights from", log);
        Assert.Contains("answer_exact_match", log);
        Assert.Contains("Checkpoint of step 4 committed", log);
    }

    [Fact]
    public void A_dataset_with_a_larger_vocabulary_than_the_model_is_refused_up_front()
    {
        Assert.True(data.Code == 0, data.Output);
        var job = JsonNode.Parse(File.ReadAllText(Job("lm.json")), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        job["config"]!["vocab_size"] = 256;
        var path = Path.Combine(_dir, "bytes.json");
        File.WriteAllText(path, job.ToJsonString());
        var (code, output) = Run("train", "--job", path, "--dataset", data.Path, "--output", Path.Combine(_dir, "vocab"));
        Assert.Equal(1, code);
        Assert.Contains("uses 50257 token ids", output);
        Assert.Contains("vocab_size 256", output);
        Assert.Contains("config.vocab_size", output);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("step 1/", output);
    }
}
