using System.Net.Http.Json;
using Distributed.Actors.Etcd;

namespace Distributed.Actors.Tests.Infrastructure;

/// <summary>A single-member etcd on free loopback ports with a temporary data folder; it can be killed and restarted on the same data.</summary>
public sealed class EtcdServer : IAsyncDisposable
{
    private readonly string _program;
    private readonly string _dataDir;
    private readonly int _clientPort;
    private readonly int _peerPort;
    private ExternalProcess? _process;

    private EtcdServer(string program)
    {
        _program = program;
        _dataDir = Directory.CreateTempSubdirectory("etcd-test-").FullName;
        _clientPort = ExternalProcess.FreePort();
        _peerPort = ExternalProcess.FreePort();
    }

    public Uri Endpoint => new($"http://127.0.0.1:{_clientPort}");

    public static async Task<EtcdServer> StartAsync()
    {
        var server = new EtcdServer(ExternalProcess.Require("etcd"));
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts etcd again on the same ports and data folder (after <see cref="Kill"/>).</summary>
    public async Task RestartAsync()
    {
        var peer = $"http://127.0.0.1:{_peerPort}";
        _process = ExternalProcess.Start("etcd", _program,
        [
            "--name", "test", "--data-dir", _dataDir,
            "--listen-client-urls", Endpoint.ToString().TrimEnd('/'), "--advertise-client-urls", Endpoint.ToString().TrimEnd('/'),
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", $"test={peer}",
        ]);
        using var http = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(1) };
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var response = await http.PostAsJsonAsync("/v3/kv/range", new { key = "AA==" });
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
            }
            catch (TaskCanceledException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
            }
            if (DateTime.UtcNow >= deadline || _process.HasExited)
            {
                throw new InvalidOperationException($"etcd did not start on {Endpoint}. Output:\n{_process.OutputText}");
            }
            await Task.Delay(50);
        }
    }

    public EtcdOptions Options(string clusterId, TimeSpan leaseTtl) => new() { Endpoint = Endpoint, ClusterId = clusterId, LeaseTtl = leaseTtl };

    /// <summary>SIGKILL: etcd stops without any goodbye, as on a crash.</summary>
    public void Kill() => _process?.Kill();

    public ValueTask DisposeAsync()
    {
        _process?.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
        return ValueTask.CompletedTask;
    }
}
