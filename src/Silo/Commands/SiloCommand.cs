using System.CommandLine;
using Distributed.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Distributed.Silo.Commands;

/// <summary>`distributed silo [flags]`: hosts one Orleans silo until stopped (Ctrl+C or SIGTERM).</summary>
public static partial class SiloCommand
{
    public static Command Create()
    {
        var flags = new ClusterFlags();
        var command = new Command("silo", "Host an Orleans silo: grains, GPU workers and the dashboard (/orleans) until stopped");
        foreach (var option in flags.Options) command.Options.Add(option);
        command.SetAction((r, ct) => RunAsync(flags.ToConfiguration(r), ct));
        return command;
    }

    private static async Task<int> RunAsync(Dictionary<string, string?> flags, CancellationToken cancellationToken)
    {
        var configuration = ClusterConfiguration.Build(flags);
        var options = ClusterConfiguration.Load(configuration);
        using var host = SiloHost.Build(options, configuration);
        await host.StartAsync(cancellationToken);
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>();
        var resolved = host.Services.GetRequiredService<IOptions<Orleans.Configuration.ClusterOptions>>().Value;
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SiloCommand).FullName!);
        LogReady(log, silo.Name, resolved.ClusterId, options.Mode, silo.SiloAddress, silo.GatewayAddress?.ToString() ?? "none", options.Gpus,
            SiloHost.DashboardUrl(host) ?? "off", Environment.ProcessId);
        await host.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    // The line scripts and tests wait for: the silo has joined and serves grains.
    [LoggerMessage(Level = LogLevel.Information,
        Message = "Silo {Silo} ready: cluster {ClusterId} ({Mode}), address {Address}, gateway {Gateway}, GPUs [{Gpus}], dashboard {Dashboard}, pid {Pid}")]
    private static partial void LogReady(ILogger logger, string silo, string clusterId, string mode, SiloAddress address, string gateway, string gpus,
        string dashboard, int pid);
}
