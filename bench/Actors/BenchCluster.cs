using System.Diagnostics;
using Distributed.Actors.Etcd;
using Distributed.Actors.Hosting;
using Distributed.Actors.TestHost;

namespace Distributed.Actors.Bench;

/// <summary>etcd plus N tests/Actors.TestHost silo processes on loopback, and a client silo in this process.</summary>
public sealed class BenchCluster : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("actors-bench-").FullName;

    public SiloHost Client { get; private set; } = null!;

    /// <summary>The bare HTTP/2 echo endpoint of silo s1, the cross-process reference.</summary>
    public Uri Echo { get; private set; } = null!;

    public static async Task<BenchCluster> StartAsync(int silos)
    {
        var cluster = new BenchCluster();
        var clientPort = FreePort();
        var peer = $"http://127.0.0.1:{FreePort()}";
        var etcd = $"http://127.0.0.1:{clientPort}";
        cluster.Launch("etcd", ["--name", "b", "--data-dir", Path.Combine(cluster._folder, "etcd"), "--listen-client-urls", etcd, "--advertise-client-urls", etcd,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", $"b={peer}"]);
        var host = Path.Combine(AppContext.BaseDirectory, "Distributed.Actors.TestHost.dll");
        var ready = Enumerable.Range(1, silos).Select(i => cluster.Launch("dotnet", [host, "--name", $"s{i}", "--etcd", etcd, "--cluster", "bench",
            "--state-dir", Path.Combine(cluster._folder, "state"), "--log-level", "Warning", "--echo", "on"])).ToList();
        var echoes = await Task.WhenAll(ready.Select(p => WaitReadyAsync(p)));
        cluster.Echo = echoes[0];
        cluster.Client = SiloBuilder.Create("bench-client").AsClient()
            .UseEtcdClustering(new EtcdOptions { Endpoint = new Uri(etcd), ClusterId = "bench" })
            .AddTestGrains().Build();
        await cluster.Client.StartAsync();
        while (cluster.Client.Membership.Current.Silos.Count(s => s.HostsGrains) < silos)
        {
            await Task.Delay(50);
        }
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }
        foreach (var process in _processes)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
    }

    private Process Launch(string program, string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}; run infra/setup.sh.");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    /// <summary>Waits for the silo's READY line and returns its echo endpoint.</summary>
    private static async Task<Uri> WaitReadyAsync(Process process)
    {
        Uri? echo = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("ECHO ", StringComparison.Ordinal))
            {
                echo = new Uri(line[5..].Trim());
            }
            if (line.StartsWith("READY ", StringComparison.Ordinal))
            {
                // Keep draining so the silo never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync();
                return echo ?? throw new InvalidOperationException("The silo printed no ECHO line.");
            }
        }
        throw new InvalidOperationException("A silo exited before it was ready.");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
