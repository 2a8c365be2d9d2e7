using System.CommandLine;
using Distributed.Silo.Hosting;

namespace Distributed.Silo.Commands;

/// <summary>
/// `distributed job submit|status|list|cancel|resume`: cluster jobs. `submit` in embedded mode (the default) runs the
/// cluster in this process with one CPU worker per requested worker and follows the job to its end; every other
/// subcommand is a client of a running cluster: the embedded one on this machine (its gateway) or, with
/// `--mode azure`, the cluster of AZURE_STORAGE_CONNECTION_STRING.
/// </summary>
public static class JobCommand
{
    public static Command Create() => new("job", "Submit, follow, list, cancel and resume training jobs on the cluster")
    {
        JobSubmitCommand.Create(),
        JobClientCommands.Status(),
        JobClientCommands.List(),
        JobClientCommands.Cancel(),
        JobClientCommands.Resume(),
    };

    internal static readonly Option<bool> Json = new("--json") { Description = "print the result as JSON (logs go to stderr)" };

    /// <summary>A command with the cluster flags and --json.</summary>
    internal static Command WithClusterFlags(Command command, ClusterFlags flags)
    {
        foreach (var option in flags.Options) command.Options.Add(option);
        command.Options.Add(Json);
        return command;
    }

    /// <summary>The validated cluster options of the flags given.</summary>
    internal static (DistributedClusterOptions Options, IConfigurationRoot Configuration) Cluster(Dictionary<string, string?> flags)
    {
        var configuration = ClusterConfiguration.Build(flags);
        return (ClusterConfiguration.Load(configuration), configuration);
    }
}
