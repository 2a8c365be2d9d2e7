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
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private volatile bool _stopRequested;
    private volatile WorkerState _state = WorkerState.Joining;
    private volatile ProcessGroup? _group;
    private long _step;
    private long _lastStepTicks;

    public WorkerRun(GpuSlot slot, WorkerAssignment assignment, TrainingWorkerOptions options, IGrainFactory grains, ILoggerFactory loggers)
    {
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

    /// <summary>Stop at the next step boundary (every rank agrees on which one).</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (State == WorkerState.Training) State = WorkerState.Stopping;
    }

    /// <summary>Tears the communicator down now: a collective in progress fails at once, so no rank waits on a dead peer.</summary>
    public void Abort()
    {
        _stopRequested = true;
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
        try
        {
            var job = JobFile.Parse(a.Spec.JobFileJson, $"job {a.JobId}");
            var device = job.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? Trainer.Torch.Device.Cuda(_slot.LocalDevice) : Trainer.Torch.Device.Cpu;
            job = job with { Device = device.ToString() };
            Device = job.Device;
            if (!device.IsCuda)
            {
                // libtorch's intra-op threads are set per thread here (OpenMP): each CPU worker of this process takes its share of the cores.
                var threads = LibTorch.ConfigureThreads(_slot.CpuThreads);
                LogThreads(_log, a.JobId, a.Rank, threads.IntraOp);
            }
            if (a.WorldSize > 1)
            {
                var rendezvous = new Rendezvous(a.StoreHost, a.StorePort, a.WorldId, a.Rank, a.WorldSize, _options.CollectiveTimeout) { JoinTimeout = _options.JoinTimeout };
                _group = ProcessGroup.Join(rendezvous, device, a.Rank == 0 ? _slot.RendezvousStore : null);
                sync = new CollectiveGradientSync(_group, _options.CollectiveTimeout, CollectiveGradientSync.CanOverlap(job));
            }
            TrainingSnapshot? resume = null;
            if (a.RestoreFrom is { } from)
            {
                var (store, name) = CheckpointReader.ResolveAsync(from).GetAwaiter().GetResult();
                resume = CheckpointReader.LoadAsync(store, name).GetAwaiter().GetResult();
            }
            session = TrainingSession.CreateAsync(job, new WorldInfo(a.Rank, a.WorldSize), sync, _loggers, resume).GetAwaiter().GetResult();
            Interlocked.Exchange(ref _step, session.StepCount);
            var train = session.Objective.Train;
            if (a.Rank == 0) reporter.DataStarted(Position(session.Cursor, session.StepCount), train.Count, job.Batch);
            State = _stopRequested ? WorkerState.Stopping : WorkerState.Training;
            LogStarted(_log, a.JobId, a.WorldId, a.Rank, a.WorldSize, session.StepCount, job.Steps, device.ToString());
            if (session.StepCount == 0) Evaluate(session, reporter);
            Train(job, session, reporter);
            if (session.StepCount >= job.Steps)
            {
                if (job.EvalEvery == 0 || session.StepCount % job.EvalEvery != 0) Evaluate(session, reporter);
                if (a.Rank == 0) SaveFinal(session, reporter);
            }
            LogEnded(_log, a.JobId, a.Rank, session.StepCount, job.Steps);
            reporter.Finished(a.WorldId, a.Rank, session.StepCount);
            State = WorkerState.Idle;
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
            session?.Dispose();
            sync?.Dispose();
            var group = _group;
            _group = null;
            group?.Dispose();
            if (a.Rank == 0) _slot.CloseRendezvous();
            // Reports still queued are delivered in the background; the thread is free for the next run.
            _ = reporter.DisposeAsync().AsTask();
        }
    }

    private void Train(JobFile job, TrainingSession session, WorkerReporter reporter)
    {
        var a = _assignment;
        var train = session.Objective.Train;
        double flopsPerToken = (4.0 * session.ParameterCount) + (2.0 * session.TrainableParameterCount);
        while (session.StepCount < job.Steps)
        {
            var before = session.Cursor;
            var positions = RankSlice.StepPositions(before, a.Rank, a.WorldSize, job.Batch, train.Count);
            var m = session.Step();
            // Every rank decides together whether to stop here: a rank that stopped alone would leave the others
            // waiting in the next step's all-reduce.
            var clock = Stopwatch.StartNew();
            var stop = AgreeToStop();
            var agreeSeconds = clock.Elapsed.TotalSeconds;
            var seconds = m.Seconds + agreeSeconds;
            double? mfu = job.PeakTflops is { } peak ? m.Tokens * flopsPerToken / (seconds * peak * 1e12) : null;
            var now = DateTimeOffset.UtcNow;
            Interlocked.Exchange(ref _step, m.Step);
            Interlocked.Exchange(ref _lastStepTicks, now.UtcTicks);
            reporter.Step(
                new StepReport(a.WorldId, a.Rank, _slot.Gpu, m.Step, m.Loss, m.Lr, m.GradNorm, m.Samples, m.Tokens, m.Tokens / seconds,
                    m.DataSeconds, m.ComputeSeconds, m.SyncSeconds + agreeSeconds, m.OptimizerSeconds, 0, mfu, now, Environment.WorkingSet),
                new StepSlice(m.Step, m.Epoch, a.Rank, a.WorldId, [.. positions.Select(p => p)]),
                a.WorldSize, Position(session.Cursor, m.Step));
            if (m.Step % job.LogEvery == 0 || m.Step == job.Steps)
                LogStep(_log, a.JobId, a.Rank, m.Step, job.Steps, m.Loss, m.GradNorm, m.Lr, m.Tokens / seconds);
            if (job.EvalEvery > 0 && m.Step % job.EvalEvery == 0) Evaluate(session, reporter);
            if (stop) break;
        }
    }

    private bool AgreeToStop()
    {
        if (_group is not { } group) return _stopRequested;
        Span<double> flag = [_stopRequested ? 1 : 0];
        group.AllReduceSum(flag);
        return flag[0] > 0;
    }

    // Every rank evaluates its share of the held-out samples (the sums are all-reduced); rank 0 reports.
    private void Evaluate(TrainingSession session, WorkerReporter reporter)
    {
        var e = session.Evaluate();
        if (_assignment.Rank != 0) return;
        LogEvaluated(_log, JobId, session.StepCount, e.Loss);
        reporter.Evaluation(WorldId, new EvaluationReport(session.StepCount, e.Loss, [.. e.Metrics.Select(x => new Metric(x.Name, x.Value))], e.Samples, DateTimeOffset.UtcNow));
    }

    // The trained model (HF layout, with the training state) under the job's storage location.
    private void SaveFinal(TrainingSession session, WorkerReporter reporter)
    {
        var storage = _assignment.Spec.Storage;
        if (storage.StartsWith(ShardStores.BlobScheme, StringComparison.Ordinal))
        {
            LogNoBlobFinal(_log, JobId, storage);
            return;
        }
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var store = new LocalCheckpointStore(Path.Combine(storage, JobId));
        var writer = new CheckpointWriter(store, Math.Max(1, _assignment.Spec.Checkpoints.KeepLast), _loggers.CreateLogger<CheckpointWriter>());
        var snapshot = session.Snapshot();
        var location = writer.WriteAsync(snapshot).GetAwaiter().GetResult();
        var name = CheckpointLayout.NameOf(snapshot.Step);
        var bytes = Directory.EnumerateFiles(location).Sum(f => new FileInfo(f).Length);
        reporter.Checkpoint(new CheckpointInfo(name, snapshot.Step, bytes, clock.Elapsed.TotalSeconds, true, false, _assignment.WorldSize, location, started));
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} rank {Rank}: ended at step {Step} of {Steps}")]
    private static partial void LogEnded(ILogger logger, string jobId, int rank, long step, int steps);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} rank {Rank} failed at step {Step}")]
    private static partial void LogRunFailed(ILogger logger, Exception e, string jobId, int rank, long step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} rank {Rank}: abort failed: {Error}")]
    private static partial void LogAbortFailed(ILogger logger, string jobId, int rank, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the final model is not written to {Storage}: blob checkpoints come with the checkpoint grain")]
    private static partial void LogNoBlobFinal(ILogger logger, string jobId, string storage);
}
