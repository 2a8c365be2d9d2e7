using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Distributed.Collectives.Tests.Infrastructure;

/// <summary>One rank of a test world: a tests/Collectives.TestHost process whose output is kept.</summary>
public sealed partial class RankProcess : IDisposable
{
    private const int SigStop = 19;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private RankProcess(int rank, Process process)
    {
        Rank = rank;
        _process = process;
    }

    public int Rank { get; }

    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    public int ExitCode => _process.ExitCode;

    public static RankProcess Start(string mode, int rank, int world, int port, string worldId, TimeSpan timeout) =>
        StartProgram("Distributed.Collectives.TestHost.dll", rank,
        [
            mode, "--port", Invariant(port), "--rank", Invariant(rank), "--world", Invariant(world),
            "--world-id", worldId, "--timeout-ms", Invariant((int)timeout.TotalMilliseconds),
        ]);

    /// <summary>
    /// Rank <paramref name="rank"/> as any .NET program built beside the tests (<paramref name="assembly"/>, e.g. a
    /// benchmark the test project references), with <paramref name="environment"/> added to this process's.
    /// </summary>
    public static RankProcess StartProgram(string assembly, int rank, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        var process = new Process { StartInfo = info };
        var rankProcess = new RankProcess(rank, process);
        process.OutputDataReceived += (_, e) => rankProcess.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => rankProcess.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return rankProcess;
    }

    /// <summary>The first line starting with <paramref name="prefix"/>, waiting for it; fails naming the rank, the phase and the output.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout, string phase)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line) return line;
            if (_process.HasExited)
            {
                // The last lines may still be in flight after exit.
                await _process.WaitForExitAsync();
                if (_lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } late) return late;
                throw new TimeoutException($"{phase}: rank {Rank} exited with {_process.ExitCode} without printing '{prefix}'. Output:\n{Output}");
            }
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{phase}: rank {Rank} did not print '{prefix}' within {timeout.TotalSeconds} s. Output:\n{Output}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits for the exit; fails naming the rank and the phase, with the output.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout, string phase)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{phase}: rank {Rank} did not exit within {timeout.TotalSeconds} s. Output:\n{Output}");
        }
    }

    /// <summary>kill -9: no cleanup runs in the process.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill();
    }

    /// <summary>SIGSTOP: the process hangs as a stuck GPU, a swapped-out host or a debugger would leave it.</summary>
    public void Stop()
    {
        if (kill(_process.Id, SigStop) != 0)
            throw new InvalidOperationException($"SIGSTOP of rank {Rank} (pid {_process.Id}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        Kill();
        _process.WaitForExit();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is not null) _lines.Enqueue(line);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
