using static Distributed.Silo.Tests.CliProcess;

namespace Distributed.Silo.Tests;

// The `distributed` executable as a user runs it: the main job, and every bad input ending with a message that
// says what to do, a non-zero exit and no stack trace (unless --verbose).
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void AssertOneLineError(string output, int code)
    {
        Assert.Equal(1, code);
        Assert.Single(output.Split('\n'), l => l.Contains(" ERR] ", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void The_main_job_trains_and_reports_the_falling_loss()
    {
        var output = Path.Combine(_dir, "main");
        var (code, log) = Run("train", "--job", Job("main.json"), "--steps", "40", "--output", output);
        Assert.True(code == 0, log);
        Assert.Contains("data packaged corpus (Debian fortunes, UTF-8 bytes)", log);
        Assert.Contains("step 40/40 (100%)", log);
        Assert.Matches(@"40 steps in [0-9.]+ s; held-out loss [0-9.]+ -> [0-9.]+", log);
        Assert.True(File.Exists(Path.Combine(output, "checkpoints", "step-00000040", "COMMITTED")), log);
        Assert.Equal(40 + 2, File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Length); // 40 steps, 2 evaluations
        Assert.Contains("step 40/40 (100%)", File.ReadAllText(Path.Combine(output, "train.log")));
    }

    [Fact]
    public void The_main_job_runs_the_icae_objective_with_its_default_settings()
    {
        // ICAE's defaults (span 512, 128 memory slots) need more positions than the LM: the model's context follows the objective.
        var output = Path.Combine(_dir, "icae");
        var (code, log) = Run("train", "--job", Job("main.json"), "--objective", "icae", "--steps", "2", "--batch", "2", "--eval-samples", "2",
            "--output", output);
        Assert.Contains("Checkpoint of step 2 committed", log);
        Assert.Matches(@"Held-out loss after 2 steps: [0-9.]+ \(loss [0-9.]+, reconstruction_bleu4 [0-9.]+", log);
        // Two steps may or may not lower the loss: either way the run ends as documented.
        Assert.True(code == 0 || (code == 1 && log.Contains("The held-out loss did not fall", StringComparison.Ordinal)), log);
    }

    [Fact]
    public void A_bad_job_file_ends_with_a_message_that_names_the_problem_and_verbose_adds_the_trace()
    {
        var job = Path.Combine(_dir, "job.json");
        File.WriteAllText(job, """{ "objective": "lm", "stepz": 3 }""");
        var (code, output) = Run("train", "--job", job);
        AssertOneLineError(output, code);
        Assert.Contains("'stepz'", output);
        var (verboseCode, verbose) = Run("train", "--job", job, "--verbose");
        Assert.Equal(1, verboseCode);
        Assert.Contains("   at ", verbose);
        var (missingCode, missing) = Run("train");
        AssertOneLineError(missing, missingCode);
        Assert.Contains("--job", missing);
    }

    [Fact]
    public void A_cuda_device_on_a_cpu_libtorch_gets_one_line()
    {
        var (code, output) = Run("train", "--job", Job("lm.json"), "--device", "cuda:0", "--output", Path.Combine(_dir, "cuda"));
        AssertOneLineError(output, code);
        Assert.Contains("--device cuda:0: this libtorch", output);
        Assert.Contains("--device cpu", output);
        Assert.True(output.Split('\n').Length < 8, output);
    }

    [Fact]
    public void An_unsupported_dtype_is_refused_before_anything_runs()
    {
        var (code, output) = Run("train", "--job", Job("lm.json"), "--dtype", "f16", "--output", Path.Combine(_dir, "f16"));
        AssertOneLineError(output, code);
        Assert.Contains("--dtype f16", output);
        Assert.Contains("bf16", output);
        Assert.DoesNotContain("Held-out", output);
    }

    [Fact]
    public void Resuming_from_a_checkpoint_without_its_commit_marker_is_refused()
    {
        // A committed checkpoint, then a newer one whose write was cut short (no marker).
        var run = Path.Combine(_dir, "run");
        var (code, log) = Run("train", "--job", Job("lm.json"), "--steps", "3", "--output", run);
        Assert.True(code == 0, log);
        var committed = Path.Combine(run, "checkpoints", "step-00000003");
        var partial = Path.Combine(run, "checkpoints", "step-00000005");
        Directory.CreateDirectory(partial);
        foreach (var f in Directory.GetFiles(committed).Where(f => !f.EndsWith("COMMITTED", StringComparison.Ordinal)))
            File.Copy(f, Path.Combine(partial, Path.GetFileName(f)));
        var (resumeCode, output) = Run("train", "--resume", partial);
        AssertOneLineError(output, resumeCode);
        Assert.Contains($"{partial} is not a committed checkpoint", output);
        Assert.Contains($"--resume {committed}", output);
    }

    [Fact]
    public void Tokenize_writes_shards_and_a_manifest_and_refuses_missing_input()
    {
        var input = Path.Combine(_dir, "docs.jsonl");
        File.WriteAllLines(input, Enumerable.Range(0, 50).Select(i => $$"""{"text": "Document {{i}}: a few words of English text."}"""));
        var output = Path.Combine(_dir, "dataset");
        var (code, log) = Run("tokenize", "--input", input, "--output", output, "--tokenizer", Gpt2Tokenizer);
        Assert.True(code == 0, log);
        Assert.True(File.Exists(Path.Combine(output, "manifest.json")), log);
        Assert.Contains("50 documents", log);
        var (missingCode, missingLog) = Run("tokenize", "--input", Path.Combine(_dir, "nope.jsonl"), "--output", output, "--tokenizer", Gpt2Tokenizer);
        Assert.Equal(1, missingCode);
        Assert.Contains("nope.jsonl", missingLog);
    }
}
