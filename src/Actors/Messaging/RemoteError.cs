namespace Distributed.Actors.Messaging;

/// <summary>An exception carried back to the caller: its type (assembly-qualified) and message.</summary>
public sealed record RemoteError(string Type, string Message, string? StackTrace);
