namespace Distributed.Grains.Jobs;

/// <summary>How a job grain keeps its state and history. Validated when the silo starts.</summary>
public sealed class JobGrainOptions
{
    /// <summary>The configuration section it binds to.</summary>
    public const string Section = "Jobs";

    /// <summary>Step reports update the state in memory; it is written at most this often (and at every transition).</summary>
    public TimeSpan StateWriteInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a pending job looks for free workers again.</summary>
    public TimeSpan FormRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a running job checks its world: members' silos alive (membership), reports arriving, workers free to grow it.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A running world from which no step report arrives for this long is aborted and re-formed. A last resort: a dead
    /// process is found by membership and by its peers' collectives within seconds, a hung one by its peers' collective
    /// timeout (Workers:CollectiveTimeout); this catches a world that hangs as a whole. Longer than the slowest step
    /// plus an evaluation.
    /// </summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// After a failure, how long the job waits for the survivors to leave the broken world before it counts the silent
    /// ones as lost. Longer than Workers:CollectiveTimeout, so that a survivor stuck in a collective with a hung peer
    /// times out and reports first.
    /// </summary>
    public TimeSpan RecoveryTimeout { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>Metric history points kept (the newest).</summary>
    public int HistoryLimit { get; set; } = 2000;

    /// <summary>Timeline events kept (the newest).</summary>
    public int EventLimit { get; set; } = 500;

    public IEnumerable<string> Problems()
    {
        if (StateWriteInterval <= TimeSpan.Zero) yield return $"Jobs:StateWriteInterval {StateWriteInterval} must be positive";
        if (FormRetryInterval <= TimeSpan.Zero) yield return $"Jobs:FormRetryInterval {FormRetryInterval} must be positive";
        if (HealthCheckInterval <= TimeSpan.Zero) yield return $"Jobs:HealthCheckInterval {HealthCheckInterval} must be positive";
        if (HeartbeatTimeout <= TimeSpan.Zero) yield return $"Jobs:HeartbeatTimeout {HeartbeatTimeout} must be positive";
        if (RecoveryTimeout <= TimeSpan.Zero) yield return $"Jobs:RecoveryTimeout {RecoveryTimeout} must be positive";
        if (HistoryLimit < 1) yield return $"Jobs:HistoryLimit {HistoryLimit} must be at least 1";
        if (EventLimit < 1) yield return $"Jobs:EventLimit {EventLimit} must be at least 1";
    }
}
