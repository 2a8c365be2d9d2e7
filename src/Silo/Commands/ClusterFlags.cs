using System.CommandLine;
using System.Globalization;
using Distributed.Silo.Hosting;

namespace Distributed.Silo.Commands;

/// <summary>
/// The flags of commands that talk to the cluster. Each one overrides a key of the <c>Cluster</c> configuration
/// section (appsettings.json, then <c>DISTRIBUTED_Cluster__*</c> variables), so the three sources bind to one
/// <see cref="DistributedClusterOptions"/>.
/// </summary>
public sealed class ClusterFlags
{
    private readonly Option<string?> _mode = new("--mode") { Description = "embedded (one process, the default), host (several processes on this machine; needs --state-dir) or azure (Azure Table membership + Blob state; needs AZURE_STORAGE_CONNECTION_STRING)" };
    private readonly Option<int?> _primaryPort = new("--primary-port") { Description = "host mode: the primary silo's --silo-port, through which the others join (default 11111)" };
    private readonly Option<string?> _stateDir = new("--state-dir") { Description = "host mode: the folder the machine's silos share for grain state" };
    private readonly Option<string?> _clusterId = new("--cluster-id") { Description = "silos and clients with the same id form one cluster" };
    private readonly Option<string?> _serviceId = new("--service-id") { Description = "stable service name; grain state is keyed by it" };
    private readonly Option<int?> _siloPort = new("--silo-port") { Description = "silo-to-silo port (default 11111)" };
    private readonly Option<int?> _gatewayPort = new("--gateway-port") { Description = "client gateway port; 0 for none (default 30000)" };
    private readonly Option<string?> _advertise = new("--advertise") { Description = "IP address other hosts reach this silo at (default 127.0.0.1)" };
    private readonly Option<string?> _name = new("--name") { Description = "silo name in logs and the dashboard" };
    private readonly Option<string?> _gpus = new("--gpus") { Description = "global GPU indices this silo owns, e.g. 0,1 (the i-th is local device i)" };
    private readonly Option<string?> _dashboardHost = new("--dashboard-host") { Description = "dashboard bind address (default 127.0.0.1)" };
    private readonly Option<string?> _dashboardPort = new("--dashboard-port") { Description = "dashboard port, 0 for any free port, or off (default 8080)" };
    private readonly Option<string?> _dashboardToken = new("--dashboard-token") { Description = "token the dashboard requires (needed beyond loopback); prefer the variable DISTRIBUTED_DASHBOARD_TOKEN" };
    private readonly Option<string?> _directory = new("--grain-directory") { Description = "local (default) or distributed" };

    public IEnumerable<Option> Options => [_mode, _primaryPort, _stateDir, _clusterId, _serviceId, _siloPort, _gatewayPort, _advertise, _name, _gpus, _dashboardHost, _dashboardPort, _dashboardToken, _directory];

    /// <summary>The flags given, as configuration keys.</summary>
    public Dictionary<string, string?> ToConfiguration(ParseResult result)
    {
        const string S = DistributedClusterOptions.Section;
        var keys = new Dictionary<string, string?>();
        void Set(string key, string? value)
        {
            if (value is not null) keys[$"{S}:{key}"] = value;
        }
        Set(nameof(DistributedClusterOptions.Mode), result.GetValue(_mode));
        Set(nameof(DistributedClusterOptions.PrimaryPort), result.GetValue(_primaryPort)?.ToString(CultureInfo.InvariantCulture));
        Set(nameof(DistributedClusterOptions.StateDirectory), result.GetValue(_stateDir));
        Set(nameof(DistributedClusterOptions.ClusterId), result.GetValue(_clusterId));
        Set(nameof(DistributedClusterOptions.ServiceId), result.GetValue(_serviceId));
        Set(nameof(DistributedClusterOptions.SiloPort), result.GetValue(_siloPort)?.ToString(CultureInfo.InvariantCulture));
        Set(nameof(DistributedClusterOptions.GatewayPort), result.GetValue(_gatewayPort)?.ToString(CultureInfo.InvariantCulture));
        Set(nameof(DistributedClusterOptions.AdvertisedAddress), result.GetValue(_advertise));
        Set(nameof(DistributedClusterOptions.SiloName), result.GetValue(_name));
        Set(nameof(DistributedClusterOptions.Gpus), result.GetValue(_gpus));
        Set(nameof(DistributedClusterOptions.GrainDirectory), result.GetValue(_directory));
        Set("Dashboard:Host", result.GetValue(_dashboardHost));
        Set("Dashboard:Token", result.GetValue(_dashboardToken));
        if (result.GetValue(_dashboardPort) is { } port)
        {
            if (port.Equals("off", StringComparison.OrdinalIgnoreCase)) Set("Dashboard:Enabled", "false");
            else if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out _)) Set("Dashboard:Port", port);
            else throw new ArgumentException($"--dashboard-port '{port}' is not a port: give a number (0 for any free port) or off.");
        }
        return keys;
    }
}
