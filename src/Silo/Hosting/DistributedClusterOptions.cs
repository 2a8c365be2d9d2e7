using System.Globalization;

namespace Distributed.Silo.Hosting;

/// <summary>
/// How this process joins the cluster: section <c>Cluster</c> of appsettings.json, overridden by environment
/// variables (<c>DISTRIBUTED_Cluster__SiloPort=…</c>, and <c>AZURE_STORAGE_CONNECTION_STRING</c>), overridden by
/// the command's flags. <see cref="DistributedClusterOptionsValidator"/> checks it before anything starts.
/// </summary>
public sealed class DistributedClusterOptions
{
    public const string Section = "Cluster";

    /// <summary><c>embedded</c> (one process: silo, client and dashboard, localhost clustering, state in memory),
    /// <c>host</c> (several silo processes on one machine, no storage service: membership through the primary silo,
    /// grain state in files of <see cref="StateDirectory"/>; a GPU host with one process per GPU) or <c>azure</c>
    /// (Azure Table membership and Azure Blob grain state, for several processes or hosts). Flag <c>--mode</c>.</summary>
    public string Mode { get; set; } = "embedded";

    /// <summary>Silos and clients with the same cluster id form one cluster. Flag <c>--cluster-id</c>.</summary>
    public string ClusterId { get; set; } = "distributed";

    /// <summary>Stays the same across deployments: grain state is keyed by it. Flag <c>--service-id</c>.</summary>
    public string ServiceId { get; set; } = "distributed";

    /// <summary>The silo's name in logs and the dashboard; defaults to the host name and process id. Flag <c>--name</c>.</summary>
    public string? SiloName { get; set; }

    /// <summary>Silo-to-silo port. Flag <c>--silo-port</c>.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients connect to; 0 runs the silo without a gateway. Flag <c>--gateway-port</c>.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The IP address other silos and clients reach this silo at. Loopback keeps everything on this machine;
    /// any other address also listens on all interfaces. Flag <c>--advertise</c>.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>The global GPU indices this silo owns, comma-separated, in local device order (empty: none). Flag <c>--gpus</c>.</summary>
    public string Gpus { get; set; } = "";

    /// <summary>Azure Storage (or Azurite) for membership and grain state in azure mode; from
    /// <c>AZURE_STORAGE_CONNECTION_STRING</c>.</summary>
    public string? StorageConnectionString { get; set; }

    /// <summary>The blob container for grain state in azure mode.</summary>
    public string StateContainer { get; set; } = "grain-state";

    /// <summary><c>local</c> (Orleans' default) or <c>distributed</c> (Orleans' experimental distributed grain
    /// directory). Flag <c>--grain-directory</c>; see docs/ARCHITECTURE-decisions.md for the measured difference.</summary>
    public string GrainDirectory { get; set; } = "local";

    /// <summary>Host mode: the silo port of the primary silo, through which the others join (the primary is the silo
    /// started with this --silo-port; it must outlive the others). Flag <c>--primary-port</c>.</summary>
    public int PrimaryPort { get; set; } = 11111;

    /// <summary>Host mode: the folder, shared by the silos of the machine, that holds grain state as JSON files. Flag <c>--state-dir</c>.</summary>
    public string? StateDirectory { get; set; }

    public DashboardSettings Dashboard { get; set; } = new();

    public bool IsAzure => string.Equals(Mode, "azure", StringComparison.OrdinalIgnoreCase);

    public bool IsHost => string.Equals(Mode, "host", StringComparison.OrdinalIgnoreCase);

    /// <summary>This process is the whole cluster (silo, client and dashboard).</summary>
    public bool IsEmbedded => string.Equals(Mode, "embedded", StringComparison.OrdinalIgnoreCase);

    /// <summary>The parsed <see cref="Gpus"/> (call after validation).</summary>
    public IReadOnlyList<int> GpuList =>
        [.. Gpus.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(g => int.Parse(g, CultureInfo.InvariantCulture))];

    public sealed class DashboardSettings
    {
        /// <summary>Serve the training dashboard (at <c>/</c>) and the Orleans dashboard (under <c>/orleans</c>) on this silo. Flag <c>--dashboard-port off</c> turns it off.</summary>
        public bool Enabled { get; set; } = true;

        /// <summary>Embedded mode: keep the process (and so its dashboard) up after the command's work ended, until
        /// Ctrl+C / SIGTERM, to look at the finished job. <c>./run.sh --keep</c> sets it
        /// (<c>DISTRIBUTED_Cluster__Dashboard__Keep=true</c>).</summary>
        public bool Keep { get; set; }

        /// <summary>Kestrel's bind address; loopback by default. Any other address needs <see cref="Token"/>. Flag <c>--dashboard-host</c>.</summary>
        public string Host { get; set; } = "127.0.0.1";

        /// <summary>The training dashboard's token: needed by every request when set, and by every action. Flag
        /// <c>--dashboard-token</c>, or the variable <c>DISTRIBUTED_DASHBOARD_TOKEN</c> (kept out of process listings).</summary>
        public string? Token { get; set; }

        /// <summary>0 picks a free port (logged at start). Flag <c>--dashboard-port</c>.</summary>
        public int Port { get; set; } = 8080;
    }
}
