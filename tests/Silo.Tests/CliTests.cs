using Distributed.Trainer.Torch;
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
    public void Threads_come_from_the_option_then_the_variable_then_the_physical_cores_and_the_start_says_which()
    {
        // No variable from the test's own environment leaks into the default case.
        var none = new Dictionary<string, string?> { ["DISTRIBUTED_THREADS"] = null };
        var (code, log) = RunWith(none, "--threads", "1", "train", "--job", Job("main.json"), "--steps", "1", "--output", Path.Combine(_dir, "t1"));
        // One step may or may not lower the held-out loss: the run ends as documented either way.
        static bool Finished(int code, string log) => code == 0 || (code == 1 && log.Contains("The held-out loss did not fall", StringComparison.Ordinal));
        Assert.True(Finished(code, log), log);
        // OpenBLAS on OpenMP: infra/setup.sh installs libopenblas0-openmp and the process loads it in place of
        // the pthreads build, so GEMMs run on libtorch's own pool.
        Assert.Contains("CPU threads: 1 from --threads; libtorch intra-op 1, inter-op 1; BLAS OpenMp with 1 threads", log);
        (code, log) = RunWith(new() { ["DISTRIBUTED_THREADS"] = "2" }, "train", "--job", Job("main.json"), "--steps", "1", "--output", Path.Combine(_dir, "t2"));
        Assert.True(Finished(code, log), log);
        Assert.Contains("CPU threads: 2 from DISTRIBUTED_THREADS; libtorch intra-op 2, inter-op 1; BLAS OpenMp with 2 threads", log);

        (code, log) = RunWith(none, "--threads", "0", "train");
        Assert.Equal(1, code);
        Assert.Contains("--threads 0: give at least 1 thread", log);
        (code, log) = RunWith(new() { ["DISTRIBUTED_THREADS"] = "many" }, "train");
        Assert.Equal(1, code);
        Assert.Contains("DISTRIBUTED_THREADS=many: expected a whole number of threads", log);
        Assert.DoesNotContain("   at ", log);
    }

    [Fact]
    public void The_option_wins_over_the_variable_which_wins_over_the_physical_cores()
    {
        Assert.Equal((3, "--threads"), CpuThreadsStartup.Resolve(3, "2"));
        Assert.Equal((2, "DISTRIBUTED_THREADS"), CpuThreadsStartup.Resolve(null, "2"));
        var (cores, source) = CpuThreadsStartup.Resolve(null, null);
        Assert.Equal("physical cores", source);
        Assert.InRange(cores, 1, Environment.ProcessorCount);
        Assert.Equal(CpuTopology.PhysicalCores(), cores);
        Assert.Equal((cores, "physical cores"), CpuThreadsStartup.Resolve(null, " "));
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

    [Fact]
    public void Tokenize_of_an_input_without_documents_is_an_error_that_says_so()
    {
        var tokenizer = Gpt2Tokenizer;
        var output = Path.Combine(_dir, "dataset");
        var empty = Path.Combine(_dir, "empty.jsonl");
        File.WriteAllText(empty, "");
        var blank = Path.Combine(_dir, "blank.jsonl");
        File.WriteAllText(blank, " \n\t\n\n");
        var bad = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllLines(bad, ["""{"body": "the text is under another field"}""", "not json"]);
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "no-jsonl")).FullName;
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an input");

        foreach (var (args, expected) in new (string[] Args, string[] Expected)[]
        {
            (["--input", empty], ["no documents to tokenize", "empty.jsonl (empty or only blank lines)", "\"text\" field", "--text-field"]),
            (["--input", blank], ["no documents to tokenize", "blank.jsonl (empty or only blank lines)"]),
            (["--input", empty, blank], ["empty.jsonl (empty", "blank.jsonl (empty"]),
            (["--input", bad, "--skip-bad-input"], ["no documents to tokenize", "bad.jsonl (no documents in its 2 lines)", "2 lines were skipped as bad input"]),
            (["--input", folder], ["no documents to tokenize", "has no .jsonl or .jsonl.gz files"]),
        })
        {
            var (code, log) = Run(["tokenize", .. args, "--output", output, "--tokenizer", tokenizer]);
            var what = $"tokenize {string.Join(' ', args)}";
            Assert.True(code == 1, $"{what}: exit code {code}, expected 1:\n{log}");
            foreach (var e in expected) Assert.True(log.Contains(e, StringComparison.Ordinal), $"{what}: no \"{e}\" in:\n{log}");
            Assert.DoesNotContain("   at ", log);
            Assert.False(File.Exists(Path.Combine(output, "manifest.json")), $"{what} wrote a manifest");
        }
    }
}
