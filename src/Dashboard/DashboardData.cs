using Distributed.Grains.Checkpoints;
using Distributed.Grains.Jobs;
using Distributed.Grains.Placement;
using Distributed.Grains.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Distributed.Dashboard;

/// <summary>
/// What the pages and the API read, and the actions they take, through the grain contracts only (the same calls the
/// CLI makes). Job ids reaching here have passed <see cref="DashboardIds"/>.
/// </summary>
public sealed partial class DashboardData(IGrainFactory grains, IOptions<TrainingDashboardOptions> options, TimeProvider time, ILogger<DashboardData> log)
{
    private readonly TrainingDashboardOptions _options = options.Value;

    public Task<IReadOnlyList<JobSummary>> ListJobsAsync(CancellationToken ct) =>
        WithTimeout(grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).ListAsync(), ct);

    /// <summary>Whether the registry knows the job: unknown ids get a 404 without activating a job grain for them.</summary>
    public async Task<bool> ExistsAsync(string jobId, CancellationToken ct) =>
        (await ListJobsAsync(ct)).Any(j => j.Id == jobId);

    public Task<JobStatus> GetJobAsync(string jobId, CancellationToken ct) => WithTimeout(Job(jobId).GetStatusAsync(), ct);

    public Task<IReadOnlyList<StepPoint>> GetHistoryAsync(string jobId, long fromStep, int max, CancellationToken ct) =>
        WithTimeout(Job(jobId).GetHistoryAsync(fromStep, Math.Clamp(max, 1, _options.MaxHistoryPoints)), ct);

    /// <summary>The job's checkpoints as its job grain tracks them (committed or not; the checkpoint grain reports each to it).</summary>
    public async Task<IReadOnlyList<CheckpointInfo>> GetCheckpointsAsync(string jobId, CancellationToken ct) => (await GetJobAsync(jobId, ct)).Checkpoints;

    public Task<JobStatus> CancelAsync(string jobId, CancellationToken ct) => WithTimeout(Job(jobId).CancelAsync(), ct);

    public Task<JobStatus> ResumeAsync(string jobId, CancellationToken ct) => WithTimeout(Job(jobId).ResumeAsync(), ct);

    public Task<JobStatus> CheckpointNowAsync(string jobId, CancellationToken ct) => WithTimeout(Job(jobId).CheckpointNowAsync(), ct);

    /// <summary>
    /// Every worker of the cluster: GPU indices are global and dense (0..n-1 over all silos), so the workers are probed
    /// from 0 up to the first index no live silo owns; the GPUs of running jobs' worlds are added, so a worker whose
    /// silo died stays listed (with the reason) while a job still counts on it.
    /// </summary>
    public async Task<IReadOnlyList<WorkerView>> ListWorkersAsync(CancellationToken ct)
    {
        var rows = new SortedDictionary<int, WorkerView>();
        for (var gpu = 0; gpu < _options.MaxGpus; gpu++)
        {
            var row = await ProbeAsync(gpu, ct);
            if (row is null) break;
            rows[gpu] = row;
        }
        foreach (var job in await ListJobsAsync(ct))
        {
            if (job.State is JobState.Completed or JobState.Failed or JobState.Cancelled) continue;
            var status = await GetJobAsync(job.Id, ct);
            foreach (var member in status.World)
            {
                if (rows.ContainsKey(member.Gpu)) continue;
                rows[member.Gpu] = await ProbeAsync(member.Gpu, ct)
                    ?? new WorkerView(member.Gpu, null, null, $"no live silo owns GPU {member.Gpu} (it was rank {member.Rank} of job {job.Id} on {member.Silo})");
            }
        }
        return [.. rows.Values];
    }

    /// <summary>The worker's row, or null when no live silo owns the GPU.</summary>
    private async Task<WorkerView?> ProbeAsync(int gpu, CancellationToken ct)
    {
        try
        {
            var status = await WithTimeout(grains.GetGrain<IWorkerGrain>(gpu).GetStatusAsync(), ct);
            double? age = status.LastStep is { } last ? Math.Max(0, (time.GetUtcNow() - last).TotalSeconds) : null;
            return new WorkerView(gpu, status, age, null);
        }
        catch (NoGpuOwnerException)
        {
            return null;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            LogWorkerUnresponsive(log, gpu, e.Message);
            return new WorkerView(gpu, null, null, e.Message);
        }
    }

    private IJobGrain Job(string jobId) => grains.GetGrain<IJobGrain>(jobId);

    private Task<T> WithTimeout<T>(Task<T> call, CancellationToken ct) => call.WaitAsync(_options.CallTimeout, time, ct);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard: worker {Gpu} did not answer: {Error}")]
    private static partial void LogWorkerUnresponsive(ILogger logger, int gpu, string error);
}
