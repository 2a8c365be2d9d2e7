using System.Collections.Concurrent;
using System.Diagnostics;
using Distributed.Grains.Workers;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Distributed.Grains.Checkpoints;

/// <summary>
/// Writes one rank's share of a checkpoint (silo-local singleton). The worker takes the snapshot on its training
/// thread at the step boundary (the stall) and calls <see cref="WriteAsync"/> on a background task: the files are
/// written from host memory on the thread pool while training goes on, then reported to the job's
/// <see cref="ICheckpointGrain"/>, which commits the checkpoint once every rank's part is in.
/// </summary>
public sealed partial class RankCheckpointWriter(IGrainFactory grains, IOptions<TrainingWorkerOptions> options, ILogger<RankCheckpointWriter> log) : IDisposable
{
    private readonly ConcurrentDictionary<string, ICheckpointStore> _stores = new(StringComparer.Ordinal);

    /// <summary>
    /// Writes rank <paramref name="rank"/>'s files of <paramref name="plan"/> from <paramref name="snapshot"/> and
    /// reports them; returns the checkpoint as it then stands (committed once this was the last part in). A failure
    /// (storage, cancellation) is thrown and nothing is reported: the checkpoint stays uncommitted and is never loaded.
    /// It takes the snapshot over: once its files are written (or the write failed) the snapshot is disposed, giving
    /// the session its host buffers back for the next one.
    /// </summary>
    public async Task<CheckpointInfo> WriteAsync(string jobId, CheckpointPlan plan, int rank, TrainingSnapshot snapshot, CancellationToken ct,
        bool replaceOwnParts = false)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        try
        {
            return await WriteFilesAsync(jobId, plan, rank, snapshot, replaceOwnParts, ct).ConfigureAwait(false);
        }
        finally
        {
            snapshot.Dispose();
        }
    }

    private async Task<CheckpointInfo> WriteFilesAsync(string jobId, CheckpointPlan plan, int rank, TrainingSnapshot snapshot, bool replaceOwnParts, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        ArgumentNullException.ThrowIfNull(plan);
        if (rank < 0 || rank >= plan.WorldSize)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"checkpoint {plan.Name} is written by a world of {plan.WorldSize}: rank must be 0 to {plan.WorldSize - 1}");
        if (snapshot.Step != plan.Step)
            throw new ArgumentException($"checkpoint {plan.Name} is of step {plan.Step}, the snapshot of step {snapshot.Step}", nameof(snapshot));
        var grain = grains.GetGrain<ICheckpointGrain>(jobId);
        if (plan.Committed) return await grain.PartWrittenAsync(plan.Name, rank, [], 0).ConfigureAwait(false);
        var store = _stores.GetOrAdd(plan.Location, location => options.Value.CheckpointUploadBytesPerSecond is { } rate
            ? new ThrottledCheckpointStore(CheckpointStores.Open(location), rate, TimeProvider.System)
            : CheckpointStores.Open(location));
        var clock = Stopwatch.StartNew();
        // Task.Run: the files are written on the thread pool even if the caller awaits this on its training thread.
        var entries = await Task.Run(() => CheckpointParts.WriteAsync(store, plan.Name, snapshot, plan.WorldSize, rank, ct, replaceOwnParts), ct).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        snapshot.Dispose(); // its bytes are on storage: the worker may take the next snapshot while this part is reported
        LogWritten(jobId, plan.Step, rank, entries.Count, entries.Sum(e => e.Bytes), seconds);
        return await grain.PartWrittenAsync(plan.Name, rank, [.. entries.Select(e => new CheckpointFile(e.File, e.Bytes, e.Sha256))], seconds).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var store in _stores.Values) (store as IDisposable)?.Dispose();
        _stores.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: rank {Rank} wrote its part of the checkpoint of step {Step}: {Files} files, {Bytes:N0} bytes in {Seconds:F2} s")]
    private partial void LogWritten(string jobId, long step, int rank, int files, long bytes, double seconds);
}
