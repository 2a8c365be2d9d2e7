using System.Globalization;
using Distributed.Grains.Checkpoints;
using Distributed.Grains.Placement;
using Distributed.Grains.Storage;
using Distributed.Grains.Workers;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
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
    // When each rank of the current world was last heard from (in memory: a new activation gives every rank a fresh start).
    private readonly Dictionary<int, DateTimeOffset> _lastHeard = [];
    private DateTimeOffset _lastFormAttempt;
    private DateTimeOffset _lastGrowCheck;
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
            HeardAll();
            StartTimer();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // State is written at most every StateWriteInterval while steps arrive. A deactivation that runs this (idle,
        // silo shutdown, its directory entry lost with another silo) keeps what arrived since: the next activation
        // starts from it. A crash loses it; the workers' reports and the recovery path rebuild what matters.
        if (!_dirty) return;
        try
        {
            await WriteAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogDeactivationWriteFailed(log, Id, reason.Description, e.Message);
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
        await TryFormWorldAsync();
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
        S.Recovery = null;
        ReleaseReplicas(world.Select(m => m.Gpu), "job cancelled");
        return Status();
    }

    public async Task<JobStatus> ResumeAsync()
    {
        RequireSubmitted();
        if (S.State is not (JobState.Cancelled or JobState.Failed))
            throw new InvalidOperationException($"job {Id} is {S.State}: only a cancelled or failed job can be resumed");
        var latest = await LatestCommittedAsync()
            ?? throw new InvalidOperationException(
                $"job {Id} has no committed checkpoint to resume from (it stopped at step {S.Step}); submit it again, with --checkpoint-every N to checkpoint as it goes");
        if (S.World.Count > 0 && await AnyStillTrainingAsync())
            throw new InvalidOperationException($"job {Id}'s workers are still stopping; try again in a moment");
        S.State = JobState.Pending;
        S.Error = null;
        S.RestoreFrom = latest.Name;
        AddEvent(JobEventKinds.Resumed, $"resuming from checkpoint {latest.Name} (step {latest.Step})", latest.Step);
        await WriteAsync();
        await RegisterAsync();
        await TryFormWorldAsync();
        StartTimer();
        return Status();
    }

    public async Task<JobStatus> CheckpointNowAsync()
    {
        RequireSubmitted();
        if (S.State is not (JobState.Running or JobState.Forming))
            throw new InvalidOperationException($"job {Id} is {S.State}: only a running job can checkpoint");
        AddEvent(JobEventKinds.CheckpointStarted, "checkpoint requested: the workers take it at the next step boundary", S.Step, S.WorldId);
        await WriteAsync();
        await Task.WhenAll(S.World.Select(m => TryAsync(() => Worker(m.Gpu).RequestCheckpointAsync(Id), $"checkpoint on GPU {m.Gpu}")));
        return Status();
    }

    public Task ReportStepAsync(StepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.WorldId != S.WorldId || S.Spec is null) return Task.CompletedTask;
        _lastHeard[report.Rank] = time.GetUtcNow();
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
            if (S.Resume is { } mark)
            {
                // The end of a recovery: how long from detection to the first completed step, and how much work was discarded
                // (the step in flight when the world broke, and any completed step the new world's starting replica was behind).
                var lost = mark.Grow ? 0 : Math.Max(0, mark.LastCompleted + 1 - mark.FromStep);
                var seconds = (time.GetUtcNow() - mark.Detected).TotalSeconds;
                AddEvent(JobEventKinds.Started,
                    $"world {S.WorldId} trains again: step {report.Step} completed {seconds.ToString("F1", CultureInfo.InvariantCulture)} s after the {(mark.Grow ? "regroup began" : "failure was detected")}; {lost} step(s) lost",
                    report.Step, S.WorldId);
                LogRecovered(log, Id, S.WorldId!, report.Step, seconds, lost);
                S.Resume = null;
            }
            else
            {
                AddEvent(JobEventKinds.Started, $"world {S.WorldId} trains: first step reported", report.Step, S.WorldId);
            }
        }
        _dirty = true;
        return time.GetUtcNow() - _lastWrite >= _options.StateWriteInterval ? WriteAndRegisterAsync() : Task.CompletedTask;
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
        // The rank's own error (not a lost peer: those arrive as ReportLeftWorld), which a new world would meet again: the
        // job fails, and the others are torn down so that no rank waits on it (they leave keeping replicas, released below).
        S.Recovery = null;
        await Task.WhenAll(S.World.Where(m => m.Rank != rank).Select(m => TryAsync(() => Worker(m.Gpu).AbortAsync(Id, worldId, $"rank {rank} failed"), $"abort GPU {m.Gpu}")));
    }

    public async Task ReportLeftWorldAsync(string worldId, int rank, int gpu, long step, bool replicaKept, string reason)
    {
        if (S.Spec is null) return;
        var member = S.World.FirstOrDefault(m => m.Rank == rank && m.Gpu == gpu);
        var recovering = S.State is JobState.Forming or JobState.Running or JobState.Checkpointing or JobState.Recovering;
        if (worldId != S.WorldId || member is null || !recovering)
        {
            // A world that is gone (or a job that ended): the replica is of no use to anyone.
            if (replicaKept) ReleaseReplicas([gpu], $"world {worldId} of job {Id} is over ({S.State})");
            return;
        }
        LogLeft(log, Id, worldId, rank, step, replicaKept, reason);
        if (S.Recovery is null)
            await BeginRecoveryAsync($"rank {rank} (GPU {gpu} on {member.Silo}) left world {worldId} at step {step}: {reason}", [], grow: false);
        var r = S.Recovery!;
        r.Left.RemoveAll(l => l.Rank == rank);
        r.Left.Add(new LeftWorld(rank, gpu, step, replicaKept));
        await WriteAsync();
        await TryFinishRecoveryAsync();
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

    // A pending job: a world of the free workers when there are enough (a resumed job restores its checkpoint).
    private async Task TryFormWorldAsync()
    {
        var spec = S.Spec!;
        _lastFormAttempt = time.GetUtcNow();
        var free = await FreeGpusAsync();
        if (free.Count < spec.MinWorkers)
        {
            var detail = $"waiting for workers: {free.Count} free, at least {spec.MinWorkers} needed";
            if (S.Events.LastOrDefault()?.Detail != detail) AddEvent(JobEventKinds.Submitted, detail);
            await WriteAsync();
            return;
        }
        // Replicas kept for this job are of no use to a world that restores a checkpoint: the workers drop them when they start.
        var fromStep = S.RestoreFrom is { } restore && CheckpointLayout.StepOf(restore) is { } restoredStep ? restoredStep : S.Step;
        var how = S.RestoreFrom is { } name ? $"restoring checkpoint {name}" : fromStep == 0 ? "from the job file's initialisation" : $"from step {fromStep}";
        await StartWorldAsync([.. free.Take(spec.MaxWorkers)], S.RestoreFrom, broadcastFrom: null, fromStep, how);
    }

    // Assigns ranks in the given order (rank 0 first), has rank 0 open the rendezvous and starts every worker.
    private async Task StartWorldAsync(List<FreeGpu> members, string? restoreFrom, int? broadcastFrom, long fromStep, string how)
    {
        var spec = S.Spec!;
        var job = JobFile.Parse(spec.JobFileJson, "job file");
        var world = members.Select((g, rank) => new WorldMember(rank, g.Gpu, g.Silo, g.Address)).ToList();
        S.Worlds++;
        var worldId = $"{Id.Replace('/', '-')}-w{S.Worlds}";
        S.WorldId = worldId;
        S.World = world;
        S.Finished = [];
        S.LastSteps = [];
        S.Recovery = null;
        _pendingPoints.Clear();
        S.State = JobState.Forming;
        // Fixed once: later worlds keep the global batch through accumulation of micro-batches of this size (see JobGrainState.MicroBatch).
        S.MicroBatch ??= job.MicroBatch ?? (job.Batch + world.Count - 1) / world.Count;
        // The new world starts at fromStep: what was trained after it is trained again, and replaces its history.
        S.Step = fromStep;
        S.History.RemoveAll(p => p.Step > fromStep);
        if (S.Resume is { } mark) S.Resume = mark with { FromStep = fromStep };
        AddEvent(JobEventKinds.WorldFormed,
            $"world {worldId} ({how}): {string.Join(", ", world.Select(m => $"rank {m.Rank} = GPU {m.Gpu} on {m.Silo}"))}", fromStep, worldId);
        LogWorld(log, Id, worldId, world.Count);
        HeardAll();
        await WriteAndRegisterAsync();
        RendezvousAddress address;
        try
        {
            address = world.Count > 1 ? await Worker(world[0].Gpu).OpenRendezvousAsync(Id, worldId).WaitAsync(CallTimeout) : new RendezvousAddress("", 0);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await BeginRecoveryAsync($"rank 0 (GPU {world[0].Gpu} on {world[0].Silo}) could not open world {worldId}'s rendezvous: {e.Message}", [0], grow: false);
            return;
        }
        var unstarted = new List<int>();
        await Task.WhenAll(world.Select(async m =>
        {
            try
            {
                await Worker(m.Gpu).StartAsync(new WorkerAssignment(Id, worldId, m.Rank, world.Count, address.Host, address.Port, spec, restoreFrom, broadcastFrom,
                    S.MicroBatch)).WaitAsync(CallTimeout);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogWorkerUnreachable(log, Id, m.Gpu, e.Message);
                lock (unstarted) unstarted.Add(m.Rank);
            }
        }));
        if (unstarted.Count > 0)
            await BeginRecoveryAsync($"world {worldId}: rank(s) {string.Join(", ", unstarted)} could not be started", unstarted, grow: false);
    }

    private sealed record FreeGpu(int Gpu, string Silo, string Address, WorkerStatus Status);

    // GPUs of active silos whose workers are free for this job (idle, failed, or keeping this job's replica), ascending.
    private async Task<List<FreeGpu>> FreeGpusAsync(IReadOnlySet<int>? skip = null)
    {
        var candidates = new List<(int Gpu, string Silo, string Address)>();
        foreach (var member in membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active))
        {
            if (!metadata.GetSiloMetadata(member.SiloAddress).Metadata.TryGetValue(SiloGpus.MetadataKey, out var value)) continue;
            foreach (var gpu in SiloGpus.Parse(value))
            {
                if (skip?.Contains(gpu) != true) candidates.Add((gpu, member.Name, member.SiloAddress.ToParsableString()));
            }
        }
        candidates.Sort((a, b) => a.Gpu.CompareTo(b.Gpu));
        var statuses = await Task.WhenAll(candidates.Select(async c =>
        {
            try
            {
                return await Worker(c.Gpu).GetStatusAsync().WaitAsync(CallTimeout);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogWorkerUnreachable(log, Id, c.Gpu, e.Message);
                return null;
            }
        }));
        var free = new List<FreeGpu>();
        for (var i = 0; i < candidates.Count; i++)
        {
            if (statuses[i] is not { } status) continue;
            if (status.State is WorkerState.Idle or WorkerState.Failed || (status.State == WorkerState.Retained && status.JobId == Id))
                free.Add(new FreeGpu(candidates[i].Gpu, candidates[i].Silo, candidates[i].Address, status));
        }
        return free;
    }

    private async Task<bool> AnyStillTrainingAsync()
    {
        foreach (var m in S.World)
        {
            try
            {
                var status = await Worker(m.Gpu).GetStatusAsync().WaitAsync(CallTimeout);
                if (status.JobId == Id && status.State is WorkerState.Joining or WorkerState.Training or WorkerState.Stopping) return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A worker that cannot be reached trains nothing.
            }
        }
        return false;
    }

    // --- recovery: a broken world is left by its survivors (keeping their replicas); the next world starts from the most
    // advanced replica, broadcast to every rank, or from the last committed checkpoint when no replica survived; below the
    // minimum world the job waits for workers and then restores the checkpoint.

    private async Task BeginRecoveryAsync(string reason, IReadOnlyCollection<int> lost, bool grow)
    {
        var now = time.GetUtcNow();
        var worldId = S.WorldId!;
        var lastCompleted = Math.Max(S.Step, S.LastSteps.Count > 0 ? S.LastSteps.Max(r => r.Step) : 0);
        if (S.Recovery is { } current)
        {
            foreach (var rank in lost.Where(r => !current.Lost.Contains(r))) current.Lost.Add(rank);
            await WriteAsync();
            return;
        }
        S.State = JobState.Recovering;
        S.Recovery = new RecoveryState
        {
            WorldId = worldId,
            Reason = reason,
            Grow = grow,
            Detected = now,
            Deadline = now + _options.RecoveryTimeout,
            LastCompleted = lastCompleted,
            Lost = [.. lost],
        };
        S.Resume = new ResumeMark(now, lastCompleted, lastCompleted, grow);
        AddEvent(grow ? JobEventKinds.Regrouping : JobEventKinds.Detected, reason, lastCompleted, worldId);
        var others = S.World.Where(m => !lost.Contains(m.Rank)).ToList();
        if (grow)
        {
            LogRegrouping(log, Id, worldId, reason);
            foreach (var m in others) _ = TryAsync(() => Worker(m.Gpu).RegroupAsync(Id, worldId, reason), $"regroup GPU {m.Gpu}");
        }
        else
        {
            LogDetected(log, Id, worldId, lastCompleted, reason);
            // Every other rank leaves now: NCCL communicators are aborted (no rank waits on the dead peer); a Gloo
            // collective with a hung peer ends at the collective timeout. Calls are not awaited: a dead silo's would wait.
            foreach (var m in others) _ = TryAsync(() => Worker(m.Gpu).AbortAsync(Id, worldId, reason), $"abort GPU {m.Gpu}");
            AddEvent(JobEventKinds.Aborted, $"world {worldId} aborted: its {others.Count} other rank(s) are told to leave it, keeping their replicas (a lost one never answers)", lastCompleted, worldId);
        }
        await WriteAndRegisterAsync();
    }

    // Forms the next world once every rank of the broken one has left it or is lost (or the recovery timeout passed).
    private async Task TryFinishRecoveryAsync()
    {
        if (S.Recovery is not { } r) return;
        foreach (var rank in DeadMembers().Where(d => !r.Lost.Contains(d))) r.Lost.Add(rank);
        var waiting = S.World.Where(m => !r.Lost.Contains(m.Rank) && !r.Left.Any(l => l.Rank == m.Rank)).ToList();
        if (waiting.Count > 0 && time.GetUtcNow() < r.Deadline)
        {
            // A member whose process is gone cannot leave, and membership may take tens of seconds to declare its silo
            // dead (measured: 29 s for the second of two kills 3 s apart, the first silo having been one of its probers).
            // Its silo refuses the connection at once: such a member is lost now. One that does not answer in time (a
            // stopped process) is left to membership and the recovery timeout.
            var refused = await RefusingAsync(waiting);
            foreach (var m in refused) r.Lost.Add(m.Rank);
            waiting = [.. waiting.Where(m => !refused.Contains(m))];
            if (waiting.Count > 0) return;
        }
        foreach (var m in waiting)
        {
            r.Lost.Add(m.Rank);
            AddEvent(JobEventKinds.WorkerLost, $"rank {m.Rank} (GPU {m.Gpu} on {m.Silo}) did not leave world {r.WorldId} within {_options.RecoveryTimeout.TotalSeconds:F0} s: counted as lost", r.LastCompleted, r.WorldId);
        }
        foreach (var m in S.World.Where(m => r.Lost.Contains(m.Rank) && !waiting.Contains(m)))
            AddEvent(JobEventKinds.WorkerLost, $"rank {m.Rank} (GPU {m.Gpu} on {m.Silo}) lost", r.LastCompleted, r.WorldId);
        // Steps some ranks completed before the world broke are kept: their loss is the world's (all-reduced). Each
        // rank's last report is also in the persisted state (LastSteps), so a step whose pending reports were lost with
        // an activation of this grain (re-activated meanwhile, e.g. after its directory entry's silo died) still gets its point.
        foreach (var (step, reports) in _pendingPoints.OrderBy(p => p.Key).ToList()) AddPoint(step, reports);
        _pendingPoints.Clear();
        foreach (var reports in S.LastSteps.Where(x => x.WorldId == r.WorldId && !S.History.Any(p => p.Step == x.Step))
                     .GroupBy(x => x.Step).OrderBy(g => g.Key))
            AddPoint(reports.Key, [.. reports]);

        var spec = S.Spec!;
        var free = await FreeGpusAsync();
        var replicas = free.Where(f => f.Status.State == WorkerState.Retained).ToList();
        if (free.Count < spec.MinWorkers)
        {
            var latest = await LatestCommittedAsync();
            S.RestoreFrom = latest?.Name;
            S.Step = latest?.Step ?? 0;
            S.State = JobState.Pending;
            S.Recovery = null;
            S.World = [];
            AddEvent(JobEventKinds.Released,
                $"too few workers to go on: {free.Count} free, at least {spec.MinWorkers} needed; the job restores {(latest is null ? "from the start (no checkpoint was committed)" : $"checkpoint {latest.Name}")} when enough are free",
                r.LastCompleted, r.WorldId);
            ReleaseReplicas(replicas.Select(f => f.Gpu), "too few workers to go on: the job restores its checkpoint later");
            await WriteAndRegisterAsync();
            return;
        }
        var source = replicas.OrderByDescending(f => f.Status.Step).ThenBy(f => f.Gpu).FirstOrDefault();
        var members = (source is null ? free : [source, .. free.Where(f => f.Gpu != source.Gpu)]).Take(spec.MaxWorkers).ToList();
        ReleaseReplicas(replicas.Where(f => !members.Contains(f)).Select(f => f.Gpu), "the next world is full");
        if (source is not null)
        {
            var joining = members.Count(m => m.Status.State != WorkerState.Retained);
            S.RestoreFrom = null;
            await StartWorldAsync(members, null, broadcastFrom: 0, source.Status.Step,
                $"from the replica of GPU {source.Gpu} at step {source.Status.Step}: {members.Count - joining} survivor(s), {joining} joining");
        }
        else
        {
            var latest = await LatestCommittedAsync();
            S.RestoreFrom = latest?.Name;
            await StartWorldAsync(members, latest?.Name, broadcastFrom: null, latest?.Step ?? 0,
                latest is null ? "no replica survived and no checkpoint was committed: from the start" : $"no replica survived: restoring checkpoint {latest.Name}");
        }
    }

    // Ranks of the current world whose silo membership has declared dead (a restarted silo of the same name is another silo).
    private static readonly TimeSpan MemberProbeTimeout = TimeSpan.FromSeconds(2);

    // The members whose silo refuses a call to their worker grain: their process is gone (a live one answers a ping
    // even while its training thread is blocked in a collective).
    private async Task<List<WorldMember>> RefusingAsync(List<WorldMember> members)
    {
        var refused = await Task.WhenAll(members.Select(async m =>
        {
            try
            {
                await GrainFactory.GetGrain<IWorkerGrain>(m.Gpu).PingAsync().WaitAsync(MemberProbeTimeout);
                return false;
            }
            catch (SiloUnavailableException)
            {
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return false; // a timeout, or anything else: membership and the recovery timeout decide
            }
        }));
        return [.. members.Where((_, i) => refused[i])];
    }

    private List<int> DeadMembers()
    {
        var members = membership.CurrentSnapshot.Members.Values;
        var dead = new List<int>();
        foreach (var m in S.World)
        {
            if (m.SiloAddress is null) continue;
            var entry = members.FirstOrDefault(x => x.SiloAddress.ToParsableString() == m.SiloAddress);
            if (entry is { Status: SiloStatus.Dead }) dead.Add(m.Rank);
        }
        return dead;
    }

    private void ReleaseReplicas(IEnumerable<int> gpus, string reason)
    {
        foreach (var gpu in gpus) _ = TryAsync(() => Worker(gpu).ReleaseAsync(Id, reason), $"release GPU {gpu}");
    }

    private void HeardAll()
    {
        _lastHeard.Clear();
        var now = time.GetUtcNow();
        foreach (var m in S.World) _lastHeard[m.Rank] = now;
    }

    // A running world: members' silos alive, reports arriving, and free workers to grow into.
    private async Task CheckHealthAsync()
    {
        var now = time.GetUtcNow();
        if (DeadMembers() is { Count: > 0 } dead)
        {
            var who = string.Join(", ", S.World.Where(m => dead.Contains(m.Rank)).Select(m => $"rank {m.Rank} (GPU {m.Gpu} on {m.Silo})"));
            await BeginRecoveryAsync($"{who}: silo declared dead by the cluster's membership", dead, grow: false);
            return;
        }
        if (S.State != JobState.Running) return;
        var silent = S.World.Where(m => now - _lastHeard.GetValueOrDefault(m.Rank, now) > _options.HeartbeatTimeout).ToList();
        if (silent.Count > 0)
        {
            await BeginRecoveryAsync(
                $"no step report from rank(s) {string.Join(", ", silent.Select(m => m.Rank))} for {_options.HeartbeatTimeout.TotalSeconds:F0} s: the world hangs", [], grow: false);
            return;
        }
        if (S.World.Count < S.Spec!.MaxWorkers && now - _lastGrowCheck >= _options.FormRetryInterval)
        {
            _lastGrowCheck = now;
            var joiners = await FreeGpusAsync(S.World.Select(m => m.Gpu).ToHashSet());
            if (joiners.Count > 0 && S.State == JobState.Running && S.Recovery is null)
            {
                await BeginRecoveryAsync(
                    $"{string.Join(", ", joiners.Select(j => $"GPU {j.Gpu} on {j.Silo}"))} free: the world regroups at the next step boundary to take {(joiners.Count == 1 ? "it" : "them")} in",
                    [], grow: true);
            }
        }
    }

    // --- the timer: a pending job looks for workers, a running one checks its world, a recovering one forms the next world

    private void StartTimer() => _timer ??= this.RegisterGrainTimer(OnTimerAsync, _options.HealthCheckInterval, _options.HealthCheckInterval);

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        switch (S.State)
        {
            case JobState.Pending when time.GetUtcNow() - _lastFormAttempt >= _options.FormRetryInterval:
                await TryFormWorldAsync();
                break;
            case JobState.Recovering:
                await TryFinishRecoveryAsync();
                break;
            case JobState.Forming or JobState.Running or JobState.Checkpointing:
                await CheckHealthAsync();
                break;
        }
        if (_dirty) await WriteAndRegisterAsync();
        if (IsFinal(S.State)) StopTimer();
    }

    // --- state

    // The checkpoint grain's word (it commits), else what this grain was told.
    private async Task<CheckpointInfo?> LatestCommittedAsync()
    {
        try
        {
            if (await GrainFactory.GetGrain<ICheckpointGrain>(Id).LatestCommittedAsync() is { } latest) return latest;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogCallFailed(log, Id, "asking the checkpoint grain", e.Message);
        }
        return S.Checkpoints.Where(c => c.Committed).MaxBy(c => c.Step);
    }

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

    private async Task WriteAndRegisterAsync()
    {
        await WriteAsync();
        await RegisterAsync();
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

    // A call to a worker that does not answer within this is given up (its silo may be dead and not yet declared so).
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private async Task TryAsync(Func<Task> call, string what)
    {
        try
        {
            await call().WaitAsync(CallTimeout);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogCallFailed(log, Id, what, e.Message);
        }
    }

    private static bool IsFinal(JobState s) => s is JobState.Completed or JobState.Failed or JobState.Cancelled;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its state could not be written on deactivation ({Reason}): {Error}; the next activation starts from the last write")]
    private static partial void LogDeactivationWriteFailed(ILogger logger, string jobId, string reason, string error);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: world {WorldId} broke after step {Step}: {Reason}")]
    private static partial void LogDetected(ILogger logger, string jobId, string worldId, long step, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: world {WorldId} regroups: {Reason}")]
    private static partial void LogRegrouping(ILogger logger, string jobId, string worldId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: world {WorldId} rank {Rank} left at step {Step} (replica kept: {Kept}): {Reason}")]
    private static partial void LogLeft(ILogger logger, string jobId, string worldId, int rank, long step, bool kept, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: world {WorldId} trains again at step {Step}, {Seconds:F1} s after detection, {Lost} step(s) lost")]
    private static partial void LogRecovered(ILogger logger, string jobId, string worldId, long step, double seconds, long lost);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} {State} at step {Step}")]
    private static partial void LogFinished(ILogger logger, string jobId, JobState state, long step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: worker of GPU {Gpu} unreachable: {Error}")]
    private static partial void LogWorkerUnreachable(ILogger logger, string jobId, int gpu, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {What} failed: {Error}")]
    private static partial void LogCallFailed(ILogger logger, string jobId, string what, string error);
}
