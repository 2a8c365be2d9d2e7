using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Distributed.TestSupport;

/// <summary>A child process whose output is kept for assertions and for the failure message.</summary>
public sealed class ExternalProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<(string Marker, TaskCompletionSource<string> Seen)> _waiters = [];

    private ExternalProcess(Process process, string label)
    {
        _process = process;
        Label = label;
    }

    public string Label { get; }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>When the process was seen to exit (null while it runs).</summary>
    public DateTimeOffset? ExitedAt { get; private set; }

    public IReadOnlyCollection<string> Output => _output;

    public string OutputText => string.Join('\n', _output);

    public static ExternalProcess Start(string label, string fileName, IEnumerable<string> arguments, bool redirectInput = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var external = new ExternalProcess(process, label);
        process.Exited += (_, _) => external.ExitedAt ??= DateTimeOffset.UtcNow;
        process.OutputDataReceived += (_, e) => external.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => external.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return external;
    }

    /// <summary>The first output line containing <paramref name="marker"/>, or a failure naming the process and its output.</summary>
    public async Task<string> WaitForLineAsync(string marker, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((marker, seen));
        }
        if (_output.FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal)) is { } existing)
        {
            return existing;
        }
        var exited = _process.WaitForExitAsync();
        var finished = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (finished == seen.Task)
        {
            return await seen.Task;
        }
        var why = finished == exited ? $"exited with {_process.ExitCode}" : $"did not print it within {timeout.TotalSeconds} s";
        throw new InvalidOperationException($"{Label} was expected to print '{marker}' but {why}. Output:\n{OutputText}");
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>SIGSTOP (<paramref name="pause"/>) or SIGCONT: freezes the process as a long GC pause or a VM stall would.</summary>
    public void Signal(bool pause) => Signal(pause ? "-STOP" : "-CONT");

    /// <summary>SIGTERM: the process shuts down in order (a host stops its services).</summary>
    public void Terminate() => Signal("-TERM");

    private void Signal(string signal)
    {
        if (_process.HasExited)
        {
            return;
        }
        using var kill = Process.Start("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: no cleanup runs in the process.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>A loopback port free now, never one this process was given before (<see cref="Ports.Free"/>).</summary>
    public static int FreePort() => Ports.Free();

    /// <summary>The full path of a program on PATH or under the repository, or a failure telling how to install it.</summary>
    public static string Require(string program, string? repositoryRelativePath = null)
    {
        if (repositoryRelativePath is not null)
        {
            var local = Path.Combine(RepositoryRoot, repositoryRelativePath);
            if (File.Exists(local))
            {
                return local;
            }
        }
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException($"'{program}' is not installed: run infra/setup.sh (it installs azurite and the other test services), then run the tests again.");
    }

    public static string RepositoryRoot
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Distributed.sln")))
            {
                folder = folder.Parent;
            }
            return folder?.FullName ?? throw new InvalidOperationException($"No Distributed.sln above {AppContext.BaseDirectory}.");
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        lock (_waiters)
        {
            foreach (var (marker, seen) in _waiters)
            {
                if (line.Contains(marker, StringComparison.Ordinal))
                {
                    seen.TrySetResult(line);
                }
            }
        }
    }
}
