namespace Distributed.Actors.State;

/// <summary>The runtime's <see cref="IPersistentState{TState}"/>: the state object plus the ETag of the stored record.</summary>
public sealed class PersistentState<TState>(GrainId grainId, string stateName, IGrainStorage storage) : IPersistentState<TState>, IStateLoader
    where TState : new()
{
    public TState State { get; set; } = new();

    public string? Etag { get; private set; }

    public bool RecordExists => Etag is not null;

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var stored = await storage.ReadAsync<TState>(grainId, stateName, cancellationToken);
        State = stored is null ? new TState() : stored.State;
        Etag = stored?.Etag;
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default) =>
        Etag = await storage.WriteAsync(grainId, stateName, State, Etag, cancellationToken);

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        await storage.ClearAsync(grainId, stateName, Etag, cancellationToken);
        State = new TState();
        Etag = null;
    }
}
