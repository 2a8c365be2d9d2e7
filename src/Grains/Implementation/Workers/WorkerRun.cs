using System.Diagnostics;
using Distributed.Grains.Checkpoints;
using Distributed.Grains.Data;
using Distributed.Grains.Jobs;
using Distributed.Trainer.Collectives;
using Distributed.Trainer.Data;
using Distributed.Trainer.Objectives;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.Logging;

namespace Distributed.Grains.Workers;

/// <summary>
/// One rank of one world on one GPU slot: the training loop that runs on the slot's dedicated thread, and what
/// other threads may see or ask of it (state, step, stop, abort). It belongs to the slot, not to the worker grain, so
/// it goes on when the grain re-activates.
/// </summary>
internal sealed partial class WorkerRun
{
    private readonly GpuSlot _slot;
    private readonly WorkerAssignment _assignment;
    private readonly TrainingWorkerOptions _options;
    private readonly IGrainFactory _grains;
    private readonly RankCheckpointWriter _checkpoints;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private volatile bool _stopRequested;
    private volatile bool _checkpointRequested;
    private volatile bool _regroupRequested;
    private volatile bool _abortRequested;
    private Task? _pendingCheckpoint;
    private volatile WorkerState _state = WorkerState.Joining;
    private volatile ProcessGroup? _group;
    private long _step;
    private long _lastStepTicks;

    public WorkerRun(GpuSlot slot, WorkerAssignment assignment, TrainingWorkerOptions options, IGrainFactory grains, RankCheckpointWriter checkpoints,
        ILoggerFactory loggers)
    {
        _checkpoints = checkpoints;
        _slot = slot;
        _assignment = assignment;
        _options = options;
        _grains = grains;
        _loggers = loggers;
        _log = loggers.CreateLogger<WorkerRun>();
    }

    public WorkerAssignment Assignment => _assignment;

    public string JobId => _assignment.JobId;

    public string WorldId => _assignment.WorldId;

    public WorkerState State
    {
        get => _state;
        private set => _state = value;
    }

    public string? Error { get; private set; }

    /// <summary>The device it trains on (cpu, cuda:N), once known.</summary>
    public string Device { get; private set; } = "";

    public long Step => Interlocked.Read(ref _step);

    public DateTimeOffset? LastStep => Interlocked.Read(ref _lastStepTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public bool IsActive => State is WorkerState.Joining or WorkerState.Training or WorkerState.Stopping;

    /// <summary>Why the run left its world keeping the replica (null while it trains, or when it ended otherwise).</summary>
    public string? LeftReason { get; private set; }

    /// <summary>Stop at the next step boundary (every rank agrees on which one).</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (State == WorkerState.Training) State = WorkerState.Stopping;
    }

    /// <summary>Checkpoint at the next step boundary (every rank agrees on which one).</summary>
    public void RequestCheckpoint() => _checkpointRequested = true;

    /// <summary>Leave the world at the next step boundary keeping the replica (every rank agrees on which one).</summary>
    public void RequestRegroup() => _regroupRequested = true;

    /// <summary>
    /// Tears the communicator down now: a collective in progress fails at once (NCCL; Gloo's ends at its timeout
    /// when the peer hangs), so no rank waits on a dead peer. The run leaves its world keeping the replica at its
    /// last completed step.
    /// </summary>
    public void Abort()
    {
        _abortRequested = true;
        try
        {
            _group?.Abort();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogAbortFailed(_log, JobId, _assignment.Rank, e.Message);
        }
    }

    /// <summary>The whole run, on the slot's dedicated thread.</summary>
    public void Run()
    {
        var a = _assignment;
        using var logScope = _log.BeginScope(new Dictionary<string, object> { ["JobId"] = a.JobId, ["Rank"] = a.Rank, ["WorldId"] = a.WorldId });
        var reporter = new WorkerReporter(_grains, a.JobId, _options.ReportRetryFor, _log);
        CollectiveGradientSync? sync = null;
        TrainingSession? session = null;
        // Whether the session holds a whole step boundary: false only while a broadcast may have written part of it.
        var consistent = true;
        var kept = false;
        try
        {
            var job = JobFile.Parse(a.Spec.JobFileJson, $"job {a.JobId}");
            var device = job.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? Trainer.Torch.Device.Cuda(_slot.LocalDevice) : Trainer.Torch.Device.Cpu;
            job = job with { Device = device.ToString(), MicroBatch = a.MicroBatch ?? job.MicroBatch };
            Device = job.Device;
            if (!device.IsCuda)
            {
                // libtorch's intra-op threads are set per thread here (OpenMP): each CPU worker of this process takes its share of the cores.
                var threads = LibTorch.ConfigureThreads(_slot.CpuThreads);
                LogThreads(_log, a.JobId, a.Rank, threads.IntraOp);
            }

            // 1. The replica: the one kept from the job's previous world, a committed checkpoint, or the job file's
            //    initialisation. It is built before joining, so the ranks' different build times fall in the join's
            //    timeout, not in the first collective's.
            session = _slot.TakeRetained(a.JobId);
            if (session is not null && a.BroadcastFrom is null)
            {
                session.Dispose(); // this world restores a checkpoint
                session = null;
            }
            if (session is not null)
            {
                LogReusing(_log, a.JobId, a.Rank, session.StepCount);
            }
            else if (a.BroadcastFrom == a.Rank)
            {
                // This rank was to give the world its replica, and no longer holds it: the job must choose again.
                throw new ReplicaLostException($"GPU {_slot.Gpu} no longer holds job {a.JobId}'s replica (it was released); the job forms the world again");
            }
            else
            {
                TrainingSnapshot? resume = null;
                if (a.RestoreFrom is { } name)
                {
                    var loading = Stopwatch.StartNew();
                    resume = CheckpointLoader.LoadAsync(Location, name, CancellationToken.None).GetAwaiter().GetResult();
                    var bytes = resume.Model.Concat(resume.Objective).Concat(resume.Optimizer).Sum(t => (long)t.Bytes.Length);
                    LogRestored(_log, a.JobId, a.Rank, name, resume.Step, bytes, loading.Elapsed.TotalSeconds);
                }
                // A rank that receives the world's replica by broadcast (step 3) need not initialise its parameters.
                var receives = a.BroadcastFrom is { } source && source != a.Rank && a.WorldSize > 1;
                session = TrainingSession.CreateAsync(job, WorldInfo.Single, null, _loggers, resume, weightsFollow: receives).GetAwaiter().GetResult();
            }

            // 2. The world.
            if (a.WorldSize > 1)
            {
                var rendezvous = new Rendezvous(a.StoreHost, a.StorePort, a.WorldId, a.Rank, a.WorldSize, _options.CollectiveTimeout) { JoinTimeout = _options.JoinTimeout };
                _group = ProcessGroup.Join(rendezvous, device, a.Rank == 0 ? _slot.RendezvousStore : null);
                sync = new CollectiveGradientSync(_group, _options.CollectiveTimeout);
                session.MoveToWorld(new WorldInfo(a.Rank, a.WorldSize), sync);
                if (_abortRequested) _group.Abort();
                // 3. One replica for the whole world: the survivor's (or grown world's source's) state goes to every rank.
                if (a.BroadcastFrom is { } root)
                {
                    consistent = a.Rank == root; // a receiver's state is partly overwritten until the broadcast ends
                    var from = session.BroadcastState(root);
                    consistent = true;
                    LogBroadcast(_log, a.JobId, a.Rank, root, from);
                }
            }
            Interlocked.Exchange(ref _step, session.StepCount);
            var train = session.Objective.Train;
            if (a.Rank == 0) reporter.DataStarted(Position(session.Cursor, session.StepCount), train.Count, job.Batch);
            State = _stopRequested ? WorkerState.Stopping : WorkerState.Training;
            LogStarted(_log, a.JobId, a.WorldId, a.Rank, a.WorldSize, session.StepCount, job.Steps, device.ToString());
            if (session.StepCount == 0) Evaluate(session, reporter);
            if (Train(job, session, reporter) is { } leaving)
            {
                kept = Keep(session, reporter, leaving);
                return;
            }
            if (session.StepCount >= job.Steps)
            {
                if (job.EvalEvery == 0 || session.StepCount % job.EvalEvery != 0) Evaluate(session, reporter);
                // The final model: a checkpoint like the others (every rank writes its share), committed before the job ends.
                FinalCheckpoint(session);
            }
            WaitForCheckpoint();
            LogEnded(_log, a.JobId, a.Rank, session.StepCount, job.Steps);
            reporter.Finished(a.WorldId, a.Rank, session.StepCount);
            State = WorkerState.Idle;
        }
        catch (Exception e) when (IsWorldFailure(e))
        {
            // A peer was lost or hangs, or the job aborted the world: the replica is still a step boundary (a step
            // whose collective failed never reached its optimizer step), so it is kept for the job's next world.
            LogLeftWorld(_log, a.JobId, a.Rank, Step, e.Message);
            if (session is not null && consistent)
            {
                kept = Keep(session, reporter, $"{e.GetType().Name}: {e.Message}");
            }
            else
            {
                State = WorkerState.Idle;
                reporter.LeftWorld(a.WorldId, a.Rank, _slot.Gpu, session?.StepCount ?? 0, replicaKept: false, $"{e.GetType().Name}: {e.Message}");
            }
        }
        catch (Exception e)
        {
            Error = e.Message;
            State = WorkerState.Failed;
            LogRunFailed(_log, e, a.JobId, a.Rank, Step);
            reporter.Failure(a.WorldId, a.Rank, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            WaitForCheckpoint();
            if (!kept) session?.Dispose();
            sync?.Dispose();
            var group = _group;
            _group = null;
            group?.Dispose();
            if (a.Rank == 0) _slot.CloseRendezvous();
            // Reports still queued are delivered in the background; the thread is free for the next run.
            _ = reporter.DisposeAsync().AsTask();
        }
    }

    // Leaves the world with the replica: the slot keeps the session for the job's next world.
    private bool Keep(TrainingSession session, WorkerReporter reporter, string reason)
    {
        WaitForCheckpoint();
        session.MoveToWorld(WorldInfo.Single, null);
        _slot.Retain(JobId, session);
        LeftReason = reason;
        State = WorkerState.Retained;
        LogKept(_log, JobId, _assignment.Rank, session.StepCount, reason);
        reporter.LeftWorld(WorldId, _assignment.Rank, _slot.Gpu, session.StepCount, replicaKept: true, reason);
        return true;
    }

    // A collective failed (peer lost, timeout, aborted) or the job aborted the world: not this rank's own error.
    private bool IsWorldFailure(Exception e) =>
        e is CollectiveException or ReplicaLostException || (_abortRequested && e is not OutOfMemoryException) || (_group is { IsBroken: true } && e is TorchException);

    // Steps until the job's last step or an agreed stop; returns why the world is left keeping the replica
    // (an agreed regroup, or an abort of a world of one), else null.
    private string? Train(JobFile job, TrainingSession session, WorkerReporter reporter)
    {
        var a = _assignment;
        var train = session.Objective.Train;
        double flopsPerToken = (4.0 * session.ParameterCount) + (2.0 * session.TrainableParameterCount);
        while (session.StepCount < job.Steps)
        {
            if (_abortRequested) throw new CollectiveException("Step", a.Rank, a.WorldId, CollectiveFailure.Aborted, "the job aborted this world");
            var before = session.Cursor;
            var positions = RankSlice.StepPositions(before, a.Rank, a.WorldSize, job.Batch, train.Count);
            var m = session.Step();
            // Every rank decides together whether to stop here: a rank that stopped alone would leave the others
            // waiting in the next step's all-reduce.
            var clock = Stopwatch.StartNew();
            (bool Stop, bool Checkpoint, bool Regroup) agreed;
            try
            {
                agreed = Agree();
            }
            catch (Exception e) when (IsWorldFailure(e))
            {
                // The step itself completed here (its optimizer step ran), so it is part of the replica this rank keeps:
                // its loss and samples are reported before the rank leaves, or a world that continues from this replica
                // would have trained a step that is in neither the history nor the sample log.
                ReportStep(job, m, positions, session, reporter, flopsPerToken, clock.Elapsed.TotalSeconds, 0);
                throw;
            }
            var (stop, checkpointNow, regroup) = agreed;
            var agreeSeconds = clock.Elapsed.TotalSeconds;
            var every = a.Spec.Checkpoints.EverySteps;
            // The last step's checkpoint is the final model, written after the final evaluation.
            var checkpointSeconds = (checkpointNow || (every > 0 && m.Step % every == 0)) && m.Step < job.Steps ? Checkpoint(session) : 0;
            var seconds = ReportStep(job, m, positions, session, reporter, flopsPerToken, agreeSeconds, checkpointSeconds);
            if (m.Step % job.LogEvery == 0 || m.Step == job.Steps)
                LogStep(_log, a.JobId, a.Rank, m.Step, job.Steps, m.Loss, m.GradNorm, m.Lr, m.Tokens / seconds);
            if (job.EvalEvery > 0 && m.Step % job.EvalEvery == 0) Evaluate(session, reporter);
            if (stop) break;
            if (regroup) return $"the world regroups after step {m.Step}";
        }
        return null;
    }

    // Sends one completed step's metrics (to the job grain) and its samples (to the data shard); returns the step's seconds.
    private double ReportStep(JobFile job, StepMetrics m, long[] positions, TrainingSession session, WorkerReporter reporter,
        double flopsPerToken, double agreeSeconds, double checkpointSeconds)
    {
        var a = _assignment;
        var seconds = m.Seconds + agreeSeconds + checkpointSeconds;
        double? mfu = job.PeakTflops is { } peak ? m.Tokens * flopsPerToken / (seconds * peak * 1e12) : null;
        var now = DateTimeOffset.UtcNow;
        Interlocked.Exchange(ref _step, m.Step);
        Interlocked.Exchange(ref _lastStepTicks, now.UtcTicks);
        reporter.Step(
            new StepReport(a.WorldId, a.Rank, _slot.Gpu, m.Step, m.Loss, m.Lr, m.GradNorm, m.Samples, m.Tokens, m.Tokens / seconds,
                m.DataSeconds, m.ComputeSeconds, m.SyncSeconds + agreeSeconds, m.OptimizerSeconds, checkpointSeconds, mfu, now, Environment.WorkingSet),
            new StepSlice(m.Step, m.Epoch, a.Rank, a.WorldId, positions, a.WorldSize),
            a.WorldSize, Position(session.Cursor, m.Step));
        return seconds;
    }

    // Stop and checkpoint requests reach the ranks at different times; one all-reduce of the flags per step makes every
    // rank act on them at the same step boundary (a rank that stopped alone would leave the others waiting).
    private (bool Stop, bool Checkpoint, bool Regroup) Agree()
    {
        Span<double> flags = [_stopRequested ? 1 : 0, _checkpointRequested ? 1 : 0, _regroupRequested ? 1 : 0];
        if (_group is { } group) group.AllReduceSum(flags);
        if (flags[1] > 0) _checkpointRequested = false;
        return (flags[0] > 0, flags[1] > 0, flags[2] > 0 && flags[0] == 0);
    }

    /// <summary>The job's checkpoint location: its own folder (or blob prefix) under the spec's storage.</summary>
    private string Location => JobStorage.Location(_assignment.Spec.Storage, JobId);

    // Begins the checkpoint of this step boundary, snapshots the replica to host memory (the stall, returned in seconds)
    // and writes this rank's share in the background. One write at a time: the previous one has had every_steps steps.
    private double Checkpoint(TrainingSession session)
    {
        var a = _assignment;
        var clock = Stopwatch.StartNew();
        WaitForCheckpoint();
        CheckpointPlan plan;
        try
        {
            plan = BeginCheckpoint(session);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The checkpoint grain is unreachable (its silo moving): training goes on; the next checkpoint tries again.
            LogCheckpointSkipped(_log, JobId, a.Rank, session.StepCount, e.Message);
            return clock.Elapsed.TotalSeconds;
        }
        var snapshot = session.Snapshot();
        var stall = clock.Elapsed.TotalSeconds;
        _pendingCheckpoint = Task.Run(async () =>
        {
            try
            {
                await _checkpoints.WriteAsync(JobId, plan, a.Rank, snapshot, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogCheckpointFailed(_log, JobId, a.Rank, plan.Step, e.Message);
            }
        });
        LogCheckpointing(_log, JobId, a.Rank, plan.Step, stall);
        return stall;
    }

    // The final model's checkpoint, written in the foreground: the job must not complete with a model that exists only in
    // the workers' memory. Begin and write are retried (storage may be down for a while: both are idempotent for this step
    // and world) until this rank's part is reported, or FinalCheckpointRetryFor passes and the run fails with what to do.
    private void FinalCheckpoint(TrainingSession session)
    {
        var a = _assignment;
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            WaitForCheckpoint();
            try
            {
                var plan = BeginCheckpoint(session);
                // A retry replaces what this rank's failed attempt may have left of its own part.
                _checkpoints.WriteAsync(JobId, plan, a.Rank, session.Snapshot(), CancellationToken.None, replaceOwnParts: attempt > 1).GetAwaiter().GetResult();
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (clock.Elapsed >= _options.FinalCheckpointRetryFor)
                    throw new JobException(
                        $"the final checkpoint (step {session.StepCount}) could not be written to {Location} within {_options.FinalCheckpointRetryFor.TotalSeconds:F0} s " +
                        $"({attempt} attempts; last: {e.Message}); the trained model was not saved. Make the storage reachable, then `distributed job resume {JobId}` " +
                        "trains again from the last committed checkpoint", e);
                LogFinalCheckpointRetry(_log, JobId, a.Rank, session.StepCount, attempt, e.Message);
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(5000, 500 * attempt))); // the training thread has nothing else to do
            }
        }
    }

    // This world's plan for the checkpoint of the session's step boundary (the checkpoint grain: idempotent per world).
    private CheckpointPlan BeginCheckpoint(TrainingSession session)
    {
        var a = _assignment;
        var policy = a.Spec.Checkpoints;
        return _grains.GetGrain<ICheckpointGrain>(JobId).BeginAsync(Location, session.StepCount, a.WorldSize, Math.Max(1, policy.KeepLast),
            policy.KeepEvery, policy.EverySteps, a.WorldId).GetAwaiter().GetResult();
    }

    private void WaitForCheckpoint()
    {
        var pending = _pendingCheckpoint;
        _pendingCheckpoint = null;
        pending?.GetAwaiter().GetResult();
    }

    // Every rank evaluates its share of the held-out samples (the sums are all-reduced); rank 0 reports.
    private void Evaluate(TrainingSession session, WorkerReporter reporter)
    {
        var e = session.Evaluate();
        if (_assignment.Rank != 0) return;
        LogEvaluated(_log, JobId, session.StepCount, e.Loss);
        reporter.Evaluation(WorldId, new EvaluationReport(session.StepCount, e.Loss, [.. e.Metrics.Select(x => new Metric(x.Name, x.Value))], e.Samples, DateTimeOffset.UtcNow));
    }

    private static DataPosition Position(DataCursor cursor, long step) => new(cursor.DatasetId, cursor.Seed, cursor.Epoch, cursor.Consumed, step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} rank {Rank}: {IntraOp} CPU threads")]
    private static partial void LogThreads(ILogger logger, string jobId, int rank, int intraOp);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: world {WorldId} rank {Rank}/{WorldSize} trains from step {Step} to {Steps} on {Device}")]
    private static partial void LogStarted(ILogger logger, string jobId, string worldId, int rank, int worldSize, long step, int steps, string device);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId} rank {Rank}: step {Step}/{Steps} loss {Loss:F4} grad-norm {GradNorm:F3} lr {Lr:E2} {TokensPerSecond:N0} tok/s")]
    private static partial void LogStep(ILogger logger, string jobId, int rank, long step, int steps, double loss, double gradNorm, double lr, double tokensPerSecond);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: held-out loss at step {Step}: {Loss:F4}")]
    private static partial void LogEvaluated(ILogger logger, string jobId, long step, double loss);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} rank {Rank}: continues with the replica it kept, at step {Step}")]
    private static partial void LogReusing(ILogger logger, string jobId, int rank, long step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} rank {Rank}: took rank {Root}'s replica, at step {Step}")]
    private static partial void LogBroadcast(ILogger logger, string jobId, int rank, int root, long step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} rank {Rank}: the world broke at step {Step}: {Error}")]
    private static partial void LogLeftWorld(ILogger logger, string jobId, int rank, long step, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} rank {Rank}: left the world keeping its replica at step {Step} ({Reason})")]
    private static partial void LogKept(ILogger logger, string jobId, int rank, long step, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} rank {Rank}: ended at step {Step} of {Steps}")]
    private static partial void LogEnded(ILogger logger, string jobId, int rank, long step, int steps);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} rank {Rank} failed at step {Step}")]
    private static partial void LogRunFailed(ILogger logger, Exception e, string jobId, int rank, long step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} rank {Rank}: abort failed: {Error}")]
    private static partial void LogAbortFailed(ILogger logger, string jobId, int rank, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} rank {Rank}: loaded checkpoint {Checkpoint} (step {Step}): {Bytes:N0} bytes read and checked in {Seconds:F1} s")]
    private static partial void LogRestored(ILogger logger, string jobId, int rank, string checkpoint, long step, long bytes, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId} rank {Rank}: checkpoint of step {Step} snapshotted in {Seconds:F3} s, writing in the background")]
    private static partial void LogCheckpointing(ILogger logger, string jobId, int rank, long step, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} rank {Rank}: no checkpoint at step {Step}: {Error}")]
    private static partial void LogCheckpointSkipped(ILogger logger, string jobId, int rank, long step, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} rank {Rank}: writing the checkpoint of step {Step} failed (it stays uncommitted, never loaded): {Error}")]
    private static partial void LogCheckpointFailed(ILogger logger, string jobId, int rank, long step, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} rank {Rank}: the final checkpoint (step {Step}) failed, attempt {Attempt}; retrying: {Error}")]
    private static partial void LogFinalCheckpointRetry(ILogger logger, string jobId, int rank, long step, int attempt, string error);
}
