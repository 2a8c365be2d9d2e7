using System.CommandLine;
using System.Net;
using Distributed.Dashboard;
using Distributed.Silo.Hosting;
using Serilog;
using ILogger = Microsoft.Extensions.Logging.ILogger;

namespace Distributed.Silo.Commands;

/// <summary>
/// `distributed dashboard [--mode azure] [flags]`: the training dashboard as its own process, an Orleans client of the
/// cluster (azure mode), or of the embedded cluster running on this machine (its gateway, --gateway-port). The embedded
/// process and every silo serve the dashboard too. Runs until stopped.
/// </summary>
public static partial class DashboardCommand
{
    public static Command Create()
    {
        var flags = new ClusterFlags();
        var command = new Command("dashboard", "Serve the training dashboard as an Orleans client of a cluster (--mode azure) or of this machine's embedded cluster, until stopped");
        foreach (var option in flags.Options) command.Options.Add(option);
        command.SetAction((r, ct) => RunAsync(flags.ToConfiguration(r), ct));
        return command;
    }

    private static async Task<int> RunAsync(Dictionary<string, string?> flags, CancellationToken cancellationToken)
    {
        var configuration = ClusterConfiguration.Build(flags);
        var options = ClusterConfiguration.Load(configuration);
        if (!options.Dashboard.Enabled) throw new ArgumentException("--dashboard-port off leaves `distributed dashboard` nothing to do: give a port.");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.Dashboard.Host), options.Dashboard.Port));
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(Log.Logger, dispose: false);
        builder.UseOrleansClient(client => ClusterConnection.ConfigureClient(client, options));
        var dashboard = SiloHost.DashboardOptions(options);
        builder.Services.AddTrainingDashboard(d => (d.BindAddress, d.Token) = (dashboard.BindAddress, dashboard.Token));
        await using var app = builder.Build();
        app.UseTrainingDashboardAuth();
        // The Orleans dashboard needs a silo's profiler: it is served by the silos (their --dashboard-port), not here.
        app.MapTrainingDashboard(orleansDashboard: null);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException and not Microsoft.Extensions.Options.OptionsValidationException)
        {
            throw new InvalidOperationException(
                $"Could not connect to cluster '{options.ClusterId}' ({options.Mode}): {e.Message} " + (options.IsAzure
                    ? "Is a silo running (`distributed silo --mode azure`) with the same --cluster-id and AZURE_STORAGE_CONNECTION_STRING?"
                    : options.IsHost ? $"Is the primary silo running on this machine with gateway port {options.GatewayPort} (`distributed silo --mode host`)?"
                    : $"Is an embedded cluster running on this machine with gateway port {options.GatewayPort} (`distributed silo`, `./run.sh`)?"), e);
        }
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardCommand).FullName!);
        LogReady(log, SiloHost.DashboardUrl(app) ?? "?", options.ClusterId, options.Dashboard.Token is { Length: > 0 });
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard ready: {Url} (cluster {ClusterId}, token required: {TokenRequired})")]
    private static partial void LogReady(ILogger logger, string url, string clusterId, bool tokenRequired);
}
