namespace Distributed.Silo.Hosting;

/// <summary>The cluster settings (flags, environment, appsettings.json) are not usable; the message lists each problem.</summary>
public sealed class ClusterSettingsException(IEnumerable<string> problems)
    : Exception("the cluster settings are not valid:" + string.Concat(problems.Select(p => "\n  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = [.. problems];
}
