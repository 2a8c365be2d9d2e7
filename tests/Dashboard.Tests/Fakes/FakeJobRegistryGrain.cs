using Distributed.Grains.Jobs;

namespace Distributed.Dashboard.Tests.Fakes;

/// <summary>A registry double: the job summaries in memory.</summary>
public sealed class FakeJobRegistryGrain : Grain, IJobRegistryGrain
{
    private readonly Dictionary<string, JobSummary> _jobs = [];

    public Task UpsertAsync(JobSummary job)
    {
        _jobs[job.Id] = job;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JobSummary>> ListAsync() => Task.FromResult<IReadOnlyList<JobSummary>>([.. _jobs.Values.OrderBy(j => j.Created)]);
}
