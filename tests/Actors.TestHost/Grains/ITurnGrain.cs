namespace Distributed.Actors.TestHost.Grains;

/// <summary>Measures how many of its calls run at once, per kind of call.</summary>
[Alias("test.turn")]
public interface ITurnGrain : IGrainWithGuidKey
{
    /// <summary>Holds the turn for <paramref name="delayMs"/>; returns the most calls seen inside the grain at once.</summary>
    Task<int> ExclusiveAsync(int delayMs);

    [ReadOnly]
    Task<int> ReadAsync(int delayMs);

    [AlwaysInterleave]
    Task<int> InterleaveAsync(int delayMs);
}
