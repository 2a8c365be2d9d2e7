namespace Distributed.Actors.Messaging;

/// <summary>When a call must be done by, carried to the next silo as the time that is left.</summary>
internal readonly struct Deadline(TimeProvider time, TimeSpan timeout)
{
    private readonly long _started = time.GetTimestamp();

    public int RemainingMilliseconds => (int)Math.Clamp((timeout - time.GetElapsedTime(_started)).TotalMilliseconds, 1, int.MaxValue);
}
