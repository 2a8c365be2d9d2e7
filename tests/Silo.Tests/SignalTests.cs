using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using static Distributed.Silo.Tests.CliProcess;

namespace Distributed.Silo.Tests;

// SIGTERM (as a scheduler sends it) during training: the run finishes its step, saves a checkpoint, says where,
// exits 143; and training resumes from that checkpoint.
public sealed partial class SignalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-signal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Sigterm_during_training_leaves_a_loadable_checkpoint_that_resumes()
    {
        var output = Path.Combine(_dir, "run");
        using var p = Process.Start(StartInfo("train", "--job", Job("lm.json"), "--steps", "100000", "--output", output))!;
        var log = new StringBuilder();
        var training = new TaskCompletionSource();
        void Line(string? line)
        {
            if (line is null) return;
            lock (log) log.AppendLine(line);
            if (line.Contains("step 10/100000", StringComparison.Ordinal)) training.TrySetResult();
        }
        p.OutputDataReceived += (_, e) => Line(e.Data);
        p.ErrorDataReceived += (_, e) => Line(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            await training.Task.WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"phase 'training': expected the log line 'step 10/100000' within 3 minutes; the process printed:\n{log}");
        }
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString()])) await kill.WaitForExitAsync();
        var exited = p.WaitForExit(TimeSpan.FromMinutes(2));
        if (!exited) p.Kill(entireProcessTree: true);
        p.WaitForExit(); // drains the output events
        Assert.True(exited, $"phase 'stopping': expected an exit within 2 minutes of SIGTERM; the process printed:\n{log}");
        var text = log.ToString();
        Assert.True(p.ExitCode == 143, $"expected exit code 143 after SIGTERM, got {p.ExitCode}:\n{text}");
        var stopped = Stopped().Match(text);
        Assert.True(stopped.Success, text);
        var step = int.Parse(stopped.Groups[1].Value);
        var checkpoint = stopped.Groups[2].Value;
        Assert.True(step >= 10, text);
        Assert.True(File.Exists(Path.Combine(checkpoint, "COMMITTED")), text);

        var (code, resumed) = Run("train", "--resume", checkpoint, "--steps", (step + 10).ToString());
        Assert.True(code == 0, resumed);
        Assert.Contains($"Resumed at step {step}", resumed);
        Assert.Contains($"step {step + 10}/{step + 10} (100%)", resumed);
        Assert.Contains($"Checkpoint of step {step + 10} committed", resumed);
    }

    [GeneratedRegex(@"Stopped at step (\d+) of \d+; saved checkpoint (\S+);")]
    private static partial Regex Stopped();
}
