namespace Distributed.Dashboard;

/// <summary>
/// The training dashboard's settings. Bound from the silo's <c>Cluster:Dashboard</c> section (flags
/// <c>--dashboard-host</c>, <c>--dashboard-token</c>; variable <see cref="TokenVariable"/>) and checked at start by
/// <see cref="TrainingDashboardOptionsValidator"/>.
/// </summary>
public sealed class TrainingDashboardOptions
{
    /// <summary>The environment variable that carries the token (so it stays out of process listings).</summary>
    public const string TokenVariable = "DISTRIBUTED_DASHBOARD_TOKEN";

    /// <summary>The flag that sets the token.</summary>
    public const string TokenFlag = "--dashboard-token";

    /// <summary>The address Kestrel binds. Anything but loopback needs <see cref="Token"/>.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// The shared secret. When set, every request but <c>/healthz</c> needs it (header <see cref="DashboardAuth.Header"/>,
    /// or the cookie the page gets from <c>?token=</c>), and every action needs it in the header.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>How often the server-sent event streams poll the grains.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one grain call may take before the page shows the grain as unresponsive.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Worker discovery probes GPU indices 0, 1, ... up to the first one no silo owns, at most this many.</summary>
    public int MaxGpus { get; set; } = 1024;

    /// <summary>The most metric points one history request or stream start returns.</summary>
    public int MaxHistoryPoints { get; set; } = 5000;

    public bool HasToken => !string.IsNullOrEmpty(Token);
}
