namespace Distributed.Actors.Messaging;

/// <summary>
/// A grain on another silo threw an exception whose type cannot be re-created here (not loaded, or no
/// (string message) constructor); exceptions that can be are re-thrown as their own type.
/// </summary>
public sealed class RemoteGrainException(string exceptionType, string message, string? remoteStackTrace)
    : Exception($"{exceptionType}: {message}")
{
    public string ExceptionType { get; } = exceptionType;

    public string? RemoteStackTrace { get; } = remoteStackTrace;
}
