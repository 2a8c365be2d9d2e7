namespace Distributed.Actors;

/// <summary>
/// Per-call options that flow with the async context: <c>using (GrainCallScope.WithTimeout(TimeSpan.FromSeconds(2))) await grain.XAsync();</c>.
/// </summary>
public static class GrainCallScope
{
    private static readonly AsyncLocal<TimeSpan?> CurrentTimeout = new();

    /// <summary>The deadline for calls made in this scope, or null for the silo's default.</summary>
    public static TimeSpan? Timeout => CurrentTimeout.Value;

    public static IDisposable WithTimeout(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var previous = CurrentTimeout.Value;
        CurrentTimeout.Value = timeout;
        return new Restore(previous);
    }

    private sealed class Restore(TimeSpan? previous) : IDisposable
    {
        public void Dispose() => CurrentTimeout.Value = previous;
    }
}
