using System.CommandLine;
using System.Net;
using Distributed.Dashboard;
using Distributed.Silo.Hosting;
using Serilog;
using ILogger = Microsoft.Extensions.Logging.ILogger;

namespace Distributed.Silo.Commands;

/// <summary>
/// `distributed dashboard --mode azure [flags]`: the training dashboard as its own process, an Orleans client of the
/// cluster (the embedded process and every silo serve it already). Runs until stopped.
/// </summary>
public static partial class DashboardCommand
{
    public static Command Create()
    {
        var flags = new ClusterFlags();
        var command = new Command("dashboard", "Serve the training dashboard for a cluster (--mode azure), as an Orleans client, until stopped");
        foreach (var option in flags.Options) command.Options.Add(option);
        command.SetAction((r, ct) => RunAsync(flags.ToConfiguration(r), ct));
        return command;
    }

    private static async Task<int> RunAsync(Dictionary<string, string?> flags, CancellationToken cancellationToken)
    {
        var configuration = ClusterConfiguration.Build(flags);
        var options = ClusterConfiguration.Load(configuration);
        if (!options.IsAzure)
            throw new ArgumentException("`distributed dashboard` serves a cluster's dashboard: give --mode azure (and AZURE_STORAGE_CONNECTION_STRING). " +
                "The embedded process (`distributed silo`, `./run.sh`) serves its own dashboard already.");
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
                $"Could not connect to cluster '{options.ClusterId}': {e.Message} Is a silo running (`distributed silo --mode azure`) with the same --cluster-id and AZURE_STORAGE_CONNECTION_STRING?", e);
        }
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardCommand).FullName!);
        LogReady(log, SiloHost.DashboardUrl(app) ?? "?", options.ClusterId, options.Dashboard.Token is { Length: > 0 });
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard ready: {Url} (cluster {ClusterId}, token required: {TokenRequired})")]
    private static partial void LogReady(ILogger logger, string url, string clusterId, bool tokenRequired);
}
