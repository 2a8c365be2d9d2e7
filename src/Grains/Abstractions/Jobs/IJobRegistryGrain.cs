namespace Distributed.Grains.Jobs;

/// <summary>Every job of the cluster (one grain, key <see cref="Key"/>), for `job list` and the dashboard. Persisted.</summary>
[Alias("distributed.job-registry")]
public interface IJobRegistryGrain : IGrainWithStringKey
{
    public const string Key = "jobs";

    [Alias("upsert")]
    Task UpsertAsync(JobSummary job);

    [Alias("list")]
    Task<IReadOnlyList<JobSummary>> ListAsync();
}
