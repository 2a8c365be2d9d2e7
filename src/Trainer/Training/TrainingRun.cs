using System.Diagnostics;
using Distributed.Trainer.Objectives;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.Logging;

namespace Distributed.Trainer.Training;

/// <summary>What a finished (or stopped) run measured, and where its last checkpoint is.</summary>
public sealed record RunResult(Evaluation Before, Evaluation? After, long Steps, double Seconds, string Checkpoint, bool Stopped);

/// <summary>
/// The single-process `train` loop: a thin driver around one <see cref="TrainingSession"/> (world size 1) that adds
/// what a run needs around the step: held-out evaluation before, every eval_every steps and after; checkpoints
/// every save_every steps and at the end, written on another thread while training goes on; metrics.jsonl and
/// progress logs; and a graceful stop: when <c>stop</c> is signalled it finishes the current step, saves, says
/// where and returns.
/// </summary>
public sealed partial class TrainingRun(ILoggerFactory loggers)
{
    private readonly ILogger<TrainingRun> _log = loggers.CreateLogger<TrainingRun>();

    /// <summary>Told after every step, on the training thread (keep it quick); the log lines every log_every steps stay.</summary>
    public IProgress<RunProgress>? Progress { get; init; }

    /// <param name="job">the job (for a resumed run, the checkpoint's job with the command line's overrides)</param>
    /// <param name="output">the run's directory: checkpoints/, metrics.jsonl (the caller puts train.log there)</param>
    /// <param name="resume">the state to continue from, or null for a fresh start</param>
    /// <param name="stop">signalled to stop at the next step boundary (SIGINT, SIGTERM)</param>
    public async Task<RunResult> RunAsync(JobFile job, string output, TrainingSnapshot? resume, CancellationToken stop, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(output);
        using var session = await TrainingSession.CreateAsync(job, WorldInfo.Single, null, loggers, resume, cancellationToken: cancellationToken).ConfigureAwait(false);
        using var metrics = new MetricsWriter(Path.Combine(output, "metrics.jsonl"), append: resume is not null);
        var writer = new CheckpointWriter(new LocalCheckpointStore(Path.Combine(output, CheckpointLayout.Folder)), job.KeepCheckpoints,
            loggers.CreateLogger<CheckpointWriter>());
        if (resume is not null) LogResumed(resume.Step, session.Cursor.Epoch, session.Cursor.Consumed);
        var before = Evaluate(session, metrics, resume is null ? "before training" : $"at step {session.StepCount}");
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        Task<string>? pending = null;
        string? lastCheckpoint = null;
        long lastSaved = resume?.Step ?? -1;
        // MFU counts forward (2 FLOPs per weight per token) and backward (2 for activations, 2 more for trainable weights).
        double flopsPerToken = (4.0 * session.ParameterCount) + (2.0 * session.TrainableParameterCount);
        while (session.StepCount < job.Steps && !stop.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var m = session.Step();
            tokens += m.Tokens;
            var checkpointSeconds = 0.0;
            if (job.SaveEvery > 0 && m.Step % job.SaveEvery == 0 && m.Step < job.Steps)
            {
                var saveClock = Stopwatch.StartNew();
                // One write at a time: the previous one has had save_every steps to finish.
                if (pending is not null) lastCheckpoint = await pending.ConfigureAwait(false);
                var snapshot = session.Snapshot();
                pending = Task.Run(() => writer.WriteAsync(snapshot, cancellationToken), cancellationToken);
                lastSaved = m.Step;
                checkpointSeconds = saveClock.Elapsed.TotalSeconds;
            }
            var tokensPerSecond = tokens / clock.Elapsed.TotalSeconds;
            double? mfu = job.PeakTflops is { } peak ? m.Tokens * flopsPerToken / (m.Seconds * peak * 1e12) : null;
            metrics.WriteStep(m, m.Tokens / m.Seconds, checkpointSeconds, mfu);
            Progress?.Report(new RunProgress(m.Step, job.Steps, m.Loss, tokensPerSecond));
            if (m.Step % job.LogEvery == 0 || m.Step == job.Steps)
                LogStep(m.Step, job.Steps, 100.0 * m.Step / job.Steps, m.Loss, m.GradNorm, m.Lr, tokensPerSecond);
            if (job.EvalEvery > 0 && m.Step % job.EvalEvery == 0 && m.Step < job.Steps) Evaluate(session, metrics, $"at step {m.Step}");
        }
        var stopped = session.StepCount < job.Steps;
        var seconds = clock.Elapsed.TotalSeconds;
        Evaluation? after = null;
        if (!stopped)
        {
            after = Evaluate(session, metrics, $"after {session.StepCount} steps");
            LogAfter(session.StepCount, after.Loss, before.Loss, seconds);
        }
        // The last state is always saved: at the end, and when stopped (without waiting for save_every).
        if (pending is not null) lastCheckpoint = await pending.ConfigureAwait(false);
        if (lastSaved != session.StepCount || lastCheckpoint is null)
            lastCheckpoint = await writer.WriteAsync(session.Snapshot(), cancellationToken).ConfigureAwait(false);
        if (stopped) LogStopped(session.StepCount, job.Steps, lastCheckpoint!);
        else LogModel(lastCheckpoint!);
        return new RunResult(before, after, session.StepCount, seconds, lastCheckpoint!, stopped);
    }

    private Evaluation Evaluate(TrainingSession session, MetricsWriter metrics, string when)
    {
        var e = session.Evaluate();
        metrics.WriteEvaluation(session.StepCount, e);
        LogEvaluation(when, e.Loss, string.Join(", ", e.Metrics.Select(m => $"{m.Name} {m.Value:F3}")));
        return e;
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "step {Step}/{Steps} ({Percent:F0}%) loss {Loss:F3} grad-norm {GradNorm:F2} lr {Lr:E2} {TokensPerSecond:N0} tok/s")]
    private partial void LogStep(long step, int steps, double percent, double loss, double gradNorm, double lr, double tokensPerSecond);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Held-out loss {When}: {Loss:F3} ({Metrics})")]
    private partial void LogEvaluation(string when, double loss, string metrics);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "{Steps} steps in {Seconds:F1} s; held-out loss {Before:F3} -> {Loss:F3}")]
    private partial void LogAfter(long steps, double loss, double before, double seconds);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Resumed at step {Step} (epoch {Epoch}, {Consumed} samples into it)")]
    private partial void LogResumed(long step, int epoch, long consumed);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Stopped at step {Step} of {Steps}; saved checkpoint {Checkpoint}; continue with: distributed train --resume {Checkpoint}")]
    private partial void LogStopped(long step, int steps, string checkpoint);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "The trained model (Hugging Face layout, with the training state) is in {Checkpoint}")]
    private partial void LogModel(string checkpoint);
}
