namespace Distributed.Actors.State;

/// <summary>A state record as a storage provider returns it.</summary>
public sealed record StoredState<TState>(TState State, string Etag);
