using System.Threading.Channels;
using Distributed.Grains.Data;
using Distributed.Grains.Jobs;
using Microsoft.Extensions.Logging;

namespace Distributed.Grains.Workers;

/// <summary>
/// Sends a worker's reports to its job's grains from a background task, in order, so the training thread never
/// waits on the control plane. Step reports are one-way (a lost one is replaced by the next); evaluations, the end
/// and failures are re-sent until they arrive or <see cref="TrainingWorkerOptions.ReportRetryFor"/> passes (the
/// coordinator may be re-activating on another silo).
/// </summary>
internal sealed partial class WorkerReporter : IAsyncDisposable
{
    private readonly Channel<Func<Task>> _queue = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IGrainFactory _grains;
    private readonly string _jobId;
    private readonly TimeSpan _retryFor;
    private readonly ILogger _log;
    private readonly Task _sender;

    public WorkerReporter(IGrainFactory grains, string jobId, TimeSpan retryFor, ILogger log)
    {
        _grains = grains;
        _jobId = jobId;
        _retryFor = retryFor;
        _log = log;
        _sender = Task.Run(SendAsync);
    }

    private IJobGrain Job => _grains.GetGrain<IJobGrain>(_jobId);

    private IDataShardGrain Data => _grains.GetGrain<IDataShardGrain>(_jobId);

    public void Step(StepReport report, StepSlice trained, int worldSize, DataPosition after)
    {
        Post("step report", () => Job.ReportStepAsync(report), retry: false);
        Post("sample record", () => Data.RecordAsync(trained, worldSize, after), retry: true);
    }

    public void DataStarted(DataPosition start, long samplesPerEpoch, int globalBatch) =>
        Post("data start", () => Data.StartAsync(start, samplesPerEpoch, globalBatch), retry: true);

    public void Evaluation(string worldId, EvaluationReport report) => Post("evaluation", () => Job.ReportEvaluationAsync(worldId, report), retry: true);

    public void Finished(string worldId, int rank, long step) => Post("finished", () => Job.ReportFinishedAsync(worldId, rank, step), retry: true);

    public void LeftWorld(string worldId, int rank, int gpu, long step, bool replicaKept, string reason) =>
        Post("left world", () => Job.ReportLeftWorldAsync(worldId, rank, gpu, step, replicaKept, reason), retry: true);

    public void Failure(string worldId, int rank, string error) => Post("failure", () => Job.ReportFailureAsync(worldId, rank, error), retry: true);

    private void Post(string what, Func<Task> call, bool retry) => _queue.Writer.TryWrite(async () =>
    {
        var deadline = DateTime.UtcNow + (retry ? _retryFor : TimeSpan.Zero);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call().ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    LogDropped(_log, _jobId, what, attempt, e.Message);
                    return;
                }
                LogRetrying(_log, _jobId, what, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 250 * attempt))).ConfigureAwait(false);
            }
        }
    });

    private async Task SendAsync()
    {
        await foreach (var send in _queue.Reader.ReadAllAsync().ConfigureAwait(false)) await send().ConfigureAwait(false);
    }

    /// <summary>Sends what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _sender.ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {What} not delivered after {Attempts} attempts: {Error}")]
    private static partial void LogDropped(ILogger logger, string jobId, string what, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: {What} attempt {Attempt} failed ({Error}); re-sending")]
    private static partial void LogRetrying(ILogger logger, string jobId, string what, int attempt, string error);
}
