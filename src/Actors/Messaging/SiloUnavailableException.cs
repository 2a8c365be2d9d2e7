namespace Distributed.Actors.Messaging;

/// <summary>The target silo could not be reached before the call was sent: safe to re-resolve and retry.</summary>
public sealed class SiloUnavailableException : Exception
{
    public SiloUnavailableException(string message)
        : base(message)
    {
    }

    public SiloUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
