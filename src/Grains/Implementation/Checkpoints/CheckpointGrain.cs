using Distributed.Grains.Jobs;
using Distributed.Grains.Storage;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.Logging;

namespace Distributed.Grains.Checkpoints;

/// <summary>
/// A job's checkpoints (key: the job id), persisted. Begin hands out the plan (idempotent per step); each rank
/// writes its share of the files (<see cref="RankCheckpointWriter"/>) and reports them; when every rank's part is
/// in, the grain writes the manifest last with a create that never replaces one (the commit), tells the job grain,
/// and applies retention. Only committed checkpoints are listed as such and loaded; an incomplete one older than
/// the newest commit, or abandoned, is deleted.
/// </summary>
public sealed partial class CheckpointGrain(
    [PersistentState("checkpoints", GrainStorageNames.State)] IPersistentState<CheckpointGrainState> state,
    TimeProvider time,
    ILogger<CheckpointGrain> log)
    : Grain, ICheckpointGrain
{
    private ICheckpointStore? _store;
    private string? _storeLocation;

    private string JobId => this.GetPrimaryKeyString();

    public async Task<CheckpointPlan> BeginAsync(string location, long step, int worldSize, int keepLast, int keepEvery, int everySteps, string worldId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(worldId);
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(worldSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keepLast);
        ArgumentOutOfRangeException.ThrowIfNegative(keepEvery);
        ArgumentOutOfRangeException.ThrowIfNegative(everySteps);
        var s = state.State;
        (s.Location, s.KeepLast, s.KeepEvery, s.EverySteps) = (location, keepLast, keepEvery, everySteps);
        var name = CheckpointLayout.NameOf(step);
        var existing = s.Checkpoints.FirstOrDefault(c => c.Name == name && !c.Abandoned);
        if (existing is { Committed: true }) return Plan(existing);
        if (existing is not null && existing.WorldSize == worldSize && existing.WorldId == worldId) return Plan(existing);
        if (existing is not null)
            await DeleteAsync(existing, existing.WorldId == worldId
                ? $"begun again by a world of {worldSize} (was {existing.WorldSize})"
                : $"begun again by world {worldId} (the step is trained again; world {existing.WorldId ?? "?"}'s writers stopped before it was committed)");
        s.Checkpoints.RemoveAll(c => c.Name == name);
        var store = Store();
        var record = new CheckpointRecord { Name = name, Step = step, WorldSize = worldSize, WorldId = worldId, Started = time.GetUtcNow() };
        if (await CheckpointManifest.ReadAsync(store, name) is { } committed)
        {
            // Committed before this grain knew of it (its state was lost): never write over a commit.
            (record.Committed, record.Bytes, record.WorldSize) = (true, committed.Bytes, committed.WorldSize);
        }
        else
        {
            // Files of an earlier attempt whose writers died: not part of this checkpoint.
            await store.DeleteAsync(name);
        }
        s.Checkpoints.Add(record);
        s.Checkpoints.Sort((a, b) => a.Step.CompareTo(b.Step));
        await state.WriteStateAsync();
        LogBegun(JobId, step, worldSize, store.Describe(name));
        return Plan(record);
    }

    public async Task<CheckpointInfo> PartWrittenAsync(string name, int rank, IReadOnlyList<CheckpointFile> files, double seconds)
    {
        var record = state.State.Checkpoints.FirstOrDefault(c => c.Name == name)
            ?? throw new InvalidOperationException($"job {JobId}: checkpoint {name} was never begun (call BeginAsync first)");
        if (record.Abandoned)
            throw new InvalidOperationException($"job {JobId}: checkpoint {name} was abandoned ({record.Reason}); its files are deleted, not committed");
        if (record.Committed) return Info(record);
        if (rank < 0 || rank >= record.WorldSize)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"checkpoint {name} is written by a world of {record.WorldSize}: rank must be 0 to {record.WorldSize - 1}");
        record.Parts.RemoveAll(p => p.Rank == rank);
        record.Parts.Add(new RankPart { Rank = rank, Files = [.. files], Seconds = seconds });
        record.Bytes = record.Parts.Sum(p => p.Files.Sum(f => f.Bytes));
        record.Seconds = (time.GetUtcNow() - record.Started).TotalSeconds;
        LogPartWritten(JobId, record.Step, rank, files.Count, files.Sum(f => f.Bytes), seconds);
        if (record.Parts.Count == record.WorldSize)
            await CommitAsync(record);
        await state.WriteStateAsync();
        return Info(record);
    }

    public async Task AbandonAsync(string name, string reason)
    {
        var record = state.State.Checkpoints.FirstOrDefault(c => c.Name == name);
        if (record is null || record.Abandoned) return;
        if (record.Committed)
            throw new InvalidOperationException($"job {JobId}: checkpoint {name} is committed; committed checkpoints are only deleted by retention");
        await DeleteAsync(record, reason);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<CheckpointInfo>> ListAsync() =>
        Task.FromResult<IReadOnlyList<CheckpointInfo>>([.. state.State.Checkpoints.Select(Info)]);

    public Task<CheckpointInfo?> LatestCommittedAsync() =>
        Task.FromResult(state.State.Checkpoints.Where(c => c.Committed).MaxBy(c => c.Step) is { } latest ? Info(latest) : null);

    private async Task CommitAsync(CheckpointRecord record)
    {
        var store = Store();
        var entries = record.Parts.SelectMany(p => p.Files.Select(f => new CheckpointEntry(f.Name, f.Bytes, f.Sha256, p.Rank))).ToList();
        var duplicate = entries.GroupBy(e => e.File).FirstOrDefault(g => g.Count() > 1);
        var missing = new List<string>();
        foreach (var entry in entries)
        {
            if (!await store.ExistsAsync(record.Name, entry.File)) missing.Add(entry.File);
        }
        // Rank 0's small files are what every load needs first; without them the checkpoint could never load.
        var absent = new[] { CheckpointLayout.Config, CheckpointLayout.TrainerState, CheckpointLayout.ModelIndex }
            .Where(f => entries.All(e => e.File != f)).ToList();
        string? problem = duplicate is not null ? $"two ranks wrote {duplicate.Key}"
            : missing.Count > 0 ? $"reported files are not in storage: {string.Join(", ", missing)}"
            : absent.Count > 0 ? $"no rank reported {string.Join(", ", absent)}"
            : null;
        if (problem is not null)
        {
            await DeleteAsync(record, problem);
            return;
        }
        var manifest = new CheckpointManifest(record.Step, record.WorldSize, entries);
        if (!await manifest.TryCommitAsync(store, record.Name))
        {
            // Another writer (a second activation, another run on the same location) committed first: its manifest
            // stands, untouched; this checkpoint is what it says.
            var winner = await CheckpointManifest.ReadAsync(store, record.Name);
            LogLostCommit(JobId, record.Step, store.Describe(record.Name));
            manifest = winner ?? manifest;
        }
        (record.Committed, record.Bytes, record.Seconds) = (true, manifest.Bytes, (time.GetUtcNow() - record.Started).TotalSeconds);
        LogCommitted(JobId, record.Step, store.Describe(record.Name), record.Bytes, record.Seconds);
        Notify(Info(record));
        await ApplyRetentionAsync(record.Step);
    }

    private async Task ApplyRetentionAsync(long newest)
    {
        var s = state.State;
        var delete = CheckpointRetention.ToDelete(s.Checkpoints.Where(c => c.Committed).Select(c => c.Step), s.KeepLast, s.KeepEvery, s.EverySteps).ToHashSet();
        foreach (var record in s.Checkpoints.ToList())
        {
            if (record.Committed && delete.Contains(record.Step))
            {
                await Store().DeleteAsync(record.Name);
                s.Checkpoints.Remove(record);
                LogDeleted(JobId, record.Step, $"retention keeps the last {s.KeepLast}" + (s.KeepEvery > 0 ? $" and every {s.KeepEvery}-th" : ""));
            }
            else if (!record.Committed && record.Step < newest)
            {
                if (!record.Abandoned) await DeleteAsync(record, $"step {newest} committed first");
                s.Checkpoints.Remove(record);
            }
        }
        // Leftovers in storage from writers this grain no longer knows of (a lost state): uncommitted and older.
        var store = Store();
        foreach (var name in await store.ListAsync())
        {
            if (CheckpointLayout.StepOf(name) is { } step && step < newest && s.Checkpoints.All(c => c.Name != name)
                && !await store.ExistsAsync(name, CheckpointLayout.CommitMarker))
            {
                await store.DeleteAsync(name);
                LogDeleted(JobId, step, "never committed");
            }
        }
    }

    private async Task DeleteAsync(CheckpointRecord record, string reason)
    {
        await Store().DeleteAsync(record.Name);
        (record.Abandoned, record.Reason) = (true, reason);
        LogAbandoned(JobId, record.Step, reason);
        Notify(Info(record));
    }

    // Told without waiting: the job grain may be calling this grain (Begin) at the same time, and two
    // non-reentrant grains awaiting each other would stall until the call timeout.
    private void Notify(CheckpointInfo info) => _ = NotifyAsync(info);

    private async Task NotifyAsync(CheckpointInfo info)
    {
        try
        {
            await GrainFactory.GetGrain<IJobGrain>(JobId).ReportCheckpointAsync(info);
        }
        catch (Exception e)
        {
            LogNotifyFailed(e, JobId, info.Step);
        }
    }

    private ICheckpointStore Store()
    {
        var location = state.State.Location ?? throw new InvalidOperationException($"job {JobId}: no checkpoint location (no checkpoint was begun)");
        if (_store is null || _storeLocation != location)
        {
            (_store as IDisposable)?.Dispose();
            (_store, _storeLocation) = (CheckpointStores.Open(location), location);
        }
        return _store;
    }

    private CheckpointPlan Plan(CheckpointRecord record) => new(record.Name, state.State.Location!, record.Step, record.WorldSize, record.Committed);

    private CheckpointInfo Info(CheckpointRecord record) =>
        new(record.Name, record.Step, record.Bytes, record.Seconds, record.Committed, record.Abandoned, record.WorldSize,
            state.State.Location is not null ? Store().Describe(record.Name) : record.Name, record.Started);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        (_store as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: checkpoint of step {Step} begun by a world of {WorldSize} at {Location}")]
    private partial void LogBegun(string jobId, long step, int worldSize, string location);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId}: step {Step} rank {Rank} wrote {Files} files, {Bytes:N0} bytes in {Seconds:F2} s")]
    private partial void LogPartWritten(string jobId, long step, int rank, int files, long bytes, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: checkpoint of step {Step} committed: {Location} ({Bytes:N0} bytes, {Seconds:F1} s)")]
    private partial void LogCommitted(string jobId, long step, string location, long bytes, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: checkpoint of step {Step} at {Location} was committed by another writer first; its manifest stands")]
    private partial void LogLostCommit(string jobId, long step, string location);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: checkpoint of step {Step} abandoned and deleted: {Reason}")]
    private partial void LogAbandoned(string jobId, long step, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: deleted the checkpoint of step {Step} ({Reason})")]
    private partial void LogDeleted(string jobId, long step, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: could not tell the job grain about the checkpoint of step {Step}")]
    private partial void LogNotifyFailed(Exception e, string jobId, long step);
}
