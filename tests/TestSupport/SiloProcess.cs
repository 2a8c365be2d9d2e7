using System.Globalization;

namespace Distributed.TestSupport;

/// <summary>One `distributed silo --mode azure` process on loopback, with free ports and its output kept.</summary>
public sealed class SiloProcess : IDisposable
{
    private readonly ExternalProcess _process;

    private SiloProcess(string name, ExternalProcess process, int siloPort, int gatewayPort, string gpus)
    {
        Name = name;
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        Gpus = gpus;
    }

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public string Gpus { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string OutputText => _process.OutputText;

    /// <summary>Starts a silo and waits for its ready line. <paramref name="extraArgs"/> go after the standard flags.</summary>
    public static async Task<SiloProcess> StartAsync(string name, string clusterId, string storageConnectionString, string gpus = "",
        IEnumerable<string>? extraArgs = null, TimeSpan? readyTimeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        // distributed.dll is built beside the referencing assembly (project reference), with its own runtimeconfig.
        var program = Path.Combine(AppContext.BaseDirectory, "distributed.dll");
        var extra = extraArgs?.ToList() ?? [];
        var siloPort = ExternalProcess.FreePort();
        // "--gateway-port 0" among the extra arguments starts a silo that clients cannot connect to.
        var gatewayFlag = extra.IndexOf("--gateway-port");
        var gatewayPort = gatewayFlag >= 0 ? int.Parse(extra[gatewayFlag + 1], CultureInfo.InvariantCulture) : ExternalProcess.FreePort();
        if (gatewayFlag >= 0) extra.RemoveRange(gatewayFlag, 2);
        static string S(int port) => port.ToString(CultureInfo.InvariantCulture);
        var process = ExternalProcess.Start($"silo {name}", "dotnet",
        [
            program, "silo", "--mode", "azure", "--cluster-id", clusterId, "--name", name, "--silo-port", S(siloPort),
            "--gateway-port", S(gatewayPort), "--dashboard-port", "off", "--gpus", gpus, .. extra,
        ], environment: new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["AZURE_STORAGE_CONNECTION_STRING"] = storageConnectionString });
        try
        {
            await process.WaitForLineAsync(" ready: ", readyTimeout ?? TimeSpan.FromSeconds(60));
        }
        catch
        {
            process.Dispose();
            throw;
        }
        return new SiloProcess(name, process, siloPort, gatewayPort, gpus);
    }

    /// <summary>
    /// Since when the silo runs no more code: the first kill -9 or SIGSTOP the test sent it, or its exit.
    /// Null while it runs.
    /// </summary>
    public DateTimeOffset? HaltedAt => _haltedAt ?? _process.ExitedAt;

    private DateTimeOffset? _haltedAt;

    /// <summary>kill -9: no shutdown runs; the cluster must notice by itself.</summary>
    public void Kill()
    {
        _haltedAt ??= DateTimeOffset.UtcNow;
        _process.Kill();
    }

    /// <summary>SIGSTOP: frozen, its sockets open, as in a long stall.</summary>
    public void Pause()
    {
        _haltedAt ??= DateTimeOffset.UtcNow;
        _process.Signal(pause: true);
    }

    /// <summary>SIGCONT.</summary>
    public void Resume() => _process.Signal(pause: false);

    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    /// <summary>SIGTERM, then kill -9 if the silo has not left within 15 s.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        _process.Terminate();
        if (!await _process.WaitForExitAsync(TimeSpan.FromSeconds(15))) _process.Kill();
    }

    public void Dispose() => _process.Dispose();
}
