namespace Distributed.Actors.State;

/// <summary>A state file's content: the ETag travels inside the file, so the rename that publishes it publishes both.</summary>
internal sealed record FileRecord<TState>(string Etag, TState State);
