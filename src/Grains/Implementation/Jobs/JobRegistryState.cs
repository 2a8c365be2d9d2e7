namespace Distributed.Grains.Jobs;

/// <summary>The job registry's persisted state.</summary>
public sealed class JobRegistryState
{
    public List<JobSummary> Jobs { get; set; } = [];
}
