using System.Collections.Concurrent;
using System.Text.Json;

namespace Distributed.Actors.State;

/// <summary>
/// Grain state in process memory (embedded mode, tests). States are stored serialized, so a grain never shares
/// objects with the store, exactly as with the durable providers.
/// </summary>
public sealed class MemoryGrainStorage(JsonSerializerOptions json) : IGrainStorage
{
    private readonly ConcurrentDictionary<(GrainId, string), (byte[] Data, string Etag)> _records = new();
    private long _version;

    public Task<StoredState<TState>?> ReadAsync<TState>(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        if (!_records.TryGetValue((grainId, stateName), out var record))
        {
            return Task.FromResult<StoredState<TState>?>(null);
        }
        var state = JsonSerializer.Deserialize<TState>(record.Data, json)!;
        return Task.FromResult<StoredState<TState>?>(new StoredState<TState>(state, record.Etag));
    }

    public Task<string> WriteAsync<TState>(GrainId grainId, string stateName, TState state, string? etag, CancellationToken cancellationToken)
    {
        var key = (grainId, stateName);
        var newEtag = Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var record = (JsonSerializer.SerializeToUtf8Bytes(state, json), newEtag);
        var written = etag is null
            ? _records.TryAdd(key, record)
            : _records.TryGetValue(key, out var current) && current.Etag == etag && _records.TryUpdate(key, record, current);
        if (!written)
        {
            throw new InconsistentStateException(grainId, stateName, etag, _records.TryGetValue(key, out var stored) ? stored.Etag : null);
        }
        return Task.FromResult(newEtag);
    }

    public Task ClearAsync(GrainId grainId, string stateName, string? etag, CancellationToken cancellationToken)
    {
        var key = (grainId, stateName);
        if (!_records.TryGetValue(key, out var current))
        {
            return Task.CompletedTask;
        }
        if (current.Etag != etag || !_records.TryRemove(KeyValuePair.Create(key, current)))
        {
            throw new InconsistentStateException(grainId, stateName, etag, current.Etag);
        }
        return Task.CompletedTask;
    }
}
