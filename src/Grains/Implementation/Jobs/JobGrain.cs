using System.Globalization;
using Distributed.Grains.Checkpoints;
using Distributed.Grains.Placement;
using Distributed.Grains.Storage;
using Distributed.Grains.Workers;
using Distributed.Trainer.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Distributed.Grains.Jobs;

/// <summary>
/// One training job: validates the spec, forms the world from the free GPUs of live silos (ranks by ascending GPU),
/// has rank 0's worker open the world's rendezvous and starts every worker; then follows the workers' step reports
/// (its heartbeats), keeps the metric history, evaluations and timeline, and ends the job when every rank finished.
/// Its state is persisted: when its silo is lost it re-activates elsewhere on the next worker report, while the
/// workers keep training.
/// </summary>
[CoordinatorPlacement]
public sealed partial class JobGrain(
    [PersistentState("job", GrainStorageNames.State)] IPersistentState<JobGrainState> state,
    IClusterMembershipService membership,
    ISiloMetadataCache metadata,
    ILocalSiloDetails silo,
    IOptions<JobGrainOptions> options,
    TimeProvider time,
    ILogger<JobGrain> log) : Grain, IJobGrain
{
    private readonly JobGrainOptions _options = options.Value;
    private readonly Dictionary<long, List<StepReport>> _pendingPoints = [];
    private DateTimeOffset _lastWrite;
    private bool _dirty;
    private IGrainTimer? _timer;

    private JobGrainState S => state.State;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Spec is not null && !IsFinal(S.State))
        {
            if (S.Coordinator is { } previous && previous != silo.Name)
            {
                AddEvent(JobEventKinds.CoordinatorMoved, $"the job's coordinator re-activated on silo {silo.Name} (was {previous}) from its stored state; workers kept training", S.Step);
                LogMoved(log, Id, previous, silo.Name, S.Step);
            }
            S.Coordinator = silo.Name;
            await WriteAsync();
            StartTimer();
        }
    }

    public async Task<JobStatus> SubmitAsync(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (S.Spec is not null)
            throw new InvalidOperationException($"job {Id} exists already ({S.State}); submit under another id, or `distributed job resume {Id}`");
        JobSpecValidator.Validate(spec);
        var job = JobFile.Parse(spec.JobFileJson, "job file");
        var now = time.GetUtcNow();
        S.Spec = spec;
        S.State = JobState.Pending;
        S.TotalSteps = job.Steps;
        S.Created = now;
        S.Coordinator = silo.Name;
        AddEvent(JobEventKinds.Submitted,
            $"{spec.Name}: {job.Objective}, {job.Steps} steps of batch {job.Batch}, {spec.MinWorkers}-{spec.MaxWorkers} workers, checkpoints to {spec.Storage}");
        LogSubmitted(log, Id, spec.Name, job.Objective, job.Steps, spec.MinWorkers, spec.MaxWorkers);
        await WriteAsync();
        await RegisterAsync();
        await TryFormWorldAsync(restoreFrom: null);
        StartTimer();
        return Status();
    }

    public Task<JobStatus> GetStatusAsync() => Task.FromResult(Status());

    public Task<IReadOnlyList<StepPoint>> GetHistoryAsync(long fromStep, int max)
    {
        var points = S.History.Where(p => p.Step >= fromStep).ToList();
        if (max > 0 && points.Count > max) points = points.GetRange(points.Count - max, max);
        return Task.FromResult<IReadOnlyList<StepPoint>>(points);
    }

    public async Task<JobStatus> CancelAsync()
    {
        RequireSubmitted();
        if (IsFinal(S.State)) return Status();
        var world = S.World.ToList();
        var worldId = S.WorldId;
        S.State = JobState.Cancelled;
        AddEvent(JobEventKinds.Cancelled, world.Count > 0 ? $"cancelled: {world.Count} workers stop at their next step boundary" : "cancelled before it started", S.Step, worldId);
        LogCancelled(log, Id, S.Step);
        await WriteAsync();
        await RegisterAsync();
        await Task.WhenAll(world.Select(m => TryAsync(() => Worker(m.Gpu).StopAsync(Id, "job cancelled"), $"stop GPU {m.Gpu}")));
        return Status();
    }

    public async Task<JobStatus> ResumeAsync()
    {
        RequireSubmitted();
        if (S.State is not (JobState.Cancelled or JobState.Failed))
            throw new InvalidOperationException($"job {Id} is {S.State}: only a cancelled or failed job can be resumed");
        var latest = S.Checkpoints.Where(c => c.Committed).MaxBy(c => c.Step)
            ?? throw new InvalidOperationException(
                $"job {Id} has no committed checkpoint to resume from (it stopped at step {S.Step}); submit it again, with --checkpoint-every N to checkpoint as it goes");
        if (S.World.Count > 0 && await AnyStillTrainingAsync())
            throw new InvalidOperationException($"job {Id}'s workers are still stopping; try again in a moment");
        S.State = JobState.Pending;
        S.Error = null;
        AddEvent(JobEventKinds.Resumed, $"resuming from checkpoint {latest.Name} (step {latest.Step})", latest.Step);
        await WriteAsync();
        await RegisterAsync();
        await TryFormWorldAsync(restoreFrom: latest);
        StartTimer();
        return Status();
    }

    public Task<JobStatus> CheckpointNowAsync()
    {
        RequireSubmitted();
        throw new NotSupportedException("checkpoints on request are not wired into cluster jobs yet; use --checkpoint-every N at submit");
    }

    public Task ReportStepAsync(StepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.WorldId != S.WorldId || S.Spec is null) return Task.CompletedTask;
        var i = S.LastSteps.FindIndex(r => r.Rank == report.Rank);
        if (i >= 0) S.LastSteps[i] = report;
        else S.LastSteps.Add(report);
        if (!_pendingPoints.TryGetValue(report.Step, out var reports)) _pendingPoints[report.Step] = reports = [];
        reports.RemoveAll(r => r.Rank == report.Rank);
        reports.Add(report);
        if (reports.Count == S.World.Count)
        {
            _pendingPoints.Remove(report.Step);
            foreach (var stale in _pendingPoints.Keys.Where(k => k < report.Step).ToList()) _pendingPoints.Remove(stale);
            AddPoint(report.Step, reports);
        }
        if (S.State == JobState.Forming)
        {
            S.State = JobState.Running;
            AddEvent(JobEventKinds.Started, $"world {S.WorldId} trains: first step reported", report.Step, S.WorldId);
        }
        _dirty = true;
        return time.GetUtcNow() - _lastWrite >= _options.StateWriteInterval ? WriteAsync() : Task.CompletedTask;
    }

    public async Task ReportEvaluationAsync(string worldId, EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (worldId != S.WorldId) return;
        if (S.Evaluations.Any(e => e.Step == report.Step)) return; // a retried report
        S.Evaluations.Add(report);
        AddEvent(JobEventKinds.Evaluated, $"held-out loss {report.Loss.ToString("F4", CultureInfo.InvariantCulture)} on {report.Samples} samples", report.Step, worldId);
        await WriteAsync();
    }

    public async Task ReportFailureAsync(string worldId, int rank, string error)
    {
        if (worldId != S.WorldId || IsFinal(S.State)) return;
        var member = S.World.FirstOrDefault(m => m.Rank == rank);
        S.State = JobState.Failed;
        S.Error = $"rank {rank} (GPU {member?.Gpu}, silo {member?.Silo}): {error}";
        AddEvent(JobEventKinds.Failed, S.Error, S.Step, worldId);
        LogFailed(log, Id, rank, error);
        await WriteAsync();
        await RegisterAsync();
        // Recovery (a new world from the survivors) is the job of issue 11; until then the others are torn down so no rank waits on a dead peer.
        await Task.WhenAll(S.World.Where(m => m.Rank != rank).Select(m => TryAsync(() => Worker(m.Gpu).AbortAsync(Id, worldId, $"rank {rank} failed"), $"abort GPU {m.Gpu}")));
    }

    public async Task ReportFinishedAsync(string worldId, int rank, long step)
    {
        if (worldId != S.WorldId || S.Finished.Contains(rank)) return;
        S.Finished.Add(rank);
        if (S.Finished.Count < S.World.Count)
        {
            await WriteAsync();
            return;
        }
        S.Step = Math.Max(S.Step, step);
        if (S.State == JobState.Cancelled)
        {
            AddEvent(JobEventKinds.Cancelled, $"every worker stopped, at step {step}", step, worldId);
        }
        else if (!IsFinal(S.State))
        {
            S.State = step >= S.TotalSteps ? JobState.Completed : JobState.Cancelled;
            AddEvent(S.State == JobState.Completed ? JobEventKinds.Completed : JobEventKinds.Cancelled,
                S.State == JobState.Completed ? $"{step} steps trained by {S.World.Count} workers" : $"stopped at step {step} of {S.TotalSteps}", step, worldId);
            LogFinished(log, Id, S.State, step);
        }
        await WriteAsync();
        await RegisterAsync();
        StopTimer();
    }

    public async Task ReportCheckpointAsync(CheckpointInfo checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var i = S.Checkpoints.FindIndex(c => c.Name == checkpoint.Name);
        if (i >= 0) S.Checkpoints[i] = checkpoint;
        else S.Checkpoints.Add(checkpoint);
        if (checkpoint.Committed)
            AddEvent(JobEventKinds.CheckpointCommitted, $"{checkpoint.Name}: {checkpoint.Bytes:N0} bytes in {checkpoint.Seconds:F1} s", checkpoint.Step, S.WorldId);
        else if (checkpoint.Abandoned)
            AddEvent(JobEventKinds.CheckpointAbandoned, $"{checkpoint.Name} abandoned", checkpoint.Step, S.WorldId);
        await WriteAsync();
    }

    // --- forming a world

    private async Task TryFormWorldAsync(CheckpointInfo? restoreFrom)
    {
        var spec = S.Spec!;
        var free = await FreeGpusAsync();
        if (free.Count < spec.MinWorkers)
        {
            var detail = $"waiting for workers: {free.Count} free, at least {spec.MinWorkers} needed";
            if (S.Events.LastOrDefault()?.Detail != detail) AddEvent(JobEventKinds.Submitted, detail);
            await WriteAsync();
            return;
        }
        var world = free.Take(spec.MaxWorkers).Select((g, rank) => new WorldMember(rank, g.Gpu, g.Silo)).ToList();
        S.Worlds++;
        var worldId = $"{Id.Replace('/', '-')}-w{S.Worlds}";
        S.WorldId = worldId;
        S.World = world;
        S.Finished = [];
        S.LastSteps = [];
        _pendingPoints.Clear();
        S.State = JobState.Forming;
        AddEvent(JobEventKinds.WorldFormed, $"world {worldId}: {string.Join(", ", world.Select(m => $"rank {m.Rank} = GPU {m.Gpu} on {m.Silo}"))}", S.Step, worldId);
        LogWorld(log, Id, worldId, world.Count);
        await WriteAsync();
        await RegisterAsync();
        try
        {
            var address = world.Count > 1 ? await Worker(world[0].Gpu).OpenRendezvousAsync(Id, worldId) : new RendezvousAddress("", 0);
            await Task.WhenAll(world.Select(m => Worker(m.Gpu).StartAsync(new WorkerAssignment(Id, worldId, m.Rank, world.Count, address.Host, address.Port, spec,
                restoreFrom?.Location, null))));
        }
        catch (Exception e)
        {
            S.State = JobState.Failed;
            S.Error = $"starting world {worldId}: {e.Message}";
            AddEvent(JobEventKinds.Failed, S.Error, S.Step, worldId);
            await WriteAsync();
            await RegisterAsync();
            await Task.WhenAll(world.Select(m => TryAsync(() => Worker(m.Gpu).AbortAsync(Id, worldId, "the world could not start"), $"abort GPU {m.Gpu}")));
        }
    }

    // GPUs of active silos whose workers are idle, ascending.
    private async Task<List<(int Gpu, string Silo)>> FreeGpusAsync()
    {
        var candidates = new List<(int Gpu, string Silo)>();
        foreach (var member in membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active))
        {
            if (!metadata.GetSiloMetadata(member.SiloAddress).Metadata.TryGetValue(SiloGpus.MetadataKey, out var value)) continue;
            foreach (var gpu in SiloGpus.Parse(value)) candidates.Add((gpu, member.Name));
        }
        candidates.Sort((a, b) => a.Gpu.CompareTo(b.Gpu));
        var free = new List<(int Gpu, string Silo)>();
        foreach (var candidate in candidates)
        {
            try
            {
                var status = await Worker(candidate.Gpu).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(10));
                if (status.State is WorkerState.Idle or WorkerState.Failed) free.Add(candidate);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogWorkerUnreachable(log, Id, candidate.Gpu, e.Message);
            }
        }
        return free;
    }

    private async Task<bool> AnyStillTrainingAsync()
    {
        foreach (var m in S.World)
        {
            try
            {
                var status = await Worker(m.Gpu).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(10));
                if (status.JobId == Id && status.State is WorkerState.Joining or WorkerState.Training or WorkerState.Stopping) return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A worker that cannot be reached trains nothing.
            }
        }
        return false;
    }

    // --- the timer: a pending job looks for workers again; step reports' state is written

    private void StartTimer() => _timer ??= this.RegisterGrainTimer(OnTimerAsync, _options.FormRetryInterval, _options.FormRetryInterval);

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        if (S.State == JobState.Pending)
        {
            var latest = S.Checkpoints.Where(c => c.Committed).MaxBy(c => c.Step);
            await TryFormWorldAsync(S.Events.Any(e => e.Kind == JobEventKinds.Resumed) ? latest : null);
        }
        else if (_dirty) await WriteAsync();
        if (IsFinal(S.State)) StopTimer();
    }

    // --- state

    private void AddPoint(long step, List<StepReport> reports)
    {
        var ordered = reports.OrderBy(r => r.Rank).ToList();
        var first = ordered[0];
        S.History.Add(new StepPoint(step, first.Loss, first.Lr, first.GradNorm, ordered.Average(r => r.TokensPerSecond), first.Mfu, ordered.Count,
            ordered.Max(r => r.Time), ordered));
        if (S.History.Count > _options.HistoryLimit) S.History.RemoveRange(0, S.History.Count - _options.HistoryLimit);
        S.Step = Math.Max(S.Step, step);
    }

    private void AddEvent(string kind, string detail, long? step = null, string? worldId = null)
    {
        S.Events.Add(new JobEvent(time.GetUtcNow(), kind, detail, step, worldId));
        if (S.Events.Count > _options.EventLimit) S.Events.RemoveRange(0, S.Events.Count - _options.EventLimit);
    }

    private async Task WriteAsync()
    {
        S.Updated = time.GetUtcNow();
        S.Coordinator = silo.Name;
        await state.WriteStateAsync();
        _lastWrite = S.Updated;
        _dirty = false;
    }

    private Task RegisterAsync() => GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).UpsertAsync(
        new JobSummary(Id, S.Spec!.Name, S.State, S.Step, S.TotalSteps, S.World.Count, S.Created, S.Updated));

    private JobStatus Status()
    {
        RequireSubmitted();
        return new JobStatus(Id, S.Spec!, S.State, S.Step, S.TotalSteps, S.WorldId, [.. S.World], [.. S.LastSteps.OrderBy(r => r.Rank)], [.. S.Evaluations],
            [.. S.Checkpoints], [.. S.Events], S.Error, S.Created, S.Updated, silo.Name);
    }

    private void RequireSubmitted()
    {
        if (S.Spec is null)
        {
            DeactivateOnIdle();
            throw new KeyNotFoundException($"no job {Id}: `distributed job list` shows the jobs of this cluster");
        }
    }

    private IWorkerGrain Worker(int gpu) => GrainFactory.GetGrain<IWorkerGrain>(gpu);

    private async Task TryAsync(Func<Task> call, string what)
    {
        try
        {
            await call().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogCallFailed(log, Id, what, e.Message);
        }
    }

    private static bool IsFinal(JobState s) => s is JobState.Completed or JobState.Failed or JobState.Cancelled;

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Name}) submitted: {Objective}, {Steps} steps, {Min}-{Max} workers")]
    private static partial void LogSubmitted(ILogger logger, string jobId, string name, string objective, int steps, int min, int max);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: world {WorldId} of {WorldSize} workers formed")]
    private static partial void LogWorld(ILogger logger, string jobId, string worldId, int worldSize);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: coordinator moved from {Previous} to {Silo} at step {Step}")]
    private static partial void LogMoved(ILogger logger, string jobId, string previous, string silo, long step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} cancelled at step {Step}")]
    private static partial void LogCancelled(ILogger logger, string jobId, long step);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: rank {Rank} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string jobId, int rank, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} {State} at step {Step}")]
    private static partial void LogFinished(ILogger logger, string jobId, JobState state, long step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: worker of GPU {Gpu} unreachable: {Error}")]
    private static partial void LogWorkerUnreachable(ILogger logger, string jobId, int gpu, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {What} failed: {Error}")]
    private static partial void LogCallFailed(ILogger logger, string jobId, string what, string error);
}
