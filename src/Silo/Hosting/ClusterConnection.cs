using Azure.Data.Tables;
using Distributed.Grains.Messaging;
using Orleans.Configuration;
using Serilog;

namespace Distributed.Silo.Hosting;

/// <summary>
/// The one way commands reach the cluster. Embedded mode starts a silo in this process (with its dashboard) and
/// uses its client; azure mode connects to the cluster's gateways as a client. Dispose to leave (and, embedded,
/// to stop the silo).
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly bool _keep;

    private ClusterConnection(IHost host, bool embedded, bool keep = false)
    {
        _host = host;
        IsEmbedded = embedded;
        _keep = embedded && keep;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }

    public IGrainFactory Grains => Client;

    /// <summary>Whether this process hosts the silo (embedded mode).</summary>
    public bool IsEmbedded { get; }

    /// <summary>The host's services (in embedded mode, the silo's).</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The embedded silo's dashboard URL, or null.</summary>
    public string? DashboardUrl => IsEmbedded ? SiloHost.DashboardUrl(_host) : null;

    public static async Task<ClusterConnection> ConnectAsync(DistributedClusterOptions options, IConfiguration configuration, CancellationToken cancellationToken = default)
    {
        var host = options.IsEmbedded ? SiloHost.Build(options, configuration) : BuildClient(options);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (options.IsHost && e is not OperationCanceledException)
        {
            host.Dispose();
            throw new InvalidOperationException(
                $"Could not connect to cluster '{options.ClusterId}' through the gateway at 127.0.0.1:{options.GatewayPort}: {e.Message} " +
                "Is the primary silo running (`distributed silo --mode host --state-dir DIR`) with that --gateway-port?", e);
        }
        catch (Exception e) when (options.IsAzure && e is not OperationCanceledException)
        {
            host.Dispose();
            throw new InvalidOperationException(
                $"Could not connect to cluster '{options.ClusterId}' through the membership table in {Account(options)}: {e.Message} " +
                "Is a silo running (`distributed silo --mode azure`) with the same --cluster-id and AZURE_STORAGE_CONNECTION_STRING?", e);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new ClusterConnection(host, options.IsEmbedded, options.Dashboard is { Enabled: true, Keep: true });
    }

    /// <summary>
    /// Connects as a client only, never starting a silo: in azure mode through the membership table, in embedded mode to
    /// the gateway of an embedded cluster already running on this machine (`distributed job submit` or `distributed silo`),
    /// in host mode to the gateway of this machine's primary silo.
    /// </summary>
    public static async Task<ClusterConnection> ConnectClientAsync(DistributedClusterOptions options, IConfiguration configuration,
        CancellationToken cancellationToken = default)
    {
        if (options.IsAzure) return await ConnectAsync(options, configuration, cancellationToken);
        // Embedded and host mode: the gateway is on this machine. Orleans' client retries a refused gateway for minutes;
        // a plain connect says at once whether anything listens.
        using (var probe = new System.Net.Sockets.TcpClient())
        {
            try
            {
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, options.GatewayPort, cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or TimeoutException)
            {
                if (options.IsHost)
                    throw new InvalidOperationException(
                        $"No cluster reachable: nothing serves a gateway at 127.0.0.1:{options.GatewayPort}. Start the primary silo " +
                        $"(`distributed silo --mode host --state-dir DIR --gateway-port {options.GatewayPort}`), or give the --gateway-port it serves.", e);
                throw new InvalidOperationException(
                    $"No cluster reachable: nothing serves the embedded cluster's gateway at 127.0.0.1:{options.GatewayPort}. " +
                    "Start one with `distributed job submit FILE` (it serves until its job ends) or `distributed silo --gpus 0,1`, " +
                    "or reach a cluster with --mode azure (AZURE_STORAGE_CONNECTION_STRING).", e);
            }
        }
        var host = BuildLocalClient(options);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new ClusterConnection(host, embedded: false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_keep) await KeepUntilSignalAsync();
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            _host.Dispose();
        }
    }

    // --keep: the silo (and its dashboard, with the finished job in memory) stays until the user stops it.
    private async Task KeepUntilSignalAsync()
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        Log.Information("Dashboard kept up at {Url} (--keep): press Ctrl+C to stop", DashboardUrl);
        await stop.Task;
    }

    private static IHost BuildClient(DistributedClusterOptions o)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(Log.Logger, dispose: false);
        builder.UseOrleansClient(client => ConfigureClient(client, o));
        return builder.Build();
    }

    /// <summary>An Orleans client of the cluster: azure mode through the membership table, embedded mode through the local
    /// embedded cluster's gateway (also the standalone dashboard's client).</summary>
    internal static void ConfigureClient(IClientBuilder client, DistributedClusterOptions o)
    {
        if (!o.IsAzure)
        {
            client.UseLocalhostClustering(o.GatewayPort, o.ServiceId, o.ClusterId);
            client.AddMessageSizeGuard();
            return;
        }
        client.Configure<ClusterOptions>(c => (c.ClusterId, c.ServiceId) = (o.ClusterId, o.ServiceId));
        client.UseAzureStorageClustering((Orleans.Clustering.AzureStorage.AzureStorageGatewayOptions t) =>
            t.TableServiceClient = new TableServiceClient(o.StorageConnectionString, SiloHost.TableClientOptions()));
        // Re-read the gateway list every 2 s (default 1 min), so a restarted or new silo is used soon after it joins.
        client.Configure<GatewayOptions>(g => g.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        client.AddMessageSizeGuard();
    }

    private static IHost BuildLocalClient(DistributedClusterOptions o)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(Log.Logger, dispose: false);
        builder.UseOrleansClient(client => ConfigureClient(client, o));
        return builder.Build();
    }

    private static string Account(DistributedClusterOptions o) =>
        o.StorageConnectionString?.Split(';').FirstOrDefault(p => p.StartsWith("AccountName=", StringComparison.OrdinalIgnoreCase)) ?? "the storage account";
}
