namespace Distributed.Actors.State;

/// <summary>A storage provider for grain state, with ETag-conditional writes.</summary>
public interface IGrainStorage
{
    Task<StoredState<TState>?> ReadAsync<TState>(GrainId grainId, string stateName, CancellationToken cancellationToken);

    /// <summary>
    /// Writes if the stored ETag equals <paramref name="etag"/> (null: only if no record exists) and returns the new
    /// ETag; otherwise throws <see cref="InconsistentStateException"/>.
    /// </summary>
    Task<string> WriteAsync<TState>(GrainId grainId, string stateName, TState state, string? etag, CancellationToken cancellationToken);

    /// <summary>Deletes the record under the same condition as a write.</summary>
    Task ClearAsync(GrainId grainId, string stateName, string? etag, CancellationToken cancellationToken);
}
