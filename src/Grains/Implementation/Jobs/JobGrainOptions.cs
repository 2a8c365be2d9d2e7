namespace Distributed.Grains.Jobs;

/// <summary>How a job grain keeps its state and history. Validated when the silo starts.</summary>
public sealed class JobGrainOptions
{
    /// <summary>Step reports update the state in memory; it is written at most this often (and at every transition).</summary>
    public TimeSpan StateWriteInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a pending job looks for free workers again.</summary>
    public TimeSpan FormRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Metric history points kept (the newest).</summary>
    public int HistoryLimit { get; set; } = 2000;

    /// <summary>Timeline events kept (the newest).</summary>
    public int EventLimit { get; set; } = 500;

    public IEnumerable<string> Problems()
    {
        if (StateWriteInterval <= TimeSpan.Zero) yield return $"Jobs:StateWriteInterval {StateWriteInterval} must be positive";
        if (FormRetryInterval <= TimeSpan.Zero) yield return $"Jobs:FormRetryInterval {FormRetryInterval} must be positive";
        if (HistoryLimit < 1) yield return $"Jobs:HistoryLimit {HistoryLimit} must be at least 1";
        if (EventLimit < 1) yield return $"Jobs:EventLimit {EventLimit} must be at least 1";
    }
}
