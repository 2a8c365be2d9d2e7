namespace Distributed.Actors.TestHost.Grains;

/// <summary>Reports its lifecycle to <see cref="LifecycleProbe"/>.</summary>
[Alias("test.lifecycle")]
public interface ILifecycleGrain : IGrainWithStringKey
{
    Task<string> PingAsync();

    Task StartTimerAsync(TimeSpan period);

    [AlwaysInterleave]
    Task<int> TicksAsync();
}
