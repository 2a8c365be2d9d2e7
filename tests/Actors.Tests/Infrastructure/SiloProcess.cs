using System.Globalization;

namespace Distributed.Actors.Tests.Infrastructure;

/// <summary>One tests/Actors.TestHost silo process.</summary>
public sealed class SiloProcess : IDisposable
{
    private readonly ExternalProcess _process;

    private SiloProcess(string name, ExternalProcess process, string endpoint)
    {
        Name = name;
        _process = process;
        Endpoint = endpoint;
    }

    public string Name { get; }

    public string Endpoint { get; }

    public string OutputText => _process.OutputText;

    public static async Task<SiloProcess> StartAsync(string name, Uri etcd, string clusterId, string stateDir, TimeSpan leaseTtl)
    {
        // The host is built next to this test assembly (project reference), with its own runtimeconfig.
        var host = Path.Combine(AppContext.BaseDirectory, "Distributed.Actors.TestHost.dll");
        var process = ExternalProcess.Start($"silo {name}", "dotnet",
        [
            host, "--name", name, "--etcd", etcd.ToString(), "--cluster", clusterId, "--state-dir", stateDir,
            "--lease-ttl-ms", ((int)leaseTtl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        ], redirectInput: true);
        var ready = await process.WaitForLineAsync("READY ", TimeSpan.FromSeconds(60));
        return new SiloProcess(name, process, ready[(ready.IndexOf("READY ", StringComparison.Ordinal) + 6)..].Trim());
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Freezes (SIGSTOP) the silo; it misses its keep-alives while frozen.</summary>
    public void Pause() => _process.Signal(pause: true);

    public void Resume() => _process.Signal(pause: false);

    /// <summary>kill -9: the silo gets no chance to deactivate grains or revoke its lease.</summary>
    public void Kill() => _process.Kill();

    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        await _process.WriteLineAsync("stop");
        if (!await _process.WaitForExitAsync(TimeSpan.FromSeconds(15)))
        {
            _process.Kill();
        }
    }

    public void Dispose() => _process.Dispose();
}
