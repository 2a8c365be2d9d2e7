using Distributed.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Orleans;
using Orleans.Runtime;

namespace Distributed.TestSupport;

/// <summary>
/// A cluster of real processes on loopback, as a deployment has it: Azurite (Table membership + Blob grain state),
/// N `distributed silo --mode azure` processes and, in this process, a client connected through
/// <see cref="ClusterConnection"/>. Silos can be killed, paused, stopped and started again.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];
    private readonly List<SiloProcess> _gone = [];

    private LocalCluster(AzuriteServer storage, string clusterId)
    {
        Storage = storage;
        ClusterId = clusterId;
    }

    public AzuriteServer Storage { get; }

    public string ClusterId { get; }

    /// <summary>The silos started and not yet removed (killed ones stay until <see cref="Remove"/> or a restart).</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    public ClusterConnection Connection { get; private set; } = null!;

    /// <summary>Environment variables every silo of this cluster starts with (configuration: DISTRIBUTED_Section__Key).</summary>
    public IReadOnlyDictionary<string, string>? SiloEnvironment { get; private set; }

    public IGrainFactory Grains => Connection.Grains;

    public IManagementGrain Management => Connection.Grains.GetGrain<IManagementGrain>(0);

    /// <summary>The options a client of this cluster uses (azure mode, this Azurite, this cluster id).</summary>
    public DistributedClusterOptions ClientOptions => new() { Mode = "azure", ClusterId = ClusterId, StorageConnectionString = Storage.ConnectionString };

    /// <summary>Starts Azurite, the silos (in parallel; <paramref name="gpus"/>[i] is silo i's --gpus) and the client.</summary>
    public static async Task<LocalCluster> StartAsync(IReadOnlyList<string> gpus, IEnumerable<string>? extraSiloArgs = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var storage = await AzuriteServer.StartAsync();
        var cluster = new LocalCluster(storage, "t" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var extra = extraSiloArgs?.ToArray() ?? [];
            var silos = await Task.WhenAll(gpus.Select((g, i) => SiloProcess.StartAsync($"s{i + 1}", cluster.ClusterId, storage.ConnectionString, g, extra, environment: environment)));
            cluster.SiloEnvironment = environment;
            cluster._silos.AddRange(silos);
            cluster.Connection = await ClusterConnection.ConnectAsync(cluster.ClientOptions, new ConfigurationBuilder().Build());
            await cluster.WaitForActiveSilosAsync(gpus.Count, TimeSpan.FromSeconds(30), "cluster start");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more silo process (e.g. to replace a killed one; same name allowed, new ports).</summary>
    public async Task<SiloProcess> StartSiloAsync(string name, string gpus = "", IEnumerable<string>? extraArgs = null)
    {
        var silo = await SiloProcess.StartAsync(name, ClusterId, Storage.ConnectionString, gpus, extraArgs, environment: SiloEnvironment);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Forgets a silo that was killed or stopped (its output is kept for failure messages).</summary>
    public void Remove(SiloProcess silo)
    {
        if (_silos.Remove(silo)) _gone.Add(silo);
    }

    public SiloProcess SiloWithProcess(int processId) => _silos.Single(s => s.ProcessId == processId);

    // A management call goes to one silo; if that silo is frozen or dead the call would wait for the 30 s response
    // timeout, so each attempt is cut short and the caller's wait loop tries again (the client drops dead gateways).
    private static readonly TimeSpan ManagementAttempt = TimeSpan.FromSeconds(2);

    /// <summary>The membership status of <paramref name="silo"/> as the cluster sees it (found by its silo port).</summary>
    public async Task<SiloStatus?> StatusOfAsync(SiloProcess silo)
    {
        var hosts = await Management.GetHosts(onlyActive: false).WaitAsync(ManagementAttempt);
        // A restarted silo reuses no port (free ports are picked fresh), so the port identifies the process.
        return hosts.Where(h => h.Key.Endpoint.Port == silo.SiloPort).Select(h => (SiloStatus?)h.Value).FirstOrDefault();
    }

    public Task WaitForActiveSilosAsync(int count, TimeSpan timeout, string phase) =>
        Eventually.WaitAsync(phase, $"{count} active silos", async () =>
        {
            var active = await Management.GetHosts(onlyActive: true).WaitAsync(ManagementAttempt);
            return (active.Count == count, true, $"{active.Count} active: {string.Join(", ", active.Keys)}");
        }, timeout);

    public Task WaitForDeadAsync(SiloProcess silo, TimeSpan timeout, string phase) =>
        Eventually.WaitAsync(phase, $"{silo.Name} (port {silo.SiloPort}) declared Dead", async () =>
        {
            var status = await StatusOfAsync(silo);
            return (status == SiloStatus.Dead, true, status?.ToString() ?? "not in the membership table");
        }, timeout);

    /// <summary>How many activations of <paramref name="grain"/> the cluster's silos report, per silo.</summary>
    public async Task<IReadOnlyList<SiloAddress>> ActivationsOfAsync(GrainId grain)
    {
        var stats = await Management.GetDetailedGrainStatistics().WaitAsync(TimeSpan.FromSeconds(10));
        return [.. stats.Where(s => s.GrainId == grain).Select(s => s.SiloAddress)];
    }

    /// <summary>Every silo this cluster started, running or gone.</summary>
    public IReadOnlyList<SiloProcess> AllSilos => [.. _silos, .. _gone];

    /// <summary>Everything the silos printed, for failure messages.</summary>
    public string Output => string.Join("\n\n", _silos.Concat(_gone).Select(s => $"--- {s.Name} (pid {s.ProcessId}) ---\n{s.OutputText}"));

    public async ValueTask DisposeAsync()
    {
        if (Connection is not null)
        {
            try
            {
                await Connection.DisposeAsync();
            }
            catch (Exception)
            {
                // The silos may be gone already; leaving is best effort.
            }
        }
        await Task.WhenAll(_silos.Select(s => s.StopAsync()));
        foreach (var silo in _silos.Concat(_gone)) silo.Dispose();
        await Storage.DisposeAsync();
    }
}
