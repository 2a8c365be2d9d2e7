using System.Net;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Distributed.Dashboard;
using Distributed.Grains.Hosting;
using Distributed.Grains.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;
using Serilog;

namespace Distributed.Silo.Hosting;

/// <summary>
/// Builds the host of one silo from <see cref="DistributedClusterOptions"/>: a web app (Kestrel, on loopback unless told
/// otherwise, serving the training dashboard at <c>/</c> and the Orleans dashboard under <c>/orleans</c>, both behind
/// the dashboard token when one is set) or, with the dashboard off, a plain generic host.
/// </summary>
public static class SiloHost
{
    /// <summary>The route prefix of the Orleans dashboard.</summary>
    public const string DashboardPrefix = "/orleans";

    /// <summary>Set by Kubernetes in every pod; Orleans' Kubernetes hosting then takes names and endpoints from the pod.</summary>
    public const string KubernetesVariable = "KUBERNETES_SERVICE_HOST";

    public static IHost Build(DistributedClusterOptions options, IConfiguration configuration)
    {
        var web = new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] };
        if (!options.Dashboard.Enabled)
        {
            var plain = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, Args = [] });
            Configure(plain, options, configuration);
            return plain.Build();
        }
        var builder = WebApplication.CreateBuilder(web);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.Dashboard.Host), options.Dashboard.Port));
        Configure(builder, options, configuration);
        builder.Services.AddTrainingDashboard(d => Copy(DashboardOptions(options), d));
        var app = builder.Build();
        app.UseTrainingDashboardAuth();
        app.MapOrleansDashboard(DashboardPrefix);
        app.MapTrainingDashboard(DashboardPrefix);
        return app;
    }

    /// <summary>The training dashboard's settings from the cluster's.</summary>
    public static TrainingDashboardOptions DashboardOptions(DistributedClusterOptions options) =>
        new() { BindAddress = options.Dashboard.Host, Token = options.Dashboard.Token };

    private static void Copy(TrainingDashboardOptions from, TrainingDashboardOptions to) => (to.BindAddress, to.Token) = (from.BindAddress, from.Token);

    /// <summary>The training dashboard's URL once the host runs (the real port when 0 was asked for), or null when it is
    /// off; the Orleans dashboard is under <see cref="DashboardPrefix"/> of it.</summary>
    public static string? DashboardUrl(IHost host) =>
        host.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address
            ? address.TrimEnd('/') + "/"
            : null;

    private static void Configure(IHostApplicationBuilder builder, DistributedClusterOptions options, IConfiguration configuration)
    {
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(Log.Logger, dispose: false);
        builder.Services.AddOptions<DistributedClusterOptions>().Bind(configuration.GetSection(DistributedClusterOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DistributedClusterOptions>, DistributedClusterOptionsValidator>();
        builder.UseOrleans(silo => ConfigureSilo(silo, options));
    }

    private static void ConfigureSilo(ISiloBuilder silo, DistributedClusterOptions o)
    {
        var inPod = Environment.GetEnvironmentVariable(KubernetesVariable) is not null;
        silo.Configure<SiloOptions>(s => s.SiloName = o.SiloName ?? $"{Environment.MachineName}-{Environment.ProcessId}");
        if (o.IsAzure)
        {
            silo.Configure<ClusterOptions>(c => (c.ClusterId, c.ServiceId) = (o.ClusterId, o.ServiceId));
            if (inPod)
            {
                // Silo name and advertised address come from the pod (POD_NAME, POD_IP), cluster and service id from
                // ORLEANS_CLUSTER_ID / ORLEANS_SERVICE_ID when set; Orleans also removes dead silos' pods.
                silo.Configure<EndpointOptions>(e => (e.SiloPort, e.GatewayPort) = (o.SiloPort, o.GatewayPort));
                silo.UseKubernetesHosting();
            }
            else
            {
                var address = IPAddress.Parse(o.AdvertisedAddress);
                silo.ConfigureEndpoints(address, o.SiloPort, o.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
            }
            silo.UseAzureStorageClustering(t => t.TableServiceClient = new TableServiceClient(o.StorageConnectionString, TableClientOptions()));
            silo.AddAzureBlobGrainStorage(GrainStorageNames.State, b =>
            {
                b.BlobServiceClient = new BlobServiceClient(o.StorageConnectionString, BlobClientOptions());
                b.ContainerName = o.StateContainer;
            });
        }
        else if (o.IsHost)
        {
            // Every silo of the machine joins through the primary's membership; state in files they all see.
            var primary = o.SiloPort == o.PrimaryPort ? null : new IPEndPoint(IPAddress.Loopback, o.PrimaryPort);
            silo.UseLocalhostClustering(o.SiloPort, o.GatewayPort, primary, o.ServiceId, o.ClusterId);
            var directory = Path.GetFullPath(o.StateDirectory!);
            silo.Services.AddKeyedSingleton<IGrainStorage>(GrainStorageNames.State,
                (services, _) => new FileGrainStorage(directory, services.GetRequiredService<IGrainStorageSerializer>()));
        }
        else
        {
            silo.UseLocalhostClustering(o.SiloPort, o.GatewayPort, primarySiloEndpoint: null, o.ServiceId, o.ClusterId);
            silo.AddMemoryGrainStorage(GrainStorageNames.State);
        }
        silo.Configure<ClusterMembershipOptions>(MembershipTuning.Apply);
        if (o.GrainDirectory.Equals("distributed", StringComparison.OrdinalIgnoreCase))
        {
#pragma warning disable ORLEANSEXP003 // experimental in 10.4.2: chosen only with --grain-directory distributed
            silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
            // With the default 30 s lease, grains of a crashed silo cannot re-register for 30 s (measured: 22 s
            // failovers). The lease guards against a silo that is declared dead but still running; membership
            // already makes such a silo stop itself as soon as it hears of its death.
            silo.Configure<GrainDirectoryOptions>(d => d.RangeLeaseDuration = TimeSpan.Zero);
        }
        silo.AddDistributedGrains(o.GpuList);
        // On every silo, not only those serving the UI: each silo's own profiler feeds the dashboard's call statistics.
        silo.AddDashboard();
    }

    // Storage calls fail over in seconds, not minutes: a short network timeout and few, quick retries, so a storage
    // outage turns into a clear error for the caller instead of a call hanging past the grain call timeout (30 s).
    private static void Tune(ClientOptions client)
    {
        client.Retry.MaxRetries = 3;
        client.Retry.Delay = TimeSpan.FromMilliseconds(200);
        client.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        client.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
    }

    internal static BlobClientOptions BlobClientOptions()
    {
        var options = new BlobClientOptions();
        Tune(options);
        return options;
    }

    internal static TableClientOptions TableClientOptions()
    {
        var options = new TableClientOptions();
        Tune(options);
        return options;
    }
}
