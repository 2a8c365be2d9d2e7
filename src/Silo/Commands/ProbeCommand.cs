using System.CommandLine;
using Distributed.Grains.Diagnostics;
using Distributed.Silo.Hosting;

namespace Distributed.Silo.Commands;

/// <summary>`distributed probe [--key K] [flags]`: adds one to a persisted probe grain and says where it ran, to check
/// that a cluster (membership, placement, grain storage) works end to end.</summary>
public static partial class ProbeCommand
{
    public static Command Create()
    {
        var flags = new ClusterFlags();
        var key = new Option<string>("--key") { Description = "which probe grain", DefaultValueFactory = _ => "probe" };
        var command = new Command("probe", "Check the cluster: increment a persisted probe grain and print where it runs") { key };
        foreach (var option in flags.Options) command.Options.Add(option);
        command.SetAction((r, ct) => RunAsync(r.GetValue(key)!, flags.ToConfiguration(r), ct));
        return command;
    }

    private static async Task<int> RunAsync(string key, Dictionary<string, string?> flags, CancellationToken cancellationToken)
    {
        var configuration = ClusterConfiguration.Build(flags);
        var options = ClusterConfiguration.Load(configuration);
        await using var cluster = await ClusterConnection.ConnectAsync(options, configuration, cancellationToken);
        var reply = await cluster.Grains.GetGrain<IProbeGrain>(key).IncrementAsync();
        LogProbed(cluster.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProbeCommand).FullName!), key, reply.Count, reply.ETag, reply.Silo,
            reply.ProcessId);
        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Probe {Key}: count {Count} (ETag {ETag}) on silo {Silo}, pid {Pid}")]
    private static partial void LogProbed(ILogger logger, string key, long count, string? eTag, string silo, int pid);
}
