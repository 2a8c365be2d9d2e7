namespace Distributed.Actors;

/// <summary>
/// A grain's persisted state. Read before OnActivateAsync; each write is conditional on the ETag last read or
/// written, so a write that lost a race throws <see cref="InconsistentStateException"/> instead of overwriting.
/// </summary>
public interface IPersistentState<TState>
{
    TState State { get; set; }

    /// <summary>Version of the stored record this state was read from or last written as; null when there is none.</summary>
    string? Etag { get; }

    bool RecordExists { get; }

    Task ReadStateAsync(CancellationToken cancellationToken = default);

    Task WriteStateAsync(CancellationToken cancellationToken = default);

    Task ClearStateAsync(CancellationToken cancellationToken = default);
}
