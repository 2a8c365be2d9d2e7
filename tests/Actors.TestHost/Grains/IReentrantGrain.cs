namespace Distributed.Actors.TestHost.Grains;

/// <summary>Implemented by a [Reentrant] class: all of its calls may interleave.</summary>
[Alias("test.reentrant")]
public interface IReentrantGrain : IGrainWithGuidKey
{
    /// <summary>Stays inside for <paramref name="delayMs"/>; returns the most calls seen inside at once.</summary>
    Task<int> HoldAsync(int delayMs);

    /// <summary>Calls itself through a grain reference (allowed: the grain is reentrant); returns what the inner call did.</summary>
    Task<int> CallSelfAsync();

    /// <summary>A racy read-modify-write of a plain field; returns the count after it.</summary>
    Task<int> BumpAsync();
}
