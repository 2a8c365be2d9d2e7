using Distributed.Grains.Storage;

namespace Distributed.Grains.Jobs;

/// <summary>Every job of the cluster, newest last: job grains upsert their summary at each transition.</summary>
public sealed class JobRegistryGrain([PersistentState("jobs", GrainStorageNames.State)] IPersistentState<JobRegistryState> state) : Grain, IJobRegistryGrain
{
    public async Task UpsertAsync(JobSummary job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var jobs = state.State.Jobs;
        var i = jobs.FindIndex(j => j.Id == job.Id);
        if (i >= 0)
        {
            // Transitions can arrive out of order (a moved coordinator re-sends); the newer update wins.
            if (jobs[i].Updated > job.Updated) return;
            jobs[i] = job;
        }
        else
        {
            jobs.Add(job);
        }
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<JobSummary>> ListAsync() => Task.FromResult<IReadOnlyList<JobSummary>>([.. state.State.Jobs]);
}
